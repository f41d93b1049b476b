import { z } from 'zod';

export const InfluxSinkConfig = z
  .object({
    INFLUX_URL: z.url().default('http://127.0.0.1:18086').describe('the InfluxDB 2 base URL, e.g. http://127.0.0.1:8086'),
    INFLUX_TOKEN: z.string().min(1).describe('an InfluxDB API token with write access to the bucket'),
    INFLUX_ORG: z.string().min(1).default('gridstream').describe('the organisation name'),
    INFLUX_BUCKET: z.string().min(1).default('gridstream').describe('the bucket name'),
    INFLUX_BATCH_POINTS: z.coerce.number().int().positive().default(5_000).describe('a positive integer: the most points per write request'),
    INFLUX_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000).describe('a positive integer of milliseconds a write may take'),
  })
  .transform((env) => ({
    url: env.INFLUX_URL.replace(/\/$/, ''),
    token: env.INFLUX_TOKEN,
    org: env.INFLUX_ORG,
    bucket: env.INFLUX_BUCKET,
    batchPoints: env.INFLUX_BATCH_POINTS,
    timeoutMs: env.INFLUX_TIMEOUT_MS,
  }));
export type InfluxSinkConfig = z.infer<typeof InfluxSinkConfig>;
