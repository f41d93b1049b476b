import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SinkRecord, SinkWriter } from '@gridstream/runtime';
import type { FeatureVector, Sequence } from '@gridstream/schemas';
import type { RedisSinkConfig } from './config.js';
import { redisKeys } from '@gridstream/feature-client';

/**
 * Newest event time wins, in one script per entity and batch so no reader or other writer sees
 * half of it: each vector joins the history (one member per ts, so a replay replaces it rather than
 * adding one); the newest one not older than the latest becomes the latest. The keys' TTL is
 * refreshed only when a vector did not go back in event time; history older than the retention
 * behind the newest ts is trimmed. The same as one call per vector in order, but the latest is
 * written, the TTLs set and the history trimmed once: a call per vector spent 58 µs in Redis, two
 * thirds of it the script's own overhead. Only the call's newest vector (the last of its newest ts)
 * can become the latest, so only its names and feature set are sent.
 * KEYS: latest, history. ARGV: ttlMs, retentionMs, the newest vector's names JSON and featureSet,
 * then per vector: ts, imputed, values JSON.
 */
const upsertFeatures = `
local newest = tonumber(redis.call('HGET', KEYS[1], 'ts'))
local winner = nil
for i = 5, #ARGV, 3 do
  local ts = tonumber(ARGV[i])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], ts, ts)
  redis.call('ZADD', KEYS[2], ts, ARGV[i] .. ':' .. ARGV[i + 1] .. ':' .. ARGV[i + 2])
  if newest == nil or ts >= newest then
    newest, winner = ts, i
  end
end
if winner then
  redis.call('HSET', KEYS[1], 'ts', ARGV[winner], 'featureSet', ARGV[4], 'names', ARGV[3], 'values', ARGV[winner + 2], 'imputed', ARGV[winner + 1])
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
end
if newest then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('(%.0f', newest - tonumber(ARGV[2]))) end
return winner and 1 or 0`;

/** Vectors per script call at most, so one entity's long backlog does not make one huge call. */
const VECTORS_PER_CALL = 500;

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
  upsertFeatures(latest: string, history: string, ...args: Array<string | number>): unknown;
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
  redis.defineCommand('upsertFeatures', { numberOfKeys: 2, lua: upsertFeatures });
  redis.defineCommand('upsertSequence', { numberOfKeys: 1, lua: upsertSequence });
  await redis.connect().catch((error: unknown) => log.warn({ err: error }, 'redis not reachable yet; writes wait for it'));
  const keys = redisKeys(prefix);
  return {
    async write(records: SinkRecord[]) {
      const pipeline = redis.pipeline() as unknown as SinkCommands & { exec(): Promise<Array<[Error | null, unknown]> | null> };
      const vectorsByEntity = new Map<string, FeatureVector[]>();
      for (const record of records) {
        if (record.topic === 'features') {
          const v = record.value as FeatureVector;
          const vectors = vectorsByEntity.get(v.entity);
          if (vectors) vectors.push(v);
          else vectorsByEntity.set(v.entity, [v]);
        } else if (record.topic === 'sequences') {
          const s = record.value as Sequence;
          pipeline.upsertSequence(keys.sequence(s.entity, s.featureSet.name), s.end, s.revision, s.start, s.stepMs, s.seqLen, `${s.featureSet.name}:${s.featureSet.version}`, JSON.stringify(s.names), s.values, s.mask, config.latestTtlMs);
        }
      }
      for (const [entity, vectors] of vectorsByEntity) {
        for (let i = 0; i < vectors.length; i += VECTORS_PER_CALL) {
          const args = upsertFeaturesArgs(vectors.slice(i, i + VECTORS_PER_CALL), config);
          pipeline.upsertFeatures(keys.latest(entity), keys.history(entity), ...args);
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

/** An upsertFeatures call's ARGV for one entity's vectors, in offset order. */
function upsertFeaturesArgs(vectors: FeatureVector[], config: RedisSinkConfig): Array<string | number> {
  let newest = vectors[0]!;
  for (const v of vectors) if (v.ts >= newest.ts) newest = v;
  const args: Array<string | number> = [config.latestTtlMs, config.historyRetentionMs, JSON.stringify(newest.names), `${newest.featureSet.name}:${newest.featureSet.version}`];
  // JSON has no NaN: JSON.stringify writes undefined features as null.
  for (const v of vectors) args.push(v.ts, v.imputed ? 1 : 0, JSON.stringify(v.values));
  return args;
}
