import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TopicClient, type TopicRecord } from '@gridstream/runtime';
import { topicNames, type Measurement } from '@gridstream/schemas';
import { startService, uniqueName, waitUntil, type ServiceProcess } from '@gridstream/test-kit';

const stack = inject('stack');
const RECORDS = 30_000;
const PARTITIONS = 3;

/** Meter readings, every 50th with a negative load (dead-lettered), from 60 meters. */
function measurements(): Measurement[] {
  return Array.from({ length: RECORDS }, (_, i) => {
    const meter = `meter:M-${String(i % 60).padStart(4, '0')}`;
    return {
      source: 'meter',
      entity: meter,
      ts: Date.UTC(2026, 0, 1) + Math.floor(i / 60) * 900_000,
      values: { load: i % 50 === 0 ? -1 : (i % 997) / 100 },
      units: { load: 'kW' },
      tags: { tz: 'Europe/Berlin' },
      eventId: `e-${i}`,
      ingestedAt: Date.UTC(2026, 0, 1),
      batch: null,
    };
  });
}

/** A topic's records as comparable text: per partition in offset order, values decoded, DLQ headers without times. */
async function contents(client: TopicClient, topic: string, decode: boolean): Promise<string[][]> {
  const byPartition: string[][] = Array.from({ length: PARTITIONS }, () => []);
  const records = await client.readAll(topic);
  records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  for (const record of records) byPartition[record.partition]!.push(await describeRecord(client, record, decode));
  return byPartition;
}

async function describeRecord(client: TopicClient, record: TopicRecord, decode: boolean): Promise<string> {
  const value = decode ? JSON.stringify(await client.decodeAvro('valid', record.value!)) : record.value!.toString('hex');
  const { 'gridstream.failure.first.ms': _first, 'gridstream.failure.last.ms': _last, '__connect.errors.topic': _topic, ...headers } = record.headers;
  return `${record.key} ${value} ${JSON.stringify(headers)}`;
}

describe('validate under kill -9', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const services: ServiceProcess[] = [];

  const run = (prefix: string) => {
    const service = startService('validate', {
      GRIDSTREAM_TOPIC_PREFIX: prefix,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      GRIDSTREAM_PARTITIONS: String(PARTITIONS),
      GRIDSTREAM_OPS_PORT: '0',
      // Data from 2026-01-01 must not count as future however the clock stands.
      VALIDATE_MAX_FUTURE_SKEW_MS: '0',
      // A killed instance stays in the group until its session times out; the broker's minimum keeps restarts quick.
      GRIDSTREAM_SESSION_TIMEOUT_MS: '6000',
      // About 200 records per transaction, so a kill lands amid many of them.
      GRIDSTREAM_MAX_BATCH_BYTES: '32768',
      LOG_LEVEL: 'warn',
    });
    services.push(service);
    return service;
  };
  const publishInput = async (prefix: string) => {
    const t = topicNames(prefix);
    await client.ensureTopics([{ topic: t.raw, partitions: PARTITIONS }]);
    const encode = await client.avroEncoder('raw', t.raw);
    const records = measurements().map((m) => ({ key: m.entity, value: encode(m) }));
    for (let i = 0; i < records.length; i += 5_000) await client.publish([{ topic: t.raw, records: records.slice(i, i + 5_000) }]);
  };
  const lag = (prefix: string) => client.groupLag(topicNames(prefix).group('validate'), topicNames(prefix).raw);

  beforeAll(() => client.connect());
  afterAll(async () => {
    for (const service of services) service.child.kill('SIGKILL');
    await client.close();
  });

  it('writes the same <p>.valid and DLQ as an uninterrupted run when killed twice mid-run', { timeout: 300_000 }, async () => {
    const golden = uniqueName('validate-golden');
    const faulty = uniqueName('validate-kill');
    await publishInput(golden);
    await publishInput(faulty);

    const goldenRun = run(golden);
    await waitUntil('the golden run to finish', async () => (await lag(golden)) === 0, 90_000, 250);
    goldenRun.child.kill('SIGTERM');
    expect(await goldenRun.exited).toBe(0);

    // Killed as soon as it has committed something, so the kill lands amid transactions.
    let kills = 0;
    for (const _ of [1, 2]) {
      const lagBefore = await lag(faulty);
      const victim = run(faulty);
      await waitUntil('validate to commit a batch', async () => (await lag(faulty)) < lagBefore, 90_000, 20);
      victim.child.kill('SIGKILL');
      expect(await victim.exited).toBe('SIGKILL');
      expect(await lag(faulty), 'killed before the end of the input').toBeGreaterThan(0);
      kills += 1;
    }
    const survivor = run(faulty);
    await waitUntil('the restarted run to finish', async () => (await lag(faulty)) === 0, 90_000, 250);
    survivor.child.kill('SIGTERM');
    expect(await survivor.exited).toBe(0);
    expect(kills).toBe(2);

    const [expectedValid, actualValid] = await Promise.all([contents(client, topicNames(golden).valid, true), contents(client, topicNames(faulty).valid, true)]);
    expect(expectedValid.flat()).toHaveLength(RECORDS - RECORDS / 50);
    expect(actualValid).toEqual(expectedValid);
    const [expectedDlq, actualDlq] = await Promise.all([contents(client, topicNames(golden).dlq, false), contents(client, topicNames(faulty).dlq, false)]);
    expect(expectedDlq.flat()).toHaveLength(RECORDS / 50);
    expect(actualDlq).toEqual(expectedDlq);
  });
});
