import { z } from 'zod';

const dayMs = 86_400_000;

export const RedisSinkConfig = z
  .object({
    REDIS_URL: z.url().default('redis://127.0.0.1:16379').describe('a redis:// URL, e.g. redis://127.0.0.1:6379'),
    REDIS_LATEST_TTL_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(7 * dayMs)
      .describe("a positive integer of milliseconds: an entity's keys expire this long after a write that did not go back in event time"),
    REDIS_HISTORY_RETENTION_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(7 * dayMs)
      .describe("a positive integer of milliseconds of event time: how far behind the entity's newest vector the history reaches"),
  })
  .transform((env) => ({ url: env.REDIS_URL, latestTtlMs: env.REDIS_LATEST_TTL_MS, historyRetentionMs: env.REDIS_HISTORY_RETENTION_MS }));
export type RedisSinkConfig = z.infer<typeof RedisSinkConfig>;
