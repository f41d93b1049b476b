import { z } from 'zod';

export const ValidateConfig = z
  .object({
    VALIDATE_MAX_FUTURE_SKEW_MS: z.coerce
      .number()
      .int()
      .nonnegative()
      .default(5 * 60_000)
      .describe('a non-negative integer (milliseconds) an event time may lie ahead of the clock'),
  })
  .transform((env) => ({ maxFutureSkewMs: env.VALIDATE_MAX_FUTURE_SKEW_MS }));
export type ValidateConfig = z.infer<typeof ValidateConfig>;
