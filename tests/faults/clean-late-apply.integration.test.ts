import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CleanMeasurement, Gap, Measurement } from '@gridstream/schemas';
import type { SimulatedEvent } from '@gridstream/simulator';
import { cleanConfig, cleanSettings, faultTestSimulation, PipelineFixture } from './pipeline-fixture.js';

const hour = 3_600_000;

/** The entity's events from `fromHour` to `toHour` on the first day, held back and sent when the stream reaches `uploadHour`. */
function offline(entity: string, fromHour: number, toHour: number, uploadHour: number): (events: SimulatedEvent[]) => SimulatedEvent[] {
  const day = Date.UTC(2026, 0, 1);
  return (events) => {
    const heldBack = (e: SimulatedEvent) => e.key === entity && e.truth.ts >= day + fromHour * hour && e.truth.ts < day + toHour * hour;
    const rest = events.filter((e) => !heldBack(e));
    const upload = rest.findIndex((e) => e.truth.ts >= day + uploadHour * hour);
    return [...rest.slice(0, upload), ...events.filter(heldBack), ...rest.slice(upload)];
  };
}

describe('clean applying late records (CLEAN_LATE_POLICY=apply), killed mid-run', () => {
  const pipeline = new PipelineFixture(inject('stack'), 'clean-late-apply');
  const { t } = pipeline;

  beforeAll(() => pipeline.connect());
  afterAll(() => pipeline.close());

  it('applies and dead-letters the same late records as the batch reference', { timeout: 300_000 }, async () => {
    // Single records sent 2 h late (beyond the 1 h grace), and a meter offline from 06:00 to 11:00 that uploads its backlog at 11:30.
    await pipeline.validSimulation(faultTestSimulation({ seed: 6 }, { lateShare: 0.02, lateByMs: 7_200_000 }), offline('meter:M-0003', 6, 11, 11.5));
    await pipeline.runKilledTwice('clean', t.valid, { ...cleanSettings, CLEAN_LATE_POLICY: 'apply', GRIDSTREAM_MAX_BATCH_BYTES: '8192' });
    const reference = await pipeline.cleanReference({ ...cleanConfig, latePolicy: 'apply' });
    // Most of the backlog is behind the watermark but fills a gap nothing has covered yet; single late records are not.
    expect(reference.lateApplied.filter((m) => m.entity === 'meter:M-0003').length).toBeGreaterThanOrEqual(16);
    expect(reference.late.length).toBeGreaterThan(10);
    await pipeline.waitForClean(reference.clean.length);
    expect(await pipeline.sorted<CleanMeasurement>('clean', (c) => c.ts)).toEqual(reference.clean);
    expect(await pipeline.sorted<Gap>('gaps', (g) => g.start)).toEqual(reference.gaps);
    const deadLetters = (await pipeline.client.readAll(t.dlq)).filter((d) => d.headers['__connect.errors.stage'] === 'clean');
    expect(deadLetters.every((d) => d.headers['gridstream.reason'] === 'late')).toBe(true);
    const deadLettered = await Promise.all(deadLetters.map(async (d) => ((await pipeline.client.decodeAvro('valid', d.value!)) as Measurement).eventId));
    expect(deadLettered.sort()).toEqual(reference.late.map((l) => l.measurement.eventId).sort());
  });
});
