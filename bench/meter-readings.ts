// Meter readings as the bench's stages meet them.
import type { Measurement } from '@gridstream/schemas';
import { contracts } from '@gridstream/sources';

/**
 * Meter readings as clean meets them: each meter every 15 minutes in time order across meters, a daily
 * load curve, and some of what the pipeline really sees. About 2 % arrive 20 minutes late (after the next
 * step, within the grace), 1 % arrive again 20 minutes later, 0.5 % never arrive (one-step gaps, which
 * clean fills) and 0.1 % carry a load spike. Nothing is late for clean, so nothing is dead-lettered.
 */
export function cleanInput(count: number, entities = 500): Measurement[] {
  const queued: Array<{ sendAtTs: number; m: Measurement }> = [];
  for (let i = 0; queued.length < count; i++) {
    if (i % 211 === 5) continue;
    const step = Math.floor(i / entities);
    const ts = Date.UTC(2026, 0, 1) + step * contracts.meter!.cadenceMs;
    const dayShare = (step % 96) / 96;
    const curve = 0.3 + (1.2 * (1 - Math.cos(2 * Math.PI * dayShare))) / 2 + ((i * 7_919) % 100) / 500;
    const load = i % 997 === 11 ? curve * 8 + 2 : curve;
    const m: Measurement = {
      source: 'meter',
      entity: `meter:M-${String(i % entities).padStart(4, '0')}`,
      ts,
      values: { load: Math.round(load * 1000) / 1000, voltage: 225 + ((i * 104_729) % 100) / 10 },
      units: { load: 'kW', voltage: 'V' },
      tags: { tz: 'Europe/Berlin' },
      eventId: `bench-${i}`,
      ingestedAt: ts + 60_000,
      batch: null,
    };
    queued.push({ sendAtTs: i % 53 === 7 ? ts + 20 * 60_000 : ts, m });
    if (i % 97 === 3 && queued.length < count) queued.push({ sendAtTs: ts + 20 * 60_000, m });
  }
  // Array.prototype.sort is stable: records sent at the same time keep their order.
  return queued.sort((a, b) => a.sendAtTs - b.sendAtTs).map(({ m }) => m);
}

