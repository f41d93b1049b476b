import { z } from 'zod';
import { topicPrefixPattern, type Stage } from '@gridstream/schemas';

/** Each stage's default ops port (/metrics, /healthz, /readyz), so a whole pipeline fits on one host. */
export const defaultOpsPorts: Record<Stage, number> = {
  ingest: 19100,
  validate: 19101,
  clean: 19102,
  feature: 19103,
  window: 19104,
  'redis-sink': 19105,
  quality: 19106,
  'influx-sink': 19107,
};

const positiveInt = (what: string) => z.coerce.number().int().positive().describe(what);

/** How long the broker may hold a fetch back to gather at least `minBytes`. */
export interface FetchWait {
  maxWaitMs: number;
  minBytes: number;
}

/**
 * A fetch waits at most 100 ms for 64 KiB. Handed over as soon as there were any (1 byte), records
 * came a few at a time under light load, a transaction per partition each time: at a tenth of the
 * backlog rate ingest committed 81 transactions a second of 2.3 records each and the broker took
 * 85 % of a core (bench/latency.ts); with 64 KiB, 37 a second and 51 %, for at most 100 ms more per hop.
 */
const promptFetch: FetchWait = { maxWaitMs: 100, minBytes: 64 * 1024 };

/** A stage's or sink's group consumer: committed records only, batches bounded by GRIDSTREAM_MAX_BATCH_BYTES. */
export function groupConsumerOptions(runtime: RuntimeConfig, groupId: string, fetch: FetchWait = promptFetch) {
  return {
    groupId,
    readUncommitted: false,
    maxWaitTimeInMs: fetch.maxWaitMs,
    minBytes: fetch.minBytes,
    sessionTimeout: runtime.sessionTimeoutMs,
    heartbeatInterval: Math.round(runtime.sessionTimeoutMs / 10),
    maxBytesPerPartition: runtime.maxBatchBytes,
  };
}

/** The settings every stage shares, from the same environment as the stage's own. */
export function runtimeConfigSchema(stage: Stage) {
  return z
    .object({
      GRIDSTREAM_TOPIC_PREFIX: z
        .string()
        .regex(topicPrefixPattern)
        .default('gridstream')
        .describe("1-200 letters, digits, '.', '_' or '-'"),
      KAFKA_BROKERS: z
        .string()
        .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/)
        .default('127.0.0.1:19092')
        .describe('host:port[,host:port...]'),
      SCHEMA_REGISTRY_URL: z.url().default('http://127.0.0.1:18081/apis/ccompat/v7').describe('the registry base URL'),
      GRIDSTREAM_PARTITIONS: positiveInt('a positive number of partitions').default(6),
      GRIDSTREAM_OPS_PORT: z.coerce
        .number()
        .int()
        .min(0)
        .max(65535)
        .default(defaultOpsPorts[stage])
        .describe('a TCP port (0 picks a free one)'),
      GRIDSTREAM_OPS_HOST: z
        .string()
        .regex(/^[A-Za-z0-9.:-]+$/)
        .default('127.0.0.1')
        .describe('the address /metrics, /healthz and /readyz listen on (0.0.0.0 in containers)'),
      GRIDSTREAM_CONCURRENT_PARTITIONS: positiveInt('how many partitions are processed at once').default(3),
      GRIDSTREAM_SESSION_TIMEOUT_MS: z.coerce
        .number()
        .int()
        .min(6_000)
        .max(300_000)
        .default(30_000)
        .describe('6000-300000 (milliseconds) before the group gives a silent instance\'s partitions to another'),
      GRIDSTREAM_MAX_BATCH_BYTES: z.coerce
        .number()
        .int()
        .min(1024)
        .max(64 * 1024 * 1024)
        .default(256 * 1024)
        .describe('1024-67108864: input bytes per partition fetch and per transaction (a larger record is handled alone)'),
      GRIDSTREAM_QUALITY_WINDOW_MS: positiveInt('a positive integer (milliseconds): the event-time window data quality is reported by; the same for every stage').default(3_600_000),
      GRIDSTREAM_RETRY_INITIAL_MS: positiveInt('a positive integer (milliseconds)').default(200),
      GRIDSTREAM_RETRY_MAX_MS: positiveInt('a positive integer (milliseconds)').default(30_000),
      LOG_LEVEL: z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info')
        .describe('one of fatal, error, warn, info, debug, trace, silent'),
    })
    .transform((env) => ({
      topicPrefix: env.GRIDSTREAM_TOPIC_PREFIX,
      brokers: env.KAFKA_BROKERS.split(','),
      registryUrl: env.SCHEMA_REGISTRY_URL,
      partitions: env.GRIDSTREAM_PARTITIONS,
      opsPort: env.GRIDSTREAM_OPS_PORT,
      opsHost: env.GRIDSTREAM_OPS_HOST,
      concurrentPartitions: env.GRIDSTREAM_CONCURRENT_PARTITIONS,
      sessionTimeoutMs: env.GRIDSTREAM_SESSION_TIMEOUT_MS,
      maxBatchBytes: env.GRIDSTREAM_MAX_BATCH_BYTES,
      qualityWindowMs: env.GRIDSTREAM_QUALITY_WINDOW_MS,
      retry: { initialMs: env.GRIDSTREAM_RETRY_INITIAL_MS, maxMs: env.GRIDSTREAM_RETRY_MAX_MS },
      logLevel: env.LOG_LEVEL,
    }));
}
export type RuntimeConfig = z.output<ReturnType<typeof runtimeConfigSchema>>;
