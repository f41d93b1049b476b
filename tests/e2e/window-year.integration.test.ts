import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, type FeatureVector, type Sequence } from '@gridstream/schemas';
import { windowReference } from '@gridstream/window/reference';
import { startService, uniqueName, waitUntil, type ServiceProcess } from '@gridstream/test-kit';

const stack = inject('stack');

describe('window with 8760-step sequences', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const prefix = uniqueName('window-year');
  const t = topicNames(prefix);
  let window: ServiceProcess;

  beforeAll(() => client.connect());
  afterAll(async () => {
    window?.child.kill('SIGKILL');
    await client.close();
  });

  it('gives out sequences of several MiB, equal to the batch reference', { timeout: 180_000 }, async () => {
    // 8760 steps of a TEP unit (every 3 minutes) with 58 features: one sequence is 8760 × 58 float32, 2 MiB.
    const names = Array.from({ length: 58 }, (_, i) => `f${i}`);
    const stepMs = 180_000;
    const start = Date.UTC(2026, 0, 1);
    const vectors: FeatureVector[] = Array.from({ length: 8760 + 480 }, (_, step) => ({
      entity: 'tep:unit-1',
      ts: start + step * stepMs,
      featureSet: { name: 'tep', version: 2 },
      names,
      values: names.map((_, i) => (step % 3 === 1 && i === 5 ? Number.NaN : Math.cos(step / 100 + i))),
      imputed: step % 97 === 0,
      ingestedAt: null,
    })).filter((_, step) => step % 1000 !== 999); // some missing steps
    await client.ensureTopics([{ topic: t.features, partitions: 1 }]);
    const encode = await client.avroEncoder('features', t.features);
    await client.publish([{ topic: t.features, records: vectors.map((v) => ({ key: v.entity, value: encode(v) })) }]);

    window = startService('window', {
      GRIDSTREAM_TOPIC_PREFIX: prefix,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      GRIDSTREAM_PARTITIONS: '1',
      GRIDSTREAM_OPS_PORT: '0',
      WINDOW_SEQ_LEN: '8760',
      WINDOW_STRIDE: '240',
      LOG_LEVEL: 'warn',
    });
    const expected = windowReference(vectors, { seqLen: 8760, stride: 240, graceMs: 3_600_000 });
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(expected[0]!.values.length).toBe(8760 * 58 * 4);
    await waitUntil('window to give out every sequence', async () => (await client.readAll(t.sequences)).length >= expected.length, 120_000, 1_000);
    const given = await Promise.all((await client.readAll(t.sequences)).map(async (r) => (await client.decodeAvro('sequences', r.value!)) as Sequence));
    expect(given.sort((a, b) => a.end - b.end)).toEqual(expected);
  });
});
