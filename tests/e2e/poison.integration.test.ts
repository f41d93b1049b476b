import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ingestFile } from '@gridstream/ingest/ingest-file';
import { TopicClient, type TopicRecord } from '@gridstream/runtime';
import { samples, topicNames, type TopicNames } from '@gridstream/schemas';
import { freePort, startService, uniqueName, waitForReady, waitUntil, type ServiceProcess } from '@gridstream/test-kit';

const stack = inject('stack');
const token = 'poison-test-token-0123456789';
const ts = Date.UTC(2026, 0, 1, 12);

/** A good canonical event; each poison kind breaks one thing about it. */
const good = (overrides: Record<string, unknown> = {}) => ({
  source: 'meter',
  entity: 'meter:M-0001',
  ts,
  values: { load: 1.5 },
  units: { load: 'kW' },
  tags: { tz: 'Europe/Berlin' },
  ...overrides,
});
const line = (event: object) => JSON.stringify(event);

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
      startService('ingest', { ...env, GRIDSTREAM_OPS_PORT: String(ports.ingestOps), INGEST_HTTP_PORT: String(ports.http), INGEST_TOKEN: token, INGEST_MAX_BODY_BYTES: '65536' }),
      startService('validate', { ...env, GRIDSTREAM_OPS_PORT: String(ports.validateOps) }),
    );
    await waitForReady(services[0]!, ports.ingestOps);
    await waitForReady(services[1]!, ports.validateOps);
  }, 120_000);
  afterAll(async () => {
    for (const service of services) service.child.kill('SIGKILL');
    await client.close();
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${ports.http}/v1/measurements`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', ...headers },
      body,
    });

  it('dead-letters every kind with its reason and headers, answers HTTP errors, keeps running, and reconciles counts', { timeout: 180_000 }, async () => {
    // Requests refused as a whole: nothing reaches Kafka, the client is told.
    expect((await post(line(good()), { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await post(line(good()), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(' '.repeat(70_000))).status).toBe(413);

    // HTTP NDJSON: good lines accepted, bad lines reported per line and dead-lettered.
    const httpLines = [
      line(good()),
      '{"source":"meter","entity":', // malformed JSON
      line(good({ entity: undefined })), // missing entity
      line(good({ values: { load: 'NaN' } })),
      line(good({ values: { load: 'Infinity' } })),
      line(good({ values: { load: -4 } })),
      line(good({ ts: Date.UTC(2027, 6, 1) })), // far future
      line(good({ units: { load: 'kWh' } })),
      line(good({ source: 'scada', entity: 'scada:7' })),
      line(good({ tags: { tz: 'Mars/Olympus' } })),
      line(good({ values: { pv: 1 }, units: { pv: 'kW' } })), // load missing
      line(good({ entity: 'meter:M-0002', ts: ts + 900_000 })),
    ];
    const response = await post(httpLines.join('\n'));
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      accepted: 10,
      rejected: 2,
      errors: [
        { line: 2, reason: 'malformed' },
        { line: 3, reason: 'missing_field', fieldPath: 'entity' },
      ],
    });

    // The Kafka JSON topic, as external producers use it.
    await client.ensureTopics([{ topic: t.ingestJson, partitions: 2 }]);
    await client.publish([
      {
        topic: t.ingestJson,
        records: [
          { key: 'meter:M-0003', value: line(good({ entity: 'meter:M-0003' })) },
          { key: 'meter:M-0003', value: '{"not json' },
          { key: 'meter:M-0003', value: line(good({ entity: 'meter:M-0003', ts: 'yesterday' })) },
        ],
      },
    ]);

    // Files: a CSV with a row of too many cells, and a TEP CSV with a row one column short.
    const dir = await mkdtemp(join(tmpdir(), 'poison-'));
    const csvPath = join(dir, 'loads.csv');
    await writeFile(csvPath, `source,entity,ts,load[kW],tag:tz\nmeter,meter:M-0004,${ts},2.5,Europe/Berlin\nmeter,meter:M-0004,${ts + 900_000},2.5,Europe/Berlin,surplus\n`);
    const tepHeader = ['sample', 'fault', ...Array.from({ length: 41 }, (_, i) => `xmeas_${i + 1}`), ...Array.from({ length: 11 }, (_, i) => `xmv_${i + 1}`)];
    const tepRow = (sample: number, columns: number) => [sample, 0, ...Array<number>(columns - 2).fill(42)].join(',');
    const tepPath = join(dir, 'tep.csv');
    await writeFile(tepPath, [tepHeader.join(','), tepRow(1, 54), tepRow(2, 53)].join('\n'));
    const encodeRaw = await client.avroEncoder('raw', t.raw);
    const fileOptions = { client, topics: t, encodeRaw };
    expect((await ingestFile(csvPath, fileOptions)).rejected.map((r) => r.reason)).toEqual(['malformed']);
    expect((await ingestFile(tepPath, fileOptions)).rejected.map((r) => r.reason)).toEqual(['malformed']);

    // Straight onto <p>.raw: bytes that are not Avro of a registered schema.
    const validRaw = encodeRaw({ ...samples.Measurement, entity: 'meter:M-0005', ts, values: { load: 1 }, units: { load: 'kW' }, tags: { tz: 'UTC' }, batch: null });
    const schemaId = validRaw.readInt32BE(1);
    const header = (id: number) => Buffer.from([0, id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255]);
    await client.publish([
      {
        topic: t.raw,
        records: [
          { key: 'meter:M-0005', value: validRaw },
          { key: 'meter:M-0005', value: Buffer.concat([Buffer.from([1]), validRaw.subarray(1)]) }, // bad magic byte
          { key: 'meter:M-0005', value: Buffer.concat([header(0x7ffffff0), validRaw.subarray(5)]) }, // unknown schema id
          { key: 'meter:M-0005', value: validRaw.subarray(0, validRaw.length - 6) }, // truncated
          // source "m", entity "e", then a values map declaring 2^31 entries in 10 bytes of body
          { key: 'meter:M-0005', value: Buffer.concat([header(schemaId), Buffer.from([2, 0x6d, 2, 0x65, 0, 0x80, 0x80, 0x80, 0x80, 0x10])]) },
        ],
      },
    ]);

    // In: 12 HTTP lines + 3 JSON messages + 2 CSV rows + 2 TEP rows + 5 raw records = 24.
    const recordsIn = 24;
    let valid: TopicRecord[] = [];
    let dead: TopicRecord[] = [];
    await waitUntil(
      'every record to be valid or dead-lettered',
      async () => {
        [valid, dead] = await Promise.all([client.readAll(t.valid), client.readAll(t.dlq)]);
        return valid.length + dead.length >= recordsIn;
      },
      60_000,
      1_000,
    );
    const validEntities = await Promise.all(valid.map(async (v) => ((await client.decodeAvro('valid', v.value!)) as { entity: string }).entity));
    expect(validEntities.sort()).toEqual(['meter:M-0001', 'meter:M-0002', 'meter:M-0003', 'meter:M-0004', 'meter:M-0005', 'tep:unit-1']);
    expect(valid.length + dead.length).toBe(recordsIn);

    const reasons = dead.map((d) => `${d.headers['__connect.errors.stage']}:${d.headers['gridstream.reason']}`).sort();
    expect(reasons).toEqual(
      [
        'ingest:malformed', // HTTP line 2
        'ingest:missing_field', // HTTP line 3
        'ingest:malformed', // JSON topic
        'ingest:wrong_type', // JSON topic ts "yesterday"
        'ingest:malformed', // CSV row
        'ingest:malformed', // TEP row
        'validate:not_finite',
        'validate:not_finite',
        'validate:out_of_range',
        'validate:future_ts',
        'validate:unknown_unit',
        'validate:unknown_source',
        'validate:unknown_time_zone',
        'validate:missing_field',
        'validate:undecodable',
        'validate:undecodable',
        'validate:undecodable',
        'validate:undecodable',
      ].sort(),
    );

    const byMessage = (text: string) => dead.find((d) => d.headers['__connect.errors.exception.message']?.includes(text));
    expect(byMessage('declares 2147483648 items')?.headers).toMatchObject({ '__connect.errors.topic': t.raw, 'gridstream.reason': 'undecodable' });
    expect(byMessage('load -4 kW')?.headers).toMatchObject({
      '__connect.errors.topic': t.raw,
      '__connect.errors.stage': 'validate',
      '__connect.errors.exception.class.name': 'ContractViolation',
      'gridstream.field.path': 'values.load',
      'gridstream.attempts': '1',
    });
    const httpMalformed = dead.find((d) => d.headers['__connect.errors.topic'] === 'http' && d.headers['gridstream.reason'] === 'malformed')!;
    expect(httpMalformed.value!.toString()).toBe(httpLines[1]);
    expect(httpMalformed.headers).toMatchObject({ '__connect.errors.partition': '-1', '__connect.errors.offset': '2' });
    const jsonTopic = dead.find((d) => d.headers['__connect.errors.topic'] === t.ingestJson && d.headers['gridstream.reason'] === 'malformed')!;
    expect(jsonTopic.value!.toString()).toBe('{"not json');
    expect(dead.find((d) => d.headers['__connect.errors.topic'] === 'file:tep.csv')?.headers['__connect.errors.offset']).toBe('3');

    // Nothing crashed: both services still run and report healthy, with the DLQ counted in their metrics.
    for (const service of services) expect(service.child.exitCode, service.output()).toBeNull();
    for (const port of [ports.ingestOps, ports.validateOps]) expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const validateMetrics = await (await fetch(`http://127.0.0.1:${ports.validateOps}/metrics`)).text();
    expect(validateMetrics).toContain('gridstream_dlq_records_total{stage="validate",reason="undecodable"} 4');
  });
});
