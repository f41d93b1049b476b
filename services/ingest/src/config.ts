import { z } from 'zod';

export const IngestConfig = z
  .object({
    INGEST_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(18090).describe('a TCP port for POST /v1/measurements (0 picks a free one)'),
    INGEST_HTTP_HOST: z
      .string()
      .regex(/^[A-Za-z0-9.:-]+$/)
      .default('127.0.0.1')
      .describe('the address the HTTP endpoint listens on (0.0.0.0 in containers)'),
    INGEST_TOKEN: z
      .string()
      .min(16)
      .regex(/^[\x21-\x7e]+$/)
      .describe('the bearer token HTTP clients send, at least 16 printable characters')
      .meta({ examples: ['<32 random characters, e.g. from openssl rand -hex 16>'] }),
    INGEST_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .max(256 * 1024 * 1024)
      .default(16 * 1024 * 1024)
      .describe('the largest HTTP body accepted, in bytes (at most 268435456)'),
    INGEST_MAX_PENDING_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .max(1024 * 1024 * 1024)
      .default(64 * 1024 * 1024)
      .describe('bytes of HTTP bodies taken and not yet published (at most 1073741824); beyond it a request gets 503 with Retry-After'),
  })
  .transform((env) => ({
    httpPort: env.INGEST_HTTP_PORT,
    httpHost: env.INGEST_HTTP_HOST,
    token: env.INGEST_TOKEN,
    maxBodyBytes: env.INGEST_MAX_BODY_BYTES,
    maxPendingBytes: env.INGEST_MAX_PENDING_BYTES,
  }));
export type IngestConfig = z.infer<typeof IngestConfig>;
