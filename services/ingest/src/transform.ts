import { deadLetter, emit, type Transform } from '@gridstream/runtime';
import type { Measurement } from '@gridstream/schemas';
import type { IngestConfig } from './config.js';
import { toMeasurement } from './event-id.js';
import { parseCanonicalJson } from './formats/canonical-json.js';

/**
 * A message on <p>.ingest.json (one canonical JSON event, or an array of them) becomes
 * Measurements on <p>.raw; what does not parse goes to the DLQ with its original bytes, once per
 * message: each dead letter carries the whole message, so one per bad element of a 1 MB array of
 * half a million would write half a terabyte.
 */
export const ingestJson: Transform<Uint8Array, undefined, IngestConfig, Measurement> = (bytes, _state, ctx) => {
  const items = parseCanonicalJson(bytes, 'json');
  const bad = items.filter((item) => !item.ok);
  const first = bad[0];
  const good = items.flatMap((item) => (item.ok ? [emit(item.draft.entity, toMeasurement(item.draft, ctx.now(), null))] : []));
  if (!first) return good;
  const where = first.line > 1 ? `element ${first.line}: ` : '';
  const others = bad.length > 1 ? ` (and ${bad.length - 1} more bad elements in this message)` : '';
  return [...good, deadLetter(first.reason, `${where}${first.message}${others}`, first.fieldPath)];
};
