import { inject, describe, expect, it } from 'vitest';
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { createInfluxBucket, influxApi, pruneScratch, uniqueName } from '@gridstream/test-kit';

const stack = inject('stack');


describe('pruneScratch', () => {
  it("deletes an earlier run's topics, Redis keys, InfluxDB pipeline and bucket once they are old enough, and nothing else", async () => {
    // Narrow prefixes, so this test deletes only what it made, never what other tests of this run made.
    const [gone, kept] = [uniqueName('prune-gone'), uniqueName('prune-kept')];
    const admin = new Kafka({ clientId: 'prune-test', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    const redis = new Redis(stack.redisUrl, { lazyConnect: true });
    const influx = new InfluxDB({ url: stack.influx.url, token: stack.influx.token });
    await admin.connect();
    await redis.connect();
    try {
      await admin.createTopics({ topics: [`${gone}.valid`, `${gone}.clean`, `${kept}.valid`].map((topic) => ({ topic })), waitForLeaders: true });
      for (const prefix of [gone, kept]) await redis.hset(`${prefix}:latest:meter:M-1`, { kw: '1' });
      const writer = influx.getWriteApi(stack.influx.org, stack.influx.bucket, 'ms');
      for (const pipeline of [gone, kept]) writer.writePoint(new Point('clean').tag('pipeline', pipeline).floatField('kw', 1).timestamp(new Date('2026-01-01T00:00:00Z')));
      await writer.close();
      for (const name of [gone, kept]) await createInfluxBucket(stack, name);

      // Made a moment ago: a run still going on might be using them.
      expect(await pruneScratch(stack, { prefix: gone, minAgeMs: 60_000 })).toEqual({ topics: 0, redisKeys: 0, influxPipelines: 0, influxBuckets: 0 });
      // Made under another base (the benches clean up theirs by base).
      expect(await pruneScratch(stack, { prefix: gone, minAgeMs: 0, base: 'prune-kept' })).toEqual({ topics: 0, redisKeys: 0, influxPipelines: 0, influxBuckets: 0 });
      expect(await pruneScratch(stack, { prefix: gone, minAgeMs: 0, base: 'prune-gone' })).toEqual({ topics: 2, redisKeys: 1, influxPipelines: 1, influxBuckets: 1 });

      expect((await admin.listTopics()).filter((topic) => topic.startsWith(gone) || topic.startsWith(kept))).toEqual([`${kept}.valid`]);
      expect([await redis.exists(`${gone}:latest:meter:M-1`), await redis.exists(`${kept}:latest:meter:M-1`)]).toEqual([0, 1]);
      const pipelines = await influx
        .getQueryApi(stack.influx.org)
        .collectRows<{ pipeline: string }>(
          `from(bucket: "${stack.influx.bucket}") |> range(start: 2025-12-31T00:00:00Z, stop: 2026-01-02T00:00:00Z) |> filter(fn: (r) => r.pipeline == "${gone}" or r.pipeline == "${kept}")`,
        );
      expect(pipelines.map((row) => row.pipeline)).toEqual([kept]);
      const buckets = (await (await influxApi(stack, `buckets?${new URLSearchParams({ org: stack.influx.org, limit: '100' })}`)).json()) as { buckets: Array<{ name: string }> };
      expect(buckets.buckets.map((b) => b.name).filter((name) => name === gone || name === kept)).toEqual([kept]);
    } finally {
      await pruneScratch(stack, { prefix: kept, minAgeMs: 0 });
      await admin.disconnect();
      redis.disconnect();
    }
  });
});
