import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { fluxCsv, influxApi } from './influx-api.js';
import type { StackEnv } from './stack-env.js';
import { SCRATCH_PREFIX, scratchMadeAt } from './unique-name.js';

/** What `pruneScratch` deleted. */
export interface PrunedScratch {
  topics: number;
  redisKeys: number;
  influxPipelines: number;
  /** Buckets of their own, as the replay bench makes. */
  influxBuckets: number;
}

/** Which scratch names `pruneScratch` deletes. */
export interface PruneOptions {
  /** Only names starting with this (default: all that `uniqueName` made). */
  prefix?: string;
  /** Only names made at least this long ago (default 2 hours): a test run going on beside this one keeps its own. */
  minAgeMs?: number;
  /** Only names whose `uniqueName` base starts with this, e.g. `bench-`. */
  base?: string;
}

/**
 * Deletes what earlier test and bench runs left on the shared local stack: every topic, Redis key
 * and InfluxDB pipeline whose name `uniqueName` made. Without it the broker's partitions and
 * Redis's memory grow with every run until start-up and metadata calls slow down, and Redis no
 * longer fits its `maxmemory`. Anything else (a demo's prefix, your own data) is left alone.
 */
export async function pruneScratch(stack: StackEnv, { prefix = SCRATCH_PREFIX, minAgeMs = 2 * 3_600_000, base = '' }: PruneOptions = {}): Promise<PrunedScratch> {
  const madeBefore = Date.now() - minAgeMs;
  const stale = (name: string) =>
    name.startsWith(prefix) && (scratchMadeAt(name) ?? Infinity) <= madeBefore && name.replace(/^scratch-[0-9a-z]+-/, '').startsWith(base);
  const [topics, redisKeys, influxPipelines, influxBuckets] = await Promise.all([
    pruneTopics(stack, stale),
    pruneRedisKeys(stack, prefix, stale),
    pruneInfluxPipelines(stack, stale),
    pruneInfluxBuckets(stack, stale),
  ]);
  return { topics, redisKeys, influxPipelines, influxBuckets };
}

async function pruneTopics(stack: StackEnv, stale: (name: string) => boolean): Promise<number> {
  const admin = new Kafka({ clientId: 'gridstream-prune', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const scratch = (await admin.listTopics()).filter(stale);
    // Bounded requests: one request for thousands of topics would outlast the request timeout.
    for (let i = 0; i < scratch.length; i += 200) await admin.deleteTopics({ topics: scratch.slice(i, i + 200), timeout: 60_000 });
    return scratch.length;
  } finally {
    await admin.disconnect();
  }
}

async function pruneRedisKeys(stack: StackEnv, prefix: string, stale: (name: string) => boolean): Promise<number> {
  const redis = new Redis(stack.redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    let deleted = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1_000 }) as AsyncIterable<string[]>) {
      const old = keys.filter(stale);
      if (old.length > 0) deleted += await redis.unlink(...old);
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}

async function pruneInfluxPipelines(stack: StackEnv, stale: (name: string) => boolean): Promise<number> {
  const { org, bucket } = stack.influx;
  const rows = await fluxCsv(stack, `import "influxdata/influxdb/schema"\nschema.tagValues(bucket: ${JSON.stringify(bucket)}, tag: "pipeline", start: 0)`);
  const scratch = rows.map((row) => row._value!).filter(stale);
  for (const pipeline of scratch) {
    await influxApi(stack, `delete?${new URLSearchParams({ org, bucket })}`, {
      method: 'POST',
      body: JSON.stringify({ start: '1970-01-01T00:00:00Z', stop: '2100-01-01T00:00:00Z', predicate: `pipeline=${JSON.stringify(pipeline)}` }),
    });
  }
  return scratch.length;
}

async function pruneInfluxBuckets(stack: StackEnv, stale: (name: string) => boolean): Promise<number> {
  const listed = await influxApi(stack, `buckets?${new URLSearchParams({ org: stack.influx.org, limit: '100' })}`);
  const scratch = ((await listed.json()) as { buckets: Array<{ id: string; name: string }> }).buckets.filter((bucket) => stale(bucket.name));
  for (const bucket of scratch) await influxApi(stack, `buckets/${bucket.id}`, { method: 'DELETE' });
  return scratch.length;
}
