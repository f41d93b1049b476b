import { inject, describe, expect, it } from 'vitest';
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { pruneScratch, uniqueName } from '@gridstream/test-kit';

const stack = inject('stack');

describe('pruneScratch', () => {
  it('deletes the topics, Redis keys and InfluxDB pipeline of an earlier run, and nothing else', async () => {
    // A narrow prefix, so this test deletes only what it made, never what other tests of this run made.
    const run = uniqueName('prune');
    const [gone, kept] = [`${run}-old`, `${run.replace('scratch-', 'kept-')}-own`];
    const admin = new Kafka({ clientId: 'prune-test', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    const redis = new Redis(stack.redisUrl, { lazyConnect: true });
    const influx = new InfluxDB({ url: stack.influx.url, token: stack.influx.token });
    await admin.connect();
    await redis.connect();
    try {
      await admin.createTopics({ topics: [`${gone}.valid`, `${gone}.clean`, `${kept}.valid`].map((topic) => ({ topic })), waitForLeaders: true });
      await redis.hset(`${gone}:latest:meter:M-1`, { kw: '1' });
      await redis.hset(`${kept}:latest:meter:M-1`, { kw: '1' });
      const writer = influx.getWriteApi(stack.influx.org, stack.influx.bucket, 'ms');
      for (const pipeline of [gone, kept]) writer.writePoint(new Point('clean').tag('pipeline', pipeline).floatField('kw', 1).timestamp(new Date('2026-01-01T00:00:00Z')));
      await writer.close();

      expect(await pruneScratch(stack, run)).toEqual({ topics: 2, redisKeys: 1, influxPipelines: 1 });

      expect((await admin.listTopics()).filter((topic) => topic.startsWith(gone) || topic.startsWith(kept))).toEqual([`${kept}.valid`]);
      expect([await redis.exists(`${gone}:latest:meter:M-1`), await redis.exists(`${kept}:latest:meter:M-1`)]).toEqual([0, 1]);
      const pipelines = await influx
        .getQueryApi(stack.influx.org)
        .collectRows<{ pipeline: string }>(
          `from(bucket: "${stack.influx.bucket}") |> range(start: 2025-12-31T00:00:00Z, stop: 2026-01-02T00:00:00Z) |> filter(fn: (r) => r.pipeline == "${gone}" or r.pipeline == "${kept}")`,
        );
      expect(pipelines.map((row) => row.pipeline)).toEqual([kept]);
    } finally {
      await pruneScratch(stack, kept);
      await admin.disconnect();
      redis.disconnect();
    }
  });
});
