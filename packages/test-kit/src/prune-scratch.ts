import { InfluxDB } from '@influxdata/influxdb-client';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import type { StackEnv } from './stack-env.js';
import { SCRATCH_PREFIX } from './unique-name.js';

/** What `pruneScratch` deleted. */
export interface PrunedScratch {
  topics: number;
  redisKeys: number;
  influxPipelines: number;
}

/**
 * Deletes what earlier test and bench runs left on the shared local stack: every topic, Redis key
 * and InfluxDB pipeline whose name `uniqueName` made. Without it the broker's partitions and
 * Redis's memory grow with every run until start-up and metadata calls slow down, and Redis no
 * longer fits its `maxmemory`. Anything else (a demo's prefix, your own data) is left alone; a
 * narrower `prefix` deletes only the names that start with it.
 */
export async function pruneScratch(stack: StackEnv, prefix = SCRATCH_PREFIX): Promise<PrunedScratch> {
  const [topics, redisKeys, influxPipelines] = await Promise.all([pruneTopics(stack, prefix), pruneRedisKeys(stack, prefix), pruneInfluxPipelines(stack, prefix)]);
  return { topics, redisKeys, influxPipelines };
}

async function pruneTopics(stack: StackEnv, prefix: string): Promise<number> {
  const admin = new Kafka({ clientId: 'gridstream-prune', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const scratch = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    // Bounded requests: one request for thousands of topics would outlast the request timeout.
    for (let i = 0; i < scratch.length; i += 200) await admin.deleteTopics({ topics: scratch.slice(i, i + 200), timeout: 60_000 });
    return scratch.length;
  } finally {
    await admin.disconnect();
  }
}

async function pruneRedisKeys(stack: StackEnv, prefix: string): Promise<number> {
  const redis = new Redis(stack.redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    let deleted = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1_000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}

async function pruneInfluxPipelines(stack: StackEnv, prefix: string): Promise<number> {
  const { url, token, org, bucket } = stack.influx;
  const query = new InfluxDB({ url, token }).getQueryApi(org);
  const rows = await query.collectRows<{ _value: string }>(
    `import "influxdata/influxdb/schema"\nschema.tagValues(bucket: ${JSON.stringify(bucket)}, tag: "pipeline", start: 0)`,
  );
  const scratch = rows.map((row) => row._value).filter((pipeline) => pipeline.startsWith(prefix));
  for (const pipeline of scratch) {
    const response = await fetch(`${url.replace(/\/$/, '')}/api/v2/delete?${new URLSearchParams({ org, bucket })}`, {
      method: 'POST',
      headers: { Authorization: `Token ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ start: '1970-01-01T00:00:00Z', stop: '2100-01-01T00:00:00Z', predicate: `pipeline=${JSON.stringify(pipeline)}` }),
    });
    if (!response.ok) throw new Error(`InfluxDB refused to delete pipeline ${pipeline}: HTTP ${response.status} ${await response.text()}`);
  }
  return scratch.length;
}
