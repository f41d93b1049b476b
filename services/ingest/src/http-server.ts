import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TopicClient, type AttachedContext } from '@gridstream/runtime';
import { topicNames, topicSettings } from '@gridstream/schemas';
import type { IngestConfig } from './config.js';
import { batchMetadata } from './event-id.js';
import { detectFormat, parseByFormat, type IngestFormat } from './formats/detect.js';
import { publishItems, type PublishOutcome } from './publish-items.js';

export const measurementsPath = '/v1/measurements';
/** How many per-line errors a response lists; the counts cover all of them. */
const maxReportedErrors = 100;

/**
 * POST /v1/measurements: JSON, NDJSON, CSV or (with ?format=eia) EIA API v2 JSON, behind a
 * bearer token. Answers 202 with accepted and rejected counts and the first errors per line;
 * 400, 401, 405, 413, 415 for a request it cannot take, 503 with Retry-After when Kafka is down
 * or when INGEST_MAX_PENDING_BYTES of bodies already wait to be published (so memory stays bounded
 * however fast clients send).
 */
export async function startHttpIngest({ config, runtime, log, metrics }: AttachedContext<IngestConfig>): Promise<{ port: number; close(): Promise<void> }> {
  const topics = topicNames(runtime.topicPrefix);
  const client = await new TopicClient({ brokers: runtime.brokers, registryUrl: runtime.registryUrl, clientId: 'gridstream-ingest-http' }).connect();
  await client.ensureTopics([
    { topic: topics.raw, partitions: runtime.partitions },
    { topic: topics.dlq, partitions: runtime.partitions, config: topicSettings.dlq },
  ]);
  const encodeRaw = await client.avroEncoder('raw', topics.raw);
  const expectedAuthorization = Buffer.from(`Bearer ${config.token}`);
  // One publish at a time: the idempotent producer keeps order only without concurrent sends.
  let publishing: Promise<unknown> = Promise.resolve();
  /** Bytes of the bodies being read or waiting to be published; a body without a declared length counts as the largest allowed. */
  let pendingBytes = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://ingest');
    if (url.pathname !== measurementsPath) return reply(response, 404, { error: `not found; POST to ${measurementsPath}` });
    if (request.method !== 'POST') return reply(response, 405, { error: 'use POST' }, { allow: 'POST' });
    const authorization = Buffer.from(request.headers.authorization ?? '');
    if (authorization.length !== expectedAuthorization.length || !timingSafeEqual(authorization, expectedAuthorization)) {
      return reply(response, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': 'Bearer realm="gridstream"' });
    }
    const format = formatOf(request.headers['content-type'], url.searchParams.get('format'));
    if (!format) {
      return reply(response, 415, { error: 'send application/json, application/x-ndjson or text/csv (EIA API v2 JSON: application/json with ?format=eia)' });
    }
    const declaredBytes = Number(request.headers['content-length'] ?? config.maxBodyBytes);
    if (declaredBytes > config.maxBodyBytes) return tooLarge(response, config.maxBodyBytes);
    if (pendingBytes > 0 && pendingBytes + declaredBytes > config.maxPendingBytes) {
      metrics.retries.inc({ stage: 'ingest', code: 'http_busy' });
      return reply(response, 503, { error: `more than ${config.maxPendingBytes} bytes wait to be published; retry later` }, { 'retry-after': '1', connection: 'close' });
    }
    pendingBytes += declaredBytes;
    try {
      await handleBody(request, response, format);
    } finally {
      pendingBytes -= declaredBytes;
    }
  };

  const handleBody = async (request: IncomingMessage, response: ServerResponse, format: IngestFormat | 'csv') => {
    const body = await readBody(request, config.maxBodyBytes);
    if (!body) return tooLarge(response, config.maxBodyBytes);

    const items = await parseByFormat(format === 'csv' ? detectFormat('body.csv', body.subarray(0, 4096)) : format, body);
    const batch = batchMetadata('http', body, items.length, Date.now());
    let outcome: PublishOutcome;
    try {
      const published = publishing.then(() => publishItems(client, topics, encodeRaw, items, 'http', batch));
      publishing = published.catch(() => undefined);
      outcome = await published;
    } catch (error) {
      metrics.retries.inc({ stage: 'ingest', code: 'http_publish_failed' });
      log.warn({ err: error, batchId: batch.batchId }, 'publishing an HTTP batch failed');
      return reply(response, 503, { error: 'Kafka is unavailable; retry later' }, { 'retry-after': '5' });
    }
    metrics.recordsIn.inc({ stage: 'ingest' }, items.length);
    metrics.recordsOut.inc({ stage: 'ingest', topic: topics.raw }, outcome.accepted);
    for (const rejection of outcome.rejected) metrics.deadLettered.inc({ stage: 'ingest', reason: rejection.reason });
    const wholeBodyFailed = items.length === 1 && !items[0]!.ok && items[0]!.line === 0;
    reply(response, wholeBodyFailed ? 400 : 202, {
      batchId: batch.batchId,
      accepted: outcome.accepted,
      rejected: outcome.rejected.length,
      errors: outcome.rejected.slice(0, maxReportedErrors),
    });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error({ err: error }, 'HTTP ingest failed');
      if (!response.headersSent) reply(response, 500, { error: 'internal error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.httpPort, config.httpHost, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, path: measurementsPath }, 'HTTP ingest listening');
  return {
    port,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.close();
    },
  };
}

function formatOf(contentType: string | undefined, requested: string | null): IngestFormat | 'csv' | null {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/json') return requested === 'eia' ? 'eia' : 'json';
  if (mediaType === 'application/x-ndjson' || mediaType === 'application/jsonl') return 'ndjson';
  if (mediaType === 'text/csv') return 'csv';
  return null;
}

/** The body, or null once it grows past the limit (the rest is not read). */
async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(response: ServerResponse, maxBytes: number): void {
  reply(response, 413, { error: `body over ${maxBytes} bytes; split the batch` }, { connection: 'close' });
}

function reply(response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(`${JSON.stringify(body)}\n`);
}
