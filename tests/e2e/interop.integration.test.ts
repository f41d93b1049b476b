// Third-party readers of gridstream's topics: kcat (librdkafka, Debian's package) and Confluent's
// Python client with its registry client and Avro deserializer, both installed by scripts/tools.
// They must see exactly the committed records, and Python must decode them to what was written.
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Message, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, topicSettings, type FeatureVector, type Measurement, type Sequence } from '@gridstream/schemas';
import { startService, uniqueName, waitUntil, type ServiceProcess } from '@gridstream/test-kit';

const stack = inject('stack');
const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

// Odd milliseconds, so a reader that rounds timestamps to seconds would show.
const ts = Date.UTC(2025, 5, 1, 12) + 123;
const hourMs = 3_600_000;

const measurement = (entity: string, step: number): Measurement => ({
  source: 'meter',
  entity,
  ts: ts + step * 900_000,
  values: { load: 0.1 + 0.2 + step }, // not exactly representable: the shortest round trip must hold
  units: { load: 'kW' },
  tags: { tz: 'Europe/Berlin', feeder: `F-${step}` },
  eventId: `${entity}@${step}`,
  ingestedAt: ts + step * 900_000 + 4_567,
  batch: step % 2 === 0 ? null : { batchId: `b-${step}`, source: 'http', ingestedAt: ts + step * 900_000 + 4_000, recordCount: 3, checksum: 'ab'.repeat(32) },
});

const featureNames = ['load', 'load_lag_24h', 'up', 'down', 'tiny', 'huge', 'negative_zero'];
const vector = (entity: string, step: number): FeatureVector => ({
  entity,
  ts: ts + step * hourMs,
  featureSet: { name: 'meter', version: 2 },
  names: featureNames,
  values: [1.25 + step, Number.NaN, Infinity, -Infinity, 5e-324, Number.MAX_VALUE, -0],
  imputed: step % 2 === 1,
  ingestedAt: step === 0 ? null : ts + step * hourMs + 999,
});

const sequence = (entity: string, seqLen: number): Sequence => {
  const names = ['load', 'temperature'];
  const values = Buffer.alloc(seqLen * names.length * 4);
  for (let i = 0; i < seqLen * names.length; i++) values.writeFloatLE(i % 5 === 3 ? Number.NaN : i / 3, i * 4);
  return {
    entity,
    featureSet: { name: 'meter', version: 2 },
    start: ts,
    end: ts + seqLen * hourMs,
    stepMs: hourMs,
    seqLen,
    names,
    values,
    mask: Buffer.from(Array.from({ length: seqLen }, (_, step) => step % 3)),
    revision: seqLen % 2,
  };
};

// What the Python reader prints: fastavro gives timestamp-millis as an aware UTC datetime (printed
// in ISO form), bytes are printed as base64, and NaN and the infinities as strings (JSON has none).
const pyTimestamp = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
const pyDouble = (x: number) => (Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : x);
const asPython = {
  valid: (m: Measurement) => ({
    ...m,
    ts: pyTimestamp(m.ts),
    values: Object.fromEntries(Object.entries(m.values).map(([name, x]) => [name, pyDouble(x)])),
    ingestedAt: pyTimestamp(m.ingestedAt),
    batch: m.batch && { ...m.batch, ingestedAt: pyTimestamp(m.batch.ingestedAt) },
  }),
  features: (f: FeatureVector) => ({ ...f, ts: pyTimestamp(f.ts), values: f.values.map(pyDouble), ingestedAt: f.ingestedAt === null ? null : pyTimestamp(f.ingestedAt) }),
  sequences: (s: Sequence) => ({ ...s, start: pyTimestamp(s.start), end: pyTimestamp(s.end), values: s.values.toString('base64'), mask: s.mask.toString('base64') }),
};

interface PythonRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: Record<string, unknown>;
}

describe('third-party readers', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const kafka = new Kafka({ clientId: 'interop-test', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
  const prefix = uniqueName('interop');
  const t = topicNames(prefix);
  const brokers = stack.kafkaBrokers.join(',');
  let kcat: string;
  let python: string;
  let producer: Producer;
  let validate: ServiceProcess | undefined;

  beforeAll(async () => {
    // Installed into the cache when missing (cold: apt-get about 15 s, the venv about 40 s).
    kcat = execFileSync(`${root}scripts/tools`, ['path', 'kcat'], { encoding: 'utf8' }).trim();
    python = execFileSync(`${root}scripts/tools`, ['path', 'python-interop'], { encoding: 'utf8' }).trim();
    await client.connect();
    producer = kafka.producer({ transactionalId: uniqueName('interop-txn'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  }, 240_000);
  afterAll(async () => {
    validate?.child.kill('SIGKILL');
    await producer?.disconnect();
    await client.close();
  });

  /** "partition offset key" of each record kcat reads from the start to the end. */
  async function kcatRecords(topic: string, isolation: 'read_committed' | 'read_uncommitted'): Promise<string[]> {
    const { stdout } = await run(kcat, ['-C', '-b', brokers, '-t', topic, '-e', '-q', '-X', `isolation.level=${isolation}`, '-f', '%p %o %k\\n'], { timeout: 60_000 });
    return stdout.split('\n').filter(Boolean).sort();
  }

  /** The records the Python reader prints, in the log's order for each key. */
  async function pythonRecords(topic: string): Promise<PythonRecord[]> {
    const { stdout } = await run(python, [`${root}tests/interop/read_gridstream.py`, '--brokers', brokers, '--registry', stack.schemaRegistryUrl, topic], {
      timeout: 90_000,
      maxBuffer: 64 * 2 ** 20,
    });
    const records = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as PythonRecord);
    // A key's records share a partition, so (partition, offset) then a stable sort by key keeps each key's order.
    return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset).sort((a, b) => (a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0));
  }

  const byKey = <T extends { entity: string }>(values: T[]) => [...values].sort((a, b) => (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0));

  it('kcat and confluent-kafka see exactly the committed records, and Python decodes them to what was written', { timeout: 240_000 }, async () => {
    await client.ensureTopics([
      { topic: t.raw, partitions: 2 },
      { topic: t.valid, partitions: 2 },
      { topic: t.features, partitions: 2 },
      { topic: t.sequences, partitions: 2, config: topicSettings.sequences },
    ]);

    // <p>.valid as a real stage writes it: validate's transactions, from what ingest would put on <p>.raw.
    const measurements = ['meter:M-0001', 'meter:M-0002', 'meter:M-0003'].flatMap((entity) => [0, 1, 2].map((step) => measurement(entity, step)));
    const encodeRaw = await client.avroEncoder('raw', t.raw);
    await client.publish([{ topic: t.raw, records: measurements.map((m) => ({ key: m.entity, value: encodeRaw(m) })) }]);
    validate = startService('validate', {
      GRIDSTREAM_TOPIC_PREFIX: prefix,
      KAFKA_BROKERS: brokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      GRIDSTREAM_PARTITIONS: '2',
      GRIDSTREAM_OPS_PORT: '0',
      LOG_LEVEL: 'warn',
    });
    await waitUntil('validate to pass every measurement on', async () => (await client.readAll(t.valid)).length === measurements.length, 120_000, 500).catch((error: Error) => {
      throw new Error(`${error.message}; validate's output:\n${validate!.output().slice(-4_000)}`);
    });

    // Then one aborted transaction over all three topics, and one committed on features and sequences,
    // so aborted records sit at the end of <p>.valid and between committed ones elsewhere.
    const encode = {
      valid: await client.avroEncoder('valid', t.valid),
      features: await client.avroEncoder('features', t.features),
      sequences: await client.avroEncoder('sequences', t.sequences),
    };
    const aborted = {
      valid: [measurement('meter:M-ABORTED', 0)],
      features: [vector('meter:M-ABORTED', 0), vector('meter:M-ABORTED', 1)],
      sequences: [sequence('meter:M-ABORTED', 4)],
    };
    const committed = {
      valid: measurements,
      features: ['meter:M-0001', 'meter:M-0002', 'meter:M-0003'].flatMap((entity) => [0, 1, 2].map((step) => vector(entity, step))),
      sequences: [sequence('meter:M-0001', 24), sequence('meter:M-0002', 7)],
    };
    const messages = <T extends keyof typeof encode>(topic: T, values: Array<{ entity: string }>): { topic: string; messages: Message[] } => ({
      topic: t[topic],
      messages: values.map((value) => ({ key: value.entity, value: encode[topic](value) })),
    });
    const abortedTxn = await producer.transaction();
    await abortedTxn.sendBatch({ topicMessages: [messages('valid', aborted.valid), messages('features', aborted.features), messages('sequences', aborted.sequences)] });
    await abortedTxn.abort();
    const committedTxn = await producer.transaction();
    await committedTxn.sendBatch({ topicMessages: [messages('features', committed.features), messages('sequences', committed.sequences)] });
    await committedTxn.commit();

    for (const topic of ['valid', 'features', 'sequences'] as const) {
      // Our own read_committed reader fixes which offsets are committed; the others must agree on each one.
      const ours = (await client.readAll(t[topic])).map((r) => `${r.partition} ${r.offset} ${r.key}`).sort();
      expect(ours.map((line) => line.split(' ')[2]).sort(), topic).toEqual(committed[topic].map((v) => v.entity).sort());

      // kcat: the same records; the aborted ones are in the log, seen only when reading uncommitted.
      expect(await kcatRecords(t[topic], 'read_committed'), topic).toEqual(ours);
      const uncommitted = await kcatRecords(t[topic], 'read_uncommitted');
      expect(uncommitted.filter((line) => line.endsWith(' meter:M-ABORTED')), topic).toHaveLength(aborted[topic].length);
      expect(uncommitted.length, topic).toBe(ours.length + aborted[topic].length);

      // Python: the same records, each decoded field by field to the value written.
      const decoded = await pythonRecords(t[topic]);
      expect(decoded.map((r) => `${r.partition} ${r.offset} ${r.key}`).sort(), topic).toEqual(ours);
      const toPython = asPython[topic] as (value: unknown) => unknown;
      expect(
        decoded.map((r) => r.value),
        topic,
      ).toEqual(byKey<{ entity: string }>(committed[topic]).map(toPython));
    }
  });
});
