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

const usage = `usage: gridstream replay --topic clean|features|gaps|quality|sequences --from <ISO time> --to <ISO time> [--no-check]`;
const replayable = ['clean', 'features', 'gaps', 'quality', 'sequences'] as const satisfies readonly AvroTopic[];
/** Records per write to the sinks: InfluxDB's default request size (INFLUX_BATCH_POINTS). */
const chunkRecords = 5_000;

/**
 * Writes a topic's records whose event time lies in [from, to) to the Redis and InfluxDB sinks
 * again, through the sinks' own writers (idempotent upserts), reading from the offsets the broker
 * gives for `from` up to the end offsets fixed at the start, and prints a hash of the sinks'
 * state for the entities and range it touched before and after: a replay of what is already
 * there changes neither. --no-check leaves the hashes out: they read every value in the range
 * back, which for a backfill of a year takes longer than the replay.
 */
export async function replayCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { topic: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, 'no-check': { type: 'boolean', default: false } } });
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
  /** The state hashes' own connections; --no-check makes none. */
  let redis: Redis | null = null;
  const writers = [await openRedisWriter(redisConfig, topics.prefix, log), openInfluxWriter(influxConfig, topics.prefix, log)];
  try {
    const topic = topics[topicKey];
    // Record timestamps are the time a record was written, never before its event time: from there on, up to the end now.
    const start = await client.offsetsAt(topic, fromMs);
    const total = await client.countFrom(topic, start);
    console.log(`${topic}: ${total} records from ${new Date(fromMs).toISOString()}'s offsets`);
    let state: (() => Promise<string>) | undefined;
    if (!values['no-check']) {
      const entities = new Set<string>();
      await client.readFrom(topic, start, (record) => void (record.key !== null && entities.add(record.key)));
      const checkRedis = (redis = new Redis(redisConfig.url, { lazyConnect: true }));
      await checkRedis.connect();
      const influx = new InfluxDB({ url: influxConfig.url, token: influxConfig.token });
      state = () => stateHash({ redis: checkRedis, influx, influxConfig, topics, entities, fromMs, toMs });
      console.log(`state before: ${await state()}`);
    }
    const startedMs = performance.now();
    const { written, done } = await replay(client, topicKey, topic, start, total, fromMs, toMs, writers);
    const seconds = (performance.now() - startedMs) / 1000;
    console.log(`replayed ${written} of ${done} records read into Redis and InfluxDB in ${seconds.toFixed(1)} s (${Math.round(written / seconds)} records/s)`);
    if (state) console.log(`state after:  ${await state()}`);
  } finally {
    await Promise.all(writers.map((writer) => writer.close()));
    redis?.disconnect();
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
  // One chunk is written to both sinks at once while the next is read and decoded.
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    const records = chunk;
    chunk = [];
    await writing;
    writing = Promise.all(
      writers.map(async (writer) => {
        const rejected = (await writer.write(records)) ?? [];
        if (rejected.length > 0) console.error(`\n${rejected.length} records refused: ${rejected[0]!.message}`);
      }),
    ).then(() => void (written += records.length));
    // Handled here so a failed write is not an unhandled rejection before the next flush awaits it.
    writing.catch(() => undefined);
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
  await writing;
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
