import { mkdtemp, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ingestFile } from '@gridstream/ingest/ingest-file';
import { TopicClient, type OutgoingRecord, type TopicRecord } from '@gridstream/runtime';
import { samples, topicNames, type Measurement, type TopicNames } from '@gridstream/schemas';
import { freePort, startService, uniqueName, waitForReady, waitUntil, type ServiceProcess } from '@gridstream/test-kit';
import { goodEvent, measurement, poisonCases, type ForeignRecord, type PoisonCase } from './poison-cases.js';

const stack = inject('stack');
const token = 'poison-test-token-0123456789';
const maxBodyBytes = 4 * 2 ** 20;

/** A case's id from a record's `case` tag, or from its entity (`meter:<id>`, `tep:<id>`). */
const idOf = (m: Measurement) => m.tags['case'] ?? m.entity.slice(m.entity.indexOf(':') + 1);

/** TopicClient's headers are typed as text; kafkajs sends Buffers as they are, which is what a foreign producer's bad bytes need. */
const outgoing = (r: ForeignRecord) => r as OutgoingRecord;

describe('bad input through ingest and validate', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const prefix = uniqueName('poison');
  const t: TopicNames = topicNames(prefix);
  const services: ServiceProcess[] = [];
  const ports = { http: 0, ingestOps: 0, validateOps: 0 };

  beforeAll(async () => {
    await client.connect();
    Object.assign(ports, { http: await freePort(), ingestOps: await freePort(), validateOps: await freePort() });
    const env = {
      GRIDSTREAM_TOPIC_PREFIX: prefix,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      GRIDSTREAM_PARTITIONS: '2',
      LOG_LEVEL: 'warn',
    };
    services.push(
      startService('ingest', { ...env, GRIDSTREAM_OPS_PORT: String(ports.ingestOps), INGEST_HTTP_PORT: String(ports.http), INGEST_TOKEN: token, INGEST_MAX_BODY_BYTES: String(maxBodyBytes) }),
      startService('validate', { ...env, GRIDSTREAM_OPS_PORT: String(ports.validateOps) }),
    );
    await waitForReady(services[0]!, ports.ingestOps);
    await waitForReady(services[1]!, ports.validateOps);
  }, 120_000);
  afterAll(async () => {
    for (const service of services) service.child.kill('SIGKILL');
    await client.close();
  });

  const post = (body: string | Buffer, contentType: string, query = '', authorization = `Bearer ${token}`) =>
    fetch(`http://127.0.0.1:${ports.http}/v1/measurements${query}`, { method: 'POST', headers: { authorization, 'content-type': contentType }, body: typeof body === 'string' ? body : new Uint8Array(body) });
  const metricsOf = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

  it('dead-letters every kind of bad input with its reason and origin, passes the good records, and keeps both services running', { timeout: 150_000 }, async () => {
    const startMetrics = await Promise.all([metricsOf(ports.ingestOps), metricsOf(ports.validateOps)]);
    const pids = services.map((s) => s.child.pid);

    await client.ensureTopics([{ topic: t.ingestJson, partitions: 2 }]);
    const encodeRaw = await client.avroEncoder('raw', t.raw);
    const featureVectorBytes = (await client.avroEncoder('features', t.features))(samples.FeatureVector);
    const registered = await fetch(`${stack.schemaRegistryUrl}/subjects/${prefix}.foreign-value/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schemaType: 'JSON', schema: JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' }) }),
    });
    const jsonSchemaId = ((await registered.json()) as { id: number }).id;
    const cases = poisonCases({ encodeRaw, featureVectorBytes, jsonSchemaId });
    const dlqCases = cases.filter((c) => 'reason' in c.outcome);
    console.info(
      [`${dlqCases.length} kinds dead-lettered, ${cases.length - dlqCases.length} passed on or answered:`]
        .concat(cases.map((c) => `  ${c.entry.padEnd(11)} ${c.kind.padEnd(58)} ${'reason' in c.outcome ? `${c.outcome.stage}:${c.outcome.reason}` : JSON.stringify(c.outcome)}`))
        .join('\n'),
    );
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    expect(new Set(dlqCases.map((c) => c.kind)).size).toBeGreaterThanOrEqual(30);

    // Every case's records, and the good ones sent alongside, go out at once.
    const goods: string[] = cases.flatMap((c) => c.goods ?? []);
    const httpLines = new Map<string, string>(); // `<batchId>#<line>` (the shared request) or `<batchId>` -> case id
    const ndjson: Buffer[] = [];
    const onTopic = { 'ingest.json': [] as OutgoingRecord[], raw: [] as OutgoingRecord[] };
    const dir = await mkdtemp(join(tmpdir(), 'poison-'));
    const fileCases = new Map<string, string>();
    for (const c of cases) {
      const { payload } = c;
      const goodId = `good-${c.id}`;
      if ('line' in payload) {
        ndjson.push(Buffer.from(payload.line), Buffer.from(JSON.stringify(goodEvent(goodId))));
        goods.push(goodId);
      } else if ('record' in payload || 'records' in payload) {
        const topic = c.entry as 'ingest.json' | 'raw';
        const records = 'record' in payload ? [payload.record] : payload.records;
        const good = topic === 'raw' ? encodeRaw(measurement(goodId, { tags: {} })) : JSON.stringify(goodEvent(goodId));
        onTopic[topic].push(...records.map(outgoing), { key: `meter:${goodId}`, value: good });
        goods.push(goodId);
      } else if ('file' in payload) {
        await writeFile(join(dir, payload.file.name), payload.file.bytes);
        fileCases.set(payload.file.name, c.id);
      }
    }

    const shared = await post(Buffer.concat(ndjson.flatMap((l) => [l, Buffer.from('\n')])), 'application/x-ndjson');
    expect(shared.status).toBe(202);
    const sharedAnswer = (await shared.json()) as { batchId: string; accepted: number; rejected: number; errors: Array<{ line: number; reason: string }> };
    const lineCases = cases.filter((c) => 'line' in c.payload);
    lineCases.forEach((c, i) => httpLines.set(`${sharedAnswer.batchId}#${2 * i + 1}`, c.id));
    const rejectedAtIngest = lineCases.filter((c) => 'stage' in c.outcome && c.outcome.stage === 'ingest');
    expect(sharedAnswer).toMatchObject({ accepted: ndjson.length - rejectedAtIngest.length, rejected: rejectedAtIngest.length });
    expect(sharedAnswer.errors.map((e) => httpLines.get(`${sharedAnswer.batchId}#${e.line}`))).toEqual(rejectedAtIngest.map((c) => c.id));

    for (const c of cases) {
      if (!('request' in c.payload)) continue;
      const { contentType, body, query, authorization, contentLength, status } = c.payload.request;
      const response = contentLength ? await declareOnly(ports.http, contentLength) : await post(body, contentType, query, authorization);
      expect(response.status, c.kind).toBe(status);
      const answer = (await response.json()) as { batchId?: string };
      if (answer.batchId) httpLines.set(answer.batchId, c.id);
    }

    const fileOptions = { client, topics: t, encodeRaw };
    for (const name of fileCases.keys()) await ingestFile(join(dir, name), fileOptions);
    await client.publish([
      { topic: t.ingestJson, records: onTopic['ingest.json'] },
      { topic: t.raw, records: onTopic.raw },
    ]);

    const passing = cases.reduce((sum, c) => sum + ('passes' in c.outcome ? c.outcome.passes : 0), 0);
    const expectedTotal = goods.length + passing + dlqCases.reduce((sum, c) => sum + (c.deadLetters ?? 1), 0);
    let valid: TopicRecord[] = [];
    let dead: TopicRecord[] = [];
    // A stuck partition shows as the kinds missing below, so the wait's own timeout is not the failure.
    await waitUntil(
      'every record to be valid or dead-lettered',
      async () => {
        [valid, dead] = await Promise.all([client.readAll(t.valid), client.readAll(t.dlq)]);
        return valid.length + dead.length >= expectedTotal;
      },
      60_000,
      1_000,
    ).catch((error: unknown) => console.warn((error as Error).message));

    // Valid records: every good one and every case that must pass, once, keyed by their entity.
    const validIds: string[] = [];
    for (const record of valid) {
      const m = (await client.decodeAvro('valid', record.value!)) as Measurement;
      expect(record.key).toBe(m.entity);
      validIds.push(idOf(m));
    }
    const expectedValid = [...goods, ...cases.flatMap((c) => ('passes' in c.outcome ? Array<string>(c.outcome.passes).fill(c.id) : []))];
    expect.soft(validIds.sort()).toEqual(expectedValid.sort());

    // Dead letters: each DLQ kind once, with its stage, reason and where it came from.
    const [rawRecords, jsonRecords] = await Promise.all([client.readAll(t.raw), client.readAll(t.ingestJson)]);
    const deadById = new Map<string, TopicRecord[]>();
    for (const record of dead) {
      const origin = record.headers['__connect.errors.topic'] ?? '';
      const offset = record.headers['__connect.errors.offset'];
      const id = record.key?.startsWith('poison:')
        ? record.key.slice('poison:'.length)
        : origin === 'http'
          ? (httpLines.get(`${record.headers['gridstream.batch.id']}#${offset}`) ?? httpLines.get(record.headers['gridstream.batch.id']!))
          : origin.startsWith('file:')
            ? fileCases.get(origin.slice('file:'.length))
            : await client.decodeAvro('raw', record.value!).then(
                (m) => idOf(m as Measurement),
                // Undecodable by validate, so by this reader too: the key is the event's entity, meter:<id>.
                () => record.key?.replace(/^meter:/, ''),
              );
      const known = id ?? `unknown: ${origin} at ${offset}`;
      deadById.set(known, [...(deadById.get(known) ?? []), record]);
    }
    // Validate reads <p>.raw; ingest names the topic, `http` or `file:<name>`.
    const originOf = (c: PoisonCase) =>
      'stage' in c.outcome && c.outcome.stage === 'validate' ? t.raw
      : c.entry === 'ingest.json' ? t.ingestJson
      : c.entry === 'file' ? `file:${[...fileCases].find(([, id]) => id === c.id)![0]}`
      : 'http';
    const verdicts = dlqCases.map((c) => {
      const records = deadById.get(c.id) ?? [];
      const record = records[0];
      const h = record?.headers ?? {};
      const sourceRecords = h['__connect.errors.topic'] === t.raw ? rawRecords : h['__connect.errors.topic'] === t.ingestJson ? jsonRecords : null;
      const original = sourceRecords?.find((r) => String(r.partition) === h['__connect.errors.partition'] && r.offset === h['__connect.errors.offset']);
      return {
        kind: c.kind,
        count: records.length,
        verdict: `${h['__connect.errors.stage']}:${h['gridstream.reason']}`,
        origin: h['__connect.errors.topic'],
        // Kafka origins name the partition and offset of the original bytes; HTTP and files have none (-1) and give the line.
        originalFound: sourceRecords
          ? original !== undefined && sameBytes(original.value, record!.value)
          : h['__connect.errors.partition'] === '-1' && (!('line' in c.payload) || isLineKept(Buffer.from(c.payload.line), record!)),
      };
    });
    // A kind that is missing most likely stalled its partition: the services' warnings say why.
    expect.soft(verdicts, services.map((s) => s.output().slice(-3_000)).join('\n')).toEqual(
      dlqCases.map((c) => ({
        kind: c.kind,
        count: c.deadLetters ?? 1,
        verdict: 'reason' in c.outcome ? `${c.outcome.stage}:${c.outcome.reason}` : '',
        origin: originOf(c),
        originalFound: true,
      })),
    );
    expect([...deadById.keys()].filter((id) => !dlqCases.some((c) => c.id === id))).toEqual([]);
    // The other context headers, as tools such as `gridstream dlq show` read them.
    expect(deadById.get('h-negative')?.[0]?.headers).toMatchObject({
      '__connect.errors.exception.class.name': 'ContractViolation',
      '__connect.errors.exception.message': 'load -4 kW is outside 0..10000 kW',
      'gridstream.field.path': 'values.load',
      'gridstream.attempts': '1',
    });
    expect(deadById.get('r-huge-map')?.[0]?.headers['__connect.errors.exception.message']).toContain('declares 2147483648 items');
    // A line too long for a Kafka record keeps its start, and its length.
    const longLine = cases.find((c) => c.id === 'h-line-2mb')!.payload as { request: { body: string } };
    expect(deadById.get('h-line-2mb')?.[0]?.headers['gridstream.original.bytes']).toBe(String(Buffer.byteLength(longLine.request.body.split('\n')[0]!)));
    expect(valid.length + dead.length).toBe(expectedTotal);

    // Nothing restarted or stalled: same processes, ready, no batch retried, and their DLQ counters agree with the topic.
    const [ingestMetrics, validateMetrics] = await Promise.all([metricsOf(ports.ingestOps), metricsOf(ports.validateOps)]);
    expect(services.map((s) => s.child.pid)).toEqual(pids);
    for (const service of services) expect(service.child.exitCode, service.output()).toBeNull();
    for (const port of [ports.ingestOps, ports.validateOps]) expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    for (const [before, after] of [[startMetrics[0]!, ingestMetrics], [startMetrics[1]!, validateMetrics]] as const) {
      expect(sample(after, 'process_start_time_seconds')).toBe(sample(before, 'process_start_time_seconds'));
      expect(metricSamples(after, 'gridstream_retries_total')).toEqual([]);
    }
    const counted = (stage: string, fromFiles: boolean) =>
      dead.filter((d) => d.headers['__connect.errors.stage'] === stage && fromFiles === d.headers['__connect.errors.topic']!.startsWith('file:')).length;
    expect(metricSamples(validateMetrics, 'gridstream_dlq_records_total').reduce((sum, [, n]) => sum + n, 0)).toBe(counted('validate', false));
    // Files are ingested by the CLI's code in this process, not by the service.
    expect(metricSamples(ingestMetrics, 'gridstream_dlq_records_total').reduce((sum, [, n]) => sum + n, 0)).toBe(counted('ingest', false));
  });
});

/** Every sample of a Prometheus metric with a non-zero value, as [labels, value]. */
function metricSamples(text: string, name: string): Array<[string, number]> {
  return [...text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((m): [string, number] => [m[1] ?? '', Number(m[2])]).filter(([, value]) => value !== 0);
}

/** A POST that declares `contentLength` bytes and sends none of them; the server's answer as fetch would give it. */
function declareOnly(port: number, contentLength: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', 'content-length': String(contentLength) };
    const request = httpRequest({ host: '127.0.0.1', port, path: '/v1/measurements', method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        request.destroy();
        resolve(new Response(Buffer.concat(chunks), { status: response.statusCode! }));
      });
    });
    request.on('error', reject);
    request.flushHeaders();
  });
}

/** The line's bytes, or (for one too long for a Kafka record) their start and the length it had. */
function isLineKept(line: Buffer, deadLetter: TopicRecord): boolean {
  const kept = deadLetter.value ?? Buffer.alloc(0);
  const cut = kept.length < line.length && deadLetter.headers['gridstream.original.bytes'] === String(line.length);
  return (kept.length === line.length || cut) && sameBytes(line.subarray(0, kept.length), kept);
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

function sample(text: string, name: string): number | undefined {
  return metricSamples(text, name)[0]?.[1];
}
