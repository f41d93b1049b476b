import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FeatureClient } from '@gridstream/feature-client';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, type FeatureVector, type Sequence } from '@gridstream/schemas';
import { freePort, runStack, startService, uniqueName, waitUntil, type ServiceProcess } from '@gridstream/test-kit';

const stack = inject('stack');
const hour = 3_600_000;
const t0 = Date.UTC(2026, 0, 1);

function vector(entity: string, h: number, value: number, ingestedAt: number | null = null): FeatureVector {
  return { entity, ts: t0 + h * hour, featureSet: { name: 'eia', version: 2 }, names: ['value', 'lag_1'], values: [value, h === 0 ? Number.NaN : value - 1], imputed: h % 5 === 0, ingestedAt };
}

/** One sample's value from a /metrics text, e.g. `gridstream_sink_write_failing{stage="redis-sink"}`. */
function sample(metricsText: string, series: string): number | undefined {
  const line = metricsText.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function sequence(entity: string, endHour: number, revision: number): Sequence {
  const values = Buffer.alloc(2 * 2 * 4);
  values.writeFloatLE(endHour + revision, 0);
  return { entity, featureSet: { name: 'eia', version: 2 }, start: t0 + (endHour - 2) * hour, end: t0 + endHour * hour, stepMs: hour, seqLen: 2, names: ['value', 'lag_1'], values, mask: Buffer.from([0, revision]), revision };
}

describe('the Redis sink', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const prefix = uniqueName('redis-sink');
  const t = topicNames(prefix);
  const redis = new Redis(stack.redisUrl, { lazyConnect: true });
  redis.on('error', () => undefined); // while Redis is down on purpose
  let sink: ServiceProcess;
  let opsPort: number;
  const metricsText = async () => (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  let encodeFeature: (value: unknown) => Buffer;
  let encodeSequence: (value: unknown) => Buffer;

  const publish = (features: FeatureVector[], sequences: Sequence[] = []) =>
    client.publish([
      { topic: t.features, records: features.map((v) => ({ key: v.entity, value: encodeFeature(v) })) },
      { topic: t.sequences, records: sequences.map((s) => ({ key: s.entity, value: encodeSequence(s) })) },
    ]);
  const caughtUp = () =>
    waitUntil('the sink to catch up', async () => (await client.groupLag(t.group('redis-sink'), t.features)) + (await client.groupLag(t.group('redis-sink'), t.sequences)) === 0, 60_000, 250);
  /** Every key of this prefix with its content, to compare states. */
  const snapshot = async () => {
    const keys = (await redis.keys(`${prefix}:*`)).sort();
    return Promise.all(keys.map(async (key) => [key, (await redis.type(key)) === 'hash' ? await redis.hgetallBuffer(key) : await redis.zrange(key, 0, -1, 'WITHSCORES')]));
  };

  beforeAll(async () => {
    await client.connect();
    await redis.connect();
    await client.ensureTopics([
      { topic: t.features, partitions: 2 },
      { topic: t.sequences, partitions: 2 },
    ]);
    encodeFeature = await client.avroEncoder('features', t.features);
    encodeSequence = await client.avroEncoder('sequences', t.sequences);
    opsPort = await freePort();
    sink = startService('redis-sink', {
      GRIDSTREAM_TOPIC_PREFIX: prefix,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      GRIDSTREAM_PARTITIONS: '2',
      GRIDSTREAM_OPS_PORT: String(opsPort),
      GRIDSTREAM_RETRY_MAX_MS: '1000',
      REDIS_URL: stack.redisUrl,
      REDIS_HISTORY_RETENTION_MS: String(24 * hour),
      LOG_LEVEL: 'warn',
    });
  });
  afterAll(async () => {
    sink?.child.kill('SIGKILL');
    redis.disconnect();
    await client.close();
  });

  it('keeps the newest vector, a history trimmed by event time and the newest sequence revision, whatever the order', { timeout: 90_000 }, async () => {
    // An older vector and an older sequence arrive after newer ones, as in a replay.
    await publish(
      [...[0, 1, 2, 30].map((h) => vector('eia:A', h, h)), vector('eia:A', 29, 29), vector('eia:B', 3, 7), vector('eia:C', 0, 4)],
      [sequence('eia:A', 4, 0), sequence('eia:A', 4, 1), sequence('eia:A', 2, 0)],
    );
    await caughtUp();
    expect(await redis.hgetall(`${prefix}:latest:eia:A`)).toEqual({ ts: String(t0 + 30 * hour), featureSet: 'eia:2', names: '["value","lag_1"]', values: '[30,29]', imputed: '1' });
    // 0, 1 and 2 h are more than 24 h behind the newest (30 h): trimmed.
    expect(await redis.zrange(`${prefix}:history:eia:A`, 0, -1)).toEqual([`${t0 + 29 * hour}:0:[29,28]`, `${t0 + 30 * hour}:1:[30,29]`]);
    expect(await redis.pttl(`${prefix}:latest:eia:A`)).toBeGreaterThan(6 * 86_400_000);
    const stored = await redis.hgetallBuffer(`${prefix}:sequence:eia:A:eia`);
    expect([stored.end!.toString(), stored.revision!.toString(), [...stored.mask!]]).toEqual([String(t0 + 4 * hour), '1', [0, 1]]);
    expect(stored.values!.readFloatLE(0)).toBe(5);
    expect(await redis.hget(`${prefix}:latest:eia:B`, 'values')).toBe('[7,6]');
  });

  it('is read back by the feature client as typed arrays, NaN and mask included', { timeout: 30_000 }, async () => {
    const features = new FeatureClient(redis, prefix);
    expect(await features.getLatest('eia:A')).toEqual({ entity: 'eia:A', ts: t0 + 30 * hour, featureSet: { name: 'eia', version: 2 }, names: ['value', 'lag_1'], values: Float64Array.from([30, 29]), imputed: true });
    expect((await features.getLatest('eia:C'))!.values).toEqual(Float64Array.from([4, Number.NaN]));
    expect(await features.getLatest('eia:none')).toBeNull();
    expect(await features.getRange('eia:A', t0, t0 + 30 * hour)).toEqual({ names: ['value', 'lag_1'], ts: Float64Array.from([t0 + 29 * hour]), values: Float64Array.from([29, 28]), imputed: Uint8Array.from([0]) });
    // EIA is hourly: three steps ending at the newest vector; 28 h has none.
    expect(await features.getContext('eia:A', 3)).toEqual({ names: ['value', 'lag_1'], start: t0 + 28 * hour, stepMs: hour, steps: 3, values: Float64Array.from([Number.NaN, Number.NaN, 29, 28, 30, 29]), mask: Uint8Array.from([2, 0, 1]) });
    const latestSequence = await features.getSequence('eia:A', 'eia');
    expect(latestSequence).toMatchObject({ featureSet: { name: 'eia', version: 2 }, end: t0 + 4 * hour, revision: 1, seqLen: 2, names: ['value', 'lag_1'], mask: Uint8Array.from([0, 1]) });
    expect(latestSequence!.values[0]).toBe(5);
  });

  it('changes nothing when the same records come again', { timeout: 90_000 }, async () => {
    const before = await snapshot();
    await publish([...[0, 1, 2, 30, 29].map((h) => vector('eia:A', h, h)), vector('eia:B', 3, 7)], [sequence('eia:A', 4, 1), sequence('eia:A', 2, 0)]);
    await caughtUp();
    expect(await snapshot()).toEqual(before);
  });

  it('loses nothing across a Redis restart: writes wait and are retried, and the metrics say so', { timeout: 120_000 }, async () => {
    const failing = `gridstream_sink_write_failing{stage="redis-sink"}`;
    const endToEnd = `gridstream_end_to_end_latency_seconds_count{stage="redis-sink"}`;
    const before = await metricsText();
    expect(sample(before, failing)).toBe(0);
    runStack('down', 'redis');
    await publish([31, 32, 33].map((h) => vector('eia:A', h, h, Date.now())));
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // the sink retries meanwhile
    expect(await client.groupLag(t.group('redis-sink'), t.features)).toBeGreaterThan(0);
    expect(sample(await metricsText(), failing)).toBe(1);
    runStack('up', 'redis');
    redis.disconnect();
    await redis.connect();
    await caughtUp();
    expect(await redis.hget(`${prefix}:latest:eia:A`, 'ts')).toBe(String(t0 + 33 * hour));
    expect(await redis.zcard(`${prefix}:history:eia:A`)).toBe(5);
    const after = await metricsText();
    expect(sample(after, failing)).toBe(0);
    // Only these three carry ingestedAt; each was measured once, after Redis acknowledged it.
    expect(sample(after, endToEnd)! - (sample(before, endToEnd) ?? 0)).toBe(3);
  });
});
