import { createHash } from 'node:crypto';
import type { IngestBatch, Measurement } from '@gridstream/schemas';
import type { MeasurementDraft } from './formats/parsed-item.js';

/**
 * Deterministic id of a measurement: sha256 hex of source, entity, ts and values, with variables
 * sorted so key order does not matter. Units and tags are left out: they describe the reading,
 * and the same reading sent twice must get the same id so later stages drop the repeat.
 */
export function eventIdOf(draft: MeasurementDraft): string {
  // String() renders NaN and ±Infinity, which JSON would turn into null; JSON quoting keeps
  // names containing separators from running into each other.
  const values = Object.keys(draft.values)
    .sort()
    .map((name) => [name, String(draft.values[name])]);
  return sha256Hex(JSON.stringify([draft.source, draft.entity, draft.ts, values]));
}

/** Metadata of one received body; the same body from the same source at the same time gets the same batchId. */
export function batchMetadata(source: string, body: Uint8Array, recordCount: number, ingestedAt: number): IngestBatch {
  const checksum = sha256Hex(body);
  const batchId = sha256Hex(`${source}\u0000${ingestedAt}\u0000${checksum}`).slice(0, 32);
  return { batchId, source, ingestedAt, recordCount, checksum };
}

export function toMeasurement(draft: MeasurementDraft, ingestedAt: number, batch: IngestBatch | null): Measurement {
  return { ...draft, eventId: eventIdOf(draft), ingestedAt, batch };
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
