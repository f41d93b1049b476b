import { deadLetter, emit, type Transform } from '@gridstream/runtime';
import type { Measurement } from '@gridstream/schemas';
import type { IngestConfig } from './config.js';
import { toMeasurement } from './event-id.js';
import { parseCanonicalJson } from './formats/canonical-json.js';

/**
 * A message on <p>.ingest.json (one canonical JSON event, or an array of them) becomes
 * Measurements on <p>.raw; what does not parse goes to the DLQ with its original bytes.
 */
export const ingestJson: Transform<Uint8Array, undefined, IngestConfig, Measurement> = (bytes, _state, ctx) =>
  parseCanonicalJson(bytes, 'json').map((item) =>
    item.ok
      ? emit(item.draft.entity, toMeasurement(item.draft, ctx.now(), null))
      : deadLetter(item.reason, item.line > 1 ? `element ${item.line}: ${item.message}` : item.message, item.fieldPath),
  );
