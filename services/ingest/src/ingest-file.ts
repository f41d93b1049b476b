import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { TopicClient } from '@gridstream/runtime';
import type { TopicNames } from '@gridstream/schemas';
import { batchMetadata } from './event-id.js';
import { detectFormat, parseByFormat, type IngestFormat } from './formats/detect.js';
import { publishItems, type PublishOutcome, type RawEncoder } from './publish-items.js';

export interface FileIngestOptions {
  client: TopicClient;
  topics: TopicNames;
  encodeRaw: RawEncoder;
  /** Overrides detection from the name and first bytes. */
  format?: IngestFormat;
  /** Items per publish request; progress is reported after each. */
  chunkItems?: number;
  onProgress?: (doneItems: number, totalItems: number) => void;
}

export interface FileIngestResult {
  format: IngestFormat;
  items: number;
  accepted: number;
  rejected: PublishOutcome['rejected'];
}

/** Ingests one CSV, JSON, NDJSON, EIA, TEP or Parquet file (or fetched body) as a batch; rejects go to the DLQ as `file:<name>`. */
export async function ingestBytes(name: string, bytes: Uint8Array, options: FileIngestOptions): Promise<FileIngestResult> {
  const format = options.format ?? detectFormat(name, bytes.subarray(0, 4096));
  const items = await parseByFormat(format, bytes);
  const batch = batchMetadata(`file:${name}`, bytes, items.length, Date.now());
  const chunkItems = options.chunkItems ?? 5_000;
  const result: FileIngestResult = { format, items: items.length, accepted: 0, rejected: [] };
  for (let start = 0; start < items.length; start += chunkItems) {
    const chunk = items.slice(start, start + chunkItems);
    const outcome = await publishItems(options.client, options.topics, options.encodeRaw, chunk, `file:${name}`, batch);
    result.accepted += outcome.accepted;
    result.rejected.push(...outcome.rejected);
    options.onProgress?.(start + chunk.length, items.length);
  }
  return result;
}

export async function ingestFile(path: string, options: FileIngestOptions): Promise<FileIngestResult> {
  return ingestBytes(basename(path), await readFile(path), options);
}
