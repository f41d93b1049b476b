import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SinkRecord, SinkWriter } from '@gridstream/runtime';
import type { FeatureVector, Sequence } from '@gridstream/schemas';
import type { RedisSinkConfig } from './config.js';
import { redisKeys } from '@gridstream/feature-client';

/**
 * Newest event time wins, in one script per vector so no reader or other writer sees half of it:
 * the vector always joins the history (one member per ts, so a replay replaces it rather than
 * adding one); it becomes the latest only if its ts is not older than the latest's. The keys'
 * TTL is refreshed only by a write that did not go back in event time; history older than the
 * retention behind the newest ts is trimmed.
 * KEYS: latest, history. ARGV: ts, values JSON, names JSON, featureSet, imputed, ttlMs, retentionMs.
 */
const upsertFeature = `
local ts = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], ts, ts)
redis.call('ZADD', KEYS[2], ts, ARGV[1] .. ':' .. ARGV[5] .. ':' .. ARGV[2])
local newest = tonumber(redis.call('HGET', KEYS[1], 'ts'))
local wins = newest == nil or ts >= newest
if wins then
  redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'featureSet', ARGV[4], 'names', ARGV[3], 'values', ARGV[2], 'imputed', ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  redis.call('PEXPIRE', KEYS[2], ARGV[6])
  newest = ts
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('(%.0f', newest - tonumber(ARGV[7])))
if wins then return 1 end
return 0`;

/**
 * The newest sequence per entity and feature set: a later end wins, and at the same end a revision
 * not lower than the stored one. KEYS: sequence. ARGV: end, revision, start, stepMs, seqLen,
 * featureSet, names JSON, values, mask, ttlMs.
 */
const upsertSequence = `
local stored = redis.call('HMGET', KEYS[1], 'end', 'revision')
local e, revision = tonumber(ARGV[1]), tonumber(ARGV[2])
local storedEnd, storedRevision = tonumber(stored[1]), tonumber(stored[2])
if storedEnd == nil or e > storedEnd or (e == storedEnd and revision >= storedRevision) then
  redis.call('HSET', KEYS[1], 'end', ARGV[1], 'revision', ARGV[2], 'start', ARGV[3], 'stepMs', ARGV[4], 'seqLen', ARGV[5], 'featureSet', ARGV[6], 'names', ARGV[7], 'values', ARGV[8], 'mask', ARGV[9])
  redis.call('PEXPIRE', KEYS[1], ARGV[10])
  return 1
end
return 0`;

/** The scripts as pipeline commands: they queue, and `exec` gives their results. */
interface SinkCommands {
  upsertFeature(latest: string, history: string, ...args: Array<string | number>): unknown;
  upsertSequence(key: string, ...args: Array<string | number | Buffer>): unknown;
}

/**
 * Writes feature vectors and sequences to Redis, pipelined per batch. Commands fail at once while
 * Redis is unreachable (no offline queue, which would grow without bound), so the runtime pauses
 * the partition and retries; the client reconnects by itself.
 */
export async function openRedisWriter(config: RedisSinkConfig, prefix: string, log: Logger): Promise<SinkWriter> {
  const redis = new Redis(config.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
  redis.on('error', () => undefined); // reported by the failed writes and the events below
  redis.on('ready', () => log.info({ url: config.url }, 'redis connected'));
  redis.on('close', () => log.warn({ url: config.url }, 'redis connection closed'));
  redis.defineCommand('upsertFeature', { numberOfKeys: 2, lua: upsertFeature });
  redis.defineCommand('upsertSequence', { numberOfKeys: 1, lua: upsertSequence });
  await redis.connect().catch((error: unknown) => log.warn({ err: error }, 'redis not reachable yet; writes wait for it'));
  const keys = redisKeys(prefix);
  return {
    async write(records: SinkRecord[]) {
      const pipeline = redis.pipeline() as unknown as SinkCommands & { exec(): Promise<Array<[Error | null, unknown]> | null> };
      for (const record of records) {
        if (record.topic === 'features') {
          const v = record.value as FeatureVector;
          // JSON has no NaN: undefined features are null.
          pipeline.upsertFeature(keys.latest(v.entity), keys.history(v.entity), v.ts, JSON.stringify(v.values.map((x) => (Number.isFinite(x) ? x : null))), JSON.stringify(v.names), `${v.featureSet.name}:${v.featureSet.version}`, v.imputed ? 1 : 0, config.latestTtlMs, config.historyRetentionMs);
        } else if (record.topic === 'sequences') {
          const s = record.value as Sequence;
          pipeline.upsertSequence(keys.sequence(s.entity, s.featureSet.name), s.end, s.revision, s.start, s.stepMs, s.seqLen, `${s.featureSet.name}:${s.featureSet.version}`, JSON.stringify(s.names), s.values, s.mask, config.latestTtlMs);
        }
      }
      const results = await pipeline.exec();
      if (results === null) throw new Error('redis pipeline was not executed');
      const failed = results.find(([error]) => error !== null);
      if (failed) throw failed[0];
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
