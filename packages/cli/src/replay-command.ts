import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { InfluxDB } from '@influxdata/influxdb-client';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { redisKeys } from '@gridstream/feature-client';
import { InfluxSinkConfig } from '@gridstream/influx-sink/config';
import { openInfluxWriter } from '@gridstream/influx-sink/writer';
import { RedisSinkConfig } from '@gridstream/redis-sink/config';
import { openRedisWriter } from '@gridstream/redis-sink/writer';
import { parseConfig, type SinkRecord, type SinkWriter, type TopicClient } from '@gridstream/runtime';
import type { AvroTopic, TopicNames } from '@gridstream/schemas';
import { connectFromEnv } from './connect.js';
import { progressBar } from './progress-bar.js';

const usage = `usage: gridstream replay --topic clean|features|gaps|quality|sequences --from <ISO time> --to <ISO time>`;
const replayable = ['clean', 'features', 'gaps', 'quality', 'sequences'] as const satisfies readonly AvroTopic[];
const chunkRecords = 1_000;

/**
 * Writes a topic's records whose event time lies in [from, to) to the Redis and InfluxDB sinks
 * again, through the sinks' own writers (idempotent upserts), reading from the offsets the broker
 * gives for `from` up to the end offsets fixed at the start, and prints a hash of the sinks'
 * state for the entities and range it touched before and after: a replay of what is already
 * there changes neither.
 */
export async function replayCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { topic: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } });
  const topicKey = values.topic as (typeof replayable)[number] | undefined;
  const fromMs = Date.parse(values.from ?? '');
  const toMs = Date.parse(values.to ?? '');
  if (!topicKey || !replayable.includes(topicKey) || Number.isNaN(fromMs) || Number.isNaN(toMs) || toMs <= fromMs) {
    throw Object.assign(new Error(usage), { code: 'config' });
  }
  const redisConfig = parseConfig(RedisSinkConfig, process.env);
  const influxConfig = parseConfig(InfluxSinkConfig, process.env);
  const { client, topics } = await connectFromEnv();
  const log = pino({ level: 'warn' });
  const redis = new Redis(redisConfig.url, { lazyConnect: true });
  await redis.connect();
  const influx = new InfluxDB({ url: influxConfig.url, token: influxConfig.token });
  const writers = [await openRedisWriter(redisConfig, topics.prefix, log), openInfluxWriter(influxConfig, topics.prefix, log)];
  try {
    const topic = topics[topicKey];
    // Record timestamps are the time a record was written, never before its event time: from there on, up to the end now.
    const start = await client.offsetsAt(topic, fromMs);
    const total = await client.countFrom(topic, start);
    const entities = new Set<string>();
    await client.readFrom(topic, start, (record) => void (record.key !== null && entities.add(record.key)));
    const state = () => stateHash({ redis, influx, influxConfig, topics, entities, fromMs, toMs });
    console.log(`${topic}: ${total} records from ${new Date(fromMs).toISOString()}'s offsets, ${entities.size} entities`);
    console.log(`state before: ${await state()}`);
    const { written, done } = await replay(client, topicKey, topic, start, total, fromMs, toMs, writers);
    console.log(`replayed ${written} of ${done} records read into Redis and InfluxDB`);
    console.log(`state after:  ${await state()}`);
  } finally {
    await Promise.all(writers.map((writer) => writer.close()));
    redis.disconnect();
    await client.close();
  }
}

async function replay(
  client: TopicClient,
  topicKey: AvroTopic,
  topic: string,
  start: Map<number, string>,
  total: number,
  fromMs: number,
  toMs: number,
  writers: SinkWriter[],
): Promise<{ written: number; done: number }> {
  const bar = progressBar(`replay ${topic}`, total);
  let chunk: SinkRecord[] = [];
  let written = 0;
  let done = 0;
  const flush = async () => {
    for (const writer of writers) {
      const rejected = (await writer.write(chunk)) ?? [];
      if (rejected.length > 0) console.error(`\n${rejected.length} records refused: ${rejected[0]!.message}`);
    }
    written += chunk.length;
    chunk = [];
  };
  await client.readFrom(topic, start, async (record) => {
    done += 1;
    bar.update(done);
    if (record.value === null) return;
    const value = (await client.decodeAvro(topicKey, record.value)) as Record<string, unknown>;
    const eventTs = Number(value.ts ?? value.end ?? value.start ?? value.windowStart);
    if (eventTs < fromMs || eventTs >= toMs) return;
    chunk.push({ topic: topicKey, key: record.key, value });
    if (chunk.length >= chunkRecords) await flush();
  });
  if (chunk.length > 0) await flush();
  bar.finish();
  return { written, done };
}

interface StateSources {
  redis: Redis;
  influx: InfluxDB;
  influxConfig: InfluxSinkConfig;
  topics: TopicNames;
  entities: Set<string>;
  fromMs: number;
  toMs: number;
}

/** SHA-256 over the entities' Redis keys (latest, history in range, sequences) and their InfluxDB points in range, in a fixed order. */
async function stateHash({ redis, influx, influxConfig, topics, entities, fromMs, toMs }: StateSources): Promise<string> {
  const hash = createHash('sha256');
  const keys = redisKeys(topics.prefix);
  // One pass over the prefix's sequence keys (SCAN, not a KEYS per entity), kept for the entities replayed.
  const sequenceKeys: string[] = [];
  const allSequences = keys.sequence('', '').slice(0, -1); // `<p>:sequence:`: the empty entity and feature set cut off
  for await (const batch of redis.scanStream({ match: `${allSequences}*`, count: 1_000 }) as AsyncIterable<string[]>) sequenceKeys.push(...batch);
  for (const entity of [...entities].sort()) {
    const latest = await redis.hgetall(keys.latest(entity));
    hash.update(JSON.stringify(Object.entries(latest).sort()));
    hash.update(JSON.stringify(await redis.zrangebyscore(keys.history(entity), fromMs, `(${toMs}`, 'WITHSCORES')));
    const ofEntity = keys.sequence(entity, '');
    for (const key of sequenceKeys.filter((k) => k.startsWith(ofEntity) && !k.slice(ofEntity.length).includes(':')).sort()) {
      const sequence = await redis.hgetallBuffer(key);
      hash.update(key);
      for (const [field, value] of Object.entries(sequence).sort(([a], [b]) => (a < b ? -1 : 1))) hash.update(field).update(value);
    }
  }
  const rows = await influx.getQueryApi(influxConfig.org).collectRows<Record<string, string | number>>(
    `from(bucket: "${influxConfig.bucket}") |> range(start: ${new Date(fromMs).toISOString()}, stop: ${new Date(toMs).toISOString()})
      |> filter(fn: (r) => r.pipeline == "${topics.prefix}") |> keep(columns: ["_measurement", "entity", "source", "_field", "_time", "_value"])`,
  );
  const lines = rows
    .filter((row) => row.entity === undefined || entities.has(String(row.entity)))
    .map((row) => `${row._measurement}|${row.entity ?? row.source}|${row._field}|${row._time}|${row._value}`)
    .sort();
  for (const line of lines) hash.update(line);
  return `${hash.digest('hex').slice(0, 16)} (${entities.size} entities in Redis, ${lines.length} InfluxDB values)`;
}
