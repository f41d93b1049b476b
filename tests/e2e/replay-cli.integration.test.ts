import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, type FeatureVector } from '@gridstream/schemas';
import { freePort, serverEnv, startScript, startService, uniqueName, waitForReady, waitUntil, type ServiceProcess } from '@gridstream/test-kit';

const stack = inject('stack');
const hour = 3_600_000;
const t0 = Date.UTC(2026, 0, 1);

describe('gridstream replay', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const prefix = uniqueName('replay-cli');
  const t = topicNames(prefix);
  const redis = new Redis(stack.redisUrl, { lazyConnect: true });
  const env = {
    ...serverEnv(stack),
    GRIDSTREAM_TOPIC_PREFIX: prefix,
    GRIDSTREAM_PARTITIONS: '2',
    REDIS_HISTORY_RETENTION_MS: String(30 * 24 * hour),
    LOG_LEVEL: 'warn',
  };
  const sinks: ServiceProcess[] = [];
  const runReplayDay2 = async (...options: string[]) => {
    const cli = startScript('packages/cli/src/main.ts', ['replay', '--topic', 'features', '--from', '2026-01-02T00:00:00Z', '--to', '2026-01-03T00:00:00Z', ...options], env);
    expect(await cli.exited, cli.output()).toBe(0);
    return cli;
  };
  const replayDay2 = async () => {
    const cli = await runReplayDay2();
    const hashes = [...cli.output().matchAll(/state (?:before|after): +(\w+)/g)].map((m) => m[1]!);
    expect(hashes, cli.output()).toHaveLength(2);
    return { before: hashes[0]!, after: hashes[1]!, output: cli.output() };
  };

  beforeAll(async () => {
    await client.connect();
    await redis.connect();
    for (const stage of ['redis-sink', 'influx-sink'] as const) {
      const opsPort = await freePort();
      const sink = startService(stage, { ...env, GRIDSTREAM_OPS_PORT: String(opsPort) });
      sinks.push(sink);
      await waitForReady(sink, opsPort);
    }
    const encode = await client.avroEncoder('features', t.features);
    const vectors: FeatureVector[] = ['eia:A', 'eia:B'].flatMap((entity, e) =>
      Array.from({ length: 72 }, (_, h) => ({ entity, ts: t0 + h * hour, featureSet: { name: 'eia', version: 2 }, names: ['value'], values: [e * 100 + h], imputed: false, ingestedAt: null })),
    );
    await client.publish([{ topic: t.features, records: vectors.map((v) => ({ key: v.entity, value: encode(v) })) }]);
    await waitUntil('both sinks to catch up', async () => (await client.groupLag(t.group('redis-sink'), t.features)) + (await client.groupLag(t.group('influx-sink'), t.features)) === 0, 60_000, 250);
  });
  afterAll(async () => {
    for (const sink of sinks) sink.child.kill('SIGKILL');
    redis.disconnect();
    await client.close();
  });

  it('replays a day without changing the state, and restores what was lost', { timeout: 120_000 }, async () => {
    const first = await replayDay2();
    expect(first.output).toContain('replayed 48 of 144 records read');
    expect(first.after).toBe(first.before);

    // Lose entity A's history of day 2 in Redis; a replay of day 2 brings it back.
    await redis.zremrangebyscore(`${prefix}:history:eia:A`, t0 + 24 * hour, t0 + 48 * hour - 1);
    const second = await replayDay2();
    expect(second.before).not.toBe(first.before);
    expect(second.after).toBe(first.before);
    expect(await redis.zcount(`${prefix}:history:eia:A`, t0 + 24 * hour, t0 + 48 * hour - 1)).toBe(24);
  });

  it('with --no-check, replays without reading the state back', { timeout: 60_000 }, async () => {
    await redis.zremrangebyscore(`${prefix}:history:eia:B`, t0 + 24 * hour, t0 + 48 * hour - 1);
    const output = (await runReplayDay2('--no-check')).output();
    expect(output).toMatch(/replayed 48 of 144 records read into Redis and InfluxDB in [\d.]+ s/);
    expect(output).not.toContain('state before');
    expect(await redis.zcount(`${prefix}:history:eia:B`, t0 + 24 * hour, t0 + 48 * hour - 1)).toBe(24);
  });
});
