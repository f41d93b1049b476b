import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, type Measurement } from '@gridstream/schemas';
import { startScript, startService, uniqueName, waitUntil, type ServiceProcess } from '@gridstream/test-kit';

const stack = inject('stack');

describe('gridstream dlq', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const prefix = uniqueName('dlq-cli');
  const t = topicNames(prefix);
  const env = {
    GRIDSTREAM_TOPIC_PREFIX: prefix,
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    GRIDSTREAM_PARTITIONS: '1',
    GRIDSTREAM_OPS_PORT: '0',
    LOG_LEVEL: 'warn',
  };
  let validate: ServiceProcess;
  const cli = async (...args: string[]) => {
    const run = startScript('packages/cli/src/main.ts', ['dlq', ...args], env);
    expect(await run.exited, run.output()).toBe(0);
    return run.output();
  };
  const deadLetters = async () => (await client.readAll(t.dlq)).sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));

  beforeAll(async () => {
    await client.connect();
    await client.ensureTopics([{ topic: t.raw, partitions: 1 }]);
    const encode = await client.avroEncoder('raw', t.raw);
    const measurement = (ts: number, load: number): Measurement => ({
      source: 'meter',
      entity: 'meter:M-1',
      ts,
      values: { load },
      units: { load: 'kW' },
      tags: { tz: 'UTC' },
      eventId: `e-${ts}`,
      ingestedAt: ts,
      batch: null,
    });
    const t0 = Date.UTC(2026, 0, 1);
    await client.publish([
      {
        topic: t.raw,
        records: [
          { key: 'meter:M-1', value: encode(measurement(t0, 1.5)) },
          { key: 'meter:M-1', value: encode(measurement(t0 + 900_000, -5)), headers: { trace: 'abc' } },
          { key: 'meter:M-1', value: Buffer.from([0, 0, 0, 0, 1, 0xff]) },
        ],
      },
    ]);
    validate = startService('validate', env);
    await waitUntil('validate to dead-letter two records', async () => (await deadLetters()).length === 2, 60_000, 250);
  });
  afterAll(async () => {
    validate?.child.kill('SIGKILL');
    await client.close();
  });

  it('lists dead letters by stage and reason, and shows one with its headers and decoded payload', { timeout: 60_000 }, async () => {
    const list = await cli('list', '--records');
    expect(list).toContain('2 dead letters');
    expect(list).toMatch(/validate\s+out_of_range\s+1\s+0/);
    expect(list).toMatch(/validate\s+undecodable\s+1\s+0/);
    expect(list).toContain(`from ${t.raw}/0/1`);

    const [outOfRange] = (await deadLetters()).filter((d) => d.headers['gridstream.reason'] === 'out_of_range');
    const shown = await cli('show', `${outOfRange!.partition}:${outOfRange!.offset}`);
    expect(shown).toContain('gridstream.reason: out_of_range');
    expect(shown).toContain('gridstream.field.path: values.load');
    expect(shown).toMatch(/gridstream\.failure\.first\.ms: \d+ \(20\d\d-/);
    expect(shown).toContain('"load": -5');
  });

  it('redrives to the original topic only without --dry-run, and a record failing again says where it was redriven from', { timeout: 60_000 }, async () => {
    const rawBefore = (await client.readAll(t.raw)).length;
    expect(await cli('redrive', '--reason', 'out_of_range', '--dry-run')).toContain(`would redrive 1 to ${t.raw}`);
    expect((await client.readAll(t.raw)).length).toBe(rawBefore);

    expect(await cli('redrive', '--reason', 'out_of_range')).toContain('redrove 1');
    const raw = await client.readAll(t.raw);
    expect(raw.length).toBe(rawBefore + 1);
    expect(raw.at(-1)!.headers).toEqual({ trace: 'abc', 'gridstream.redriven.from': `${t.dlq}/0/0` });

    // Validate rejects it again: the new dead letter keeps the redrive header.
    await waitUntil('the redriven record to fail again', async () => (await deadLetters()).length === 3, 60_000, 250);
    expect((await cli('list'))).toMatch(/validate\s+out_of_range\s+2\s+1/);
  });
});
