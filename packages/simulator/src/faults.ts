import type { FaultShares } from './config.js';
import { round, type Reading, type SimulatedEntity } from './entity.js';
import { integerBetween, type Random } from './random.js';

export type FaultKind = 'duplicate' | 'out_of_order' | 'late' | 'outlier' | 'malformed' | 'future_ts' | 'unit_change';
export type ContentFault = 'malformed' | 'outlier' | 'future_ts' | 'unit_change';

/** What happens to one sent entity-step: at most one content fault and one timing fault, maybe a duplicate. */
export interface FaultPlan {
  content: ContentFault | null;
  timing: 'on_time' | 'out_of_order' | 'late';
  duplicate: boolean;
}

const yearMs = 365 * 86_400_000;

export function planFaults(random: Random, shares: FaultShares, source: string): FaultPlan {
  const contentDraw = random();
  const timingDraw = random();
  const duplicateDraw = random();
  const contentShares: Array<[ContentFault, number]> = [
    ['malformed', shares.malformedShare],
    ['outlier', shares.outlierShare],
    ['future_ts', shares.futureTsShare],
    ['unit_change', source === 'meter' ? shares.unitChangeShare : 0],
  ];
  let content: ContentFault | null = null;
  let threshold = 0;
  for (const [kind, share] of contentShares) {
    threshold += share;
    if (content === null && contentDraw < threshold) content = kind;
  }
  const timing =
    timingDraw < shares.outOfOrderShare ? 'out_of_order' : timingDraw < shares.outOfOrderShare + shares.lateShare ? 'late' : 'on_time';
  // A copy of a late record would be late too, and ground truth could not tell the two faults apart.
  return { content, timing, duplicate: timing !== 'late' && duplicateDraw < shares.duplicateShare };
}

export interface RenderedRecord {
  /** The JSON text as sent. */
  line: string;
  /** The Kafka key; null when the entity is missing from the line, as from a producer that lost it. */
  key: string | null;
  /** The variable an outlier or unit change altered. */
  variable?: string;
}

/** The line as sent, with the content fault applied. */
export function render(reading: Reading, content: ContentFault | null, entity: SimulatedEntity, random: Random): RenderedRecord {
  const key = reading.entity;
  switch (content) {
    case null:
      return { line: JSON.stringify(reading), key };
    case 'future_ts':
      return { line: JSON.stringify({ ...reading, ts: reading.ts + yearMs }), key };
    case 'outlier': {
      const values = { ...reading.values };
      const variable = entity.outlier(values);
      return { line: JSON.stringify({ ...reading, values }), key, variable };
    }
    case 'unit_change': {
      const values = { ...reading.values, load: round(reading.values.load! * 1000, 3) };
      return { line: JSON.stringify({ ...reading, values, units: { ...reading.units, load: 'W' } }), key, variable: 'load' };
    }
    case 'malformed':
      return malformed(reading, random);
  }
}

// The ways producers break JSON in practice: a cut connection, a lost field, a human date, a double-encoded object.
function malformed(reading: Reading, random: Random): RenderedRecord {
  const json = JSON.stringify(reading);
  switch (integerBetween(random, 0, 3)) {
    case 0:
      return { line: json.slice(0, integerBetween(random, 1, json.length - 1)), key: reading.entity };
    case 1: {
      const { entity: _, ...withoutEntity } = reading;
      return { line: JSON.stringify(withoutEntity), key: null };
    }
    case 2:
      return { line: JSON.stringify({ ...reading, ts: 'yesterday' }), key: reading.entity };
    default:
      return { line: JSON.stringify({ ...reading, values: JSON.stringify(reading.values) }), key: reading.entity };
  }
}
