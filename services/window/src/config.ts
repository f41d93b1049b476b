import { z } from 'zod';

const positiveInt = (what: string) => z.coerce.number().int().positive().describe(what);

export const WindowConfig = z
  .object({
    WINDOW_SEQ_LEN: positiveInt('a positive number of steps of the source cadence per sequence, e.g. 168 (a week of hours) or 8760').default(168),
    WINDOW_STRIDE: positiveInt('a positive number of steps between the ends of consecutive sequences, e.g. 24').default(24),
    WINDOW_GRACE_MS: z.coerce
      .number()
      .int()
      .nonnegative()
      .default(3_600_000)
      .describe('a non-negative integer of milliseconds: how far behind the newest vector of an entity a correction may still revise a sequence'),
  })
  .transform((env) => ({ seqLen: env.WINDOW_SEQ_LEN, stride: env.WINDOW_STRIDE, graceMs: env.WINDOW_GRACE_MS }));
export type WindowConfig = z.infer<typeof WindowConfig>;
