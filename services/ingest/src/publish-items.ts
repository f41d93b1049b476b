import { deadLetterHeaders, type OutgoingRecord, type TopicClient } from '@gridstream/runtime';
import type { IngestBatch, TopicNames } from '@gridstream/schemas';
import { toMeasurement } from './event-id.js';
import type { ParsedItem } from './formats/parsed-item.js';

export interface PublishOutcome {
  accepted: number;
  rejected: Array<{ line: number; reason: string; message: string; fieldPath?: string }>;
}

/**
 * The most of a rejected item's bytes its dead letter keeps. Kafka refuses a record over 1 MiB, and
 * a refused write would fail the whole request on every retry (HTTP 503), good lines included. A
 * longer item keeps its first bytes, and `gridstream.original.bytes` says how long it was.
 */
export const maxDeadLetterBytes = 512 * 1024;

/** Encodes Measurements for <p>.raw; one per process, registered once. */
export type RawEncoder = (value: unknown) => Buffer;

/**
 * Publishes parsed items outside a stage (HTTP, files): Measurements to <p>.raw and rejects to
 * the DLQ in one request. `origin` stands in for the Kafka topic in the DLQ headers
 * (`http`, `file:loads.csv`), with partition -1 and the line as offset.
 */
export async function publishItems(
  client: TopicClient,
  topics: TopicNames,
  encodeRaw: RawEncoder,
  items: ParsedItem[],
  origin: string,
  batch: IngestBatch,
): Promise<PublishOutcome> {
  const raw: OutgoingRecord[] = [];
  const dlq: OutgoingRecord[] = [];
  const outcome: PublishOutcome = { accepted: 0, rejected: [] };
  for (const item of items) {
    if (item.ok) {
      raw.push({ key: item.draft.entity, value: encodeRaw(toMeasurement(item.draft, batch.ingestedAt, batch)) });
      outcome.accepted += 1;
      continue;
    }
    const fieldPath = item.fieldPath ?? (item.line > 0 ? `line ${item.line}` : undefined);
    const cut = item.raw.length > maxDeadLetterBytes;
    dlq.push({
      key: null,
      value: Buffer.from(cut ? item.raw.subarray(0, maxDeadLetterBytes) : item.raw),
      headers: {
        ...deadLetterHeaders({
          topic: origin,
          partition: -1,
          offset: String(item.line),
          stage: 'ingest',
          reason: item.reason,
          errorClass: 'IngestRejection',
          message: item.message,
          firstFailureMs: batch.ingestedAt,
          lastFailureMs: batch.ingestedAt,
          attempts: 1,
          ...(fieldPath === undefined ? {} : { fieldPath }),
        }),
        'gridstream.batch.id': batch.batchId,
        ...(cut && { 'gridstream.original.bytes': String(item.raw.length) }),
      },
    });
    outcome.rejected.push({ line: item.line, reason: item.reason, message: item.message, ...(item.fieldPath === undefined ? {} : { fieldPath: item.fieldPath }) });
  }
  await client.publish([
    { topic: topics.raw, records: raw },
    { topic: topics.dlq, records: dlq },
  ]);
  return outcome;
}
