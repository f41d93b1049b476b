import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { RegistrySerde, TopicClient } from '@gridstream/runtime';
import { loadHistory, loadSchemas, topicNames, type AvroSchema, type Measurement } from '@gridstream/schemas';
import { serverEnv, startService, uniqueName, waitUntil, type ServiceProcess } from '@gridstream/test-kit';
import { fullTransitiveProblems } from '../../packages/schemas/fixtures/compatibility.js';

const stack = inject('stack');
const PARTITIONS = 3;
const current = loadSchemas().get('Measurement')!;
/** The version a new producer brings mid-run: one optional field with a default. A fixture, not a release. */
const next: AvroSchema = { ...current, fields: [...current.fields, { name: 'quality_flag', type: ['null', 'string'], default: null }] };
type NextMeasurement = Measurement & { quality_flag: string | null };

/** Meter readings as ingest writes them, every 5th with its batch, from 12 meters. */
function measurement(i: number): Measurement {
  const ingestedAt = Date.UTC(2025, 0, 2);
  return {
    source: 'meter',
    entity: `meter:M-${String(i % 12).padStart(4, '0')}`,
    ts: Date.UTC(2025, 0, 1) + Math.floor(i / 12) * 900_000,
    values: { load: (i % 97) / 10 },
    units: { load: 'kW' },
    tags: { tz: 'Europe/Berlin' },
    eventId: `e-${i}`,
    ingestedAt,
    batch: i % 5 === 0 ? { batchId: `b-${i}`, source: 'http', ingestedAt, recordCount: 5, checksum: 'ab12' } : null,
  };
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
const byEventId = (a: Measurement, b: Measurement) => Number(a.eventId.slice(2)) - Number(b.eventId.slice(2));

describe('schema evolution mid-run', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const registry = new SchemaRegistry({ host: stack.schemaRegistryUrl });
  const t = topicNames(uniqueName('schema-evolution'));
  const subject = t.subject(t.raw);
  let validate: ServiceProcess | undefined;

  const versions = async () => (await (await fetch(`${stack.schemaRegistryUrl}/subjects/${subject}/versions`)).json()) as number[];
  const decodedAll = async <T extends Measurement>(topic: string, decode: (bytes: Buffer) => Promise<T>) =>
    (await Promise.all((await client.readAll(topic)).map((r) => decode(r.value!)))).sort(byEventId);

  beforeAll(() => client.connect());
  afterAll(async () => {
    validate?.child.kill('SIGKILL');
    await client.close();
  });

  it('keeps validate running while a producer switches to a newer compatible schema; old and new readers read every record', async () => {
    await client.ensureTopics([{ topic: t.raw, partitions: PARTITIONS }]);
    const encodeOld = await client.avroEncoder('raw', t.raw);
    const toRaw = (m: Measurement, encode: (value: unknown) => Buffer) => ({ key: m.entity, value: encode(m) });
    await client.publish([{ topic: t.raw, records: range(0, 300).map((i) => toRaw(measurement(i), encodeOld)) }]);

    const service = (validate = startService('validate', { ...serverEnv(stack), GRIDSTREAM_TOPIC_PREFIX: t.prefix, GRIDSTREAM_PARTITIONS: String(PARTITIONS), GRIDSTREAM_OPS_PORT: '0', LOG_LEVEL: 'warn' }));
    const caughtUp = (what: string) =>
      waitUntil(what, async () => (await client.groupLag(t.group('validate'), t.raw)) === 0, 40_000, 200).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${service.output().slice(-3_000)}`, { cause: error });
      });
    await caughtUp('validate to pass the old records');

    // Mid-run, a new producer registers the next version and interleaves its records with the old producer's.
    expect(fullTransitiveProblems(next, loadHistory('Measurement'))).toEqual([]);
    const newProducer = new RegistrySerde(registry);
    const newId = await newProducer.register(subject, next);
    const oldId = encodeOld(measurement(0)).readInt32BE(1);
    expect(newId).not.toBe(oldId);
    expect(await versions()).toEqual([1, 2]);
    const flagged = (i: number): NextMeasurement => ({ ...measurement(i), quality_flag: i % 4 === 1 ? 'estimated' : null });
    const fromNew = (i: number) => i >= 300 && i % 2 === 1;
    await client.publish([
      { topic: t.raw, records: range(300, 900).map((i) => (fromNew(i) ? toRaw(flagged(i), (v) => newProducer.encode(newId, v)) : toRaw(measurement(i), encodeOld))) },
    ]);
    await caughtUp('validate to pass the interleaved records');

    // The same process, never restarted, and nothing dead-lettered.
    expect([service.child.exitCode, service.child.signalCode]).toEqual([null, null]);
    expect(await client.readAll(t.dlq)).toEqual([]);
    expect(new Set((await client.readAll(t.raw)).map((r) => r.value!.readInt32BE(1)))).toEqual(new Set([oldId, newId]));

    // Readers resolve each record's writer schema by its id: the old one skips the new field, the new one defaults it.
    // The registry client shares the runtime's avsc, so the types it returns serve as readers. One
    // serde holds both versions of the record: its decoders are kept per reader type.
    type Reader = Parameters<RegistrySerde['decode']>[1];
    const [oldReader, newReader] = (await Promise.all([registry.getSchema(oldId), registry.getSchema(newId)])) as unknown as [Reader, Reader];
    const oldConsumer = async (bytes: Buffer) => (await newProducer.decode(bytes, oldReader)).value as Measurement;
    const newConsumer = async (bytes: Buffer) => (await newProducer.decode(bytes, newReader)).value as NextMeasurement;

    const all = range(0, 900).map(measurement);
    expect(await decodedAll(t.raw, oldConsumer)).toEqual(all);
    expect(await decodedAll(t.raw, newConsumer)).toEqual(range(0, 900).map((i) => (fromNew(i) ? flagged(i) : { ...measurement(i), quality_flag: null })));
    expect(await decodedAll(t.valid, oldConsumer)).toEqual(all);
    // Validate still runs the current schema, so it writes every record with it: the new field reads as its default.
    expect(await decodedAll(t.valid, newConsumer)).toEqual(all.map((m) => ({ ...m, quality_flag: null })));
  });

  it.each([
    ['removing the required eventId', { ...current, fields: current.fields.filter((f) => f.name !== 'eventId') }, ['new data with v1']],
    ['retyping ts as a string', { ...current, fields: current.fields.map((f) => (f.name === 'ts' ? { ...f, type: 'string' } : f)) }, ['v1 data with the new schema', 'new data with v1']],
  ])('rejects %s in the registry (409, nothing registered) and in the CI check', async (_change, schema, directions) => {
    await client.avroEncoder('raw', t.raw); // the subject exists, with its FULL_TRANSITIVE rule, also when this test runs alone
    const before = await versions();
    const response = await fetch(`${stack.schemaRegistryUrl}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(schema) }),
    });
    expect(response.status).toBe(409);
    expect(await versions()).toEqual(before);
    expect(fullTransitiveProblems(schema, loadHistory('Measurement')).map((p) => p.split(':')[0])).toEqual(directions);
  });
});
