import { z } from 'zod';

const positiveInt = (what: string) => z.coerce.number().int().positive().describe(what);

export const CleanConfig = z
  .object({
    CLEAN_GRACE_MS: z.coerce.number().int().nonnegative().default(1_800_000).describe('a non-negative integer (milliseconds) event time may run back'),
    CLEAN_MAX_INTERPOLATE_STEPS: z.coerce.number().int().nonnegative().default(4).describe('the longest run of missing steps filled in (0 fills none)'),
    CLEAN_HAMPEL_WINDOW_STEPS: positiveInt('a positive number of earlier steps the outlier detector looks at').default(24),
    CLEAN_HAMPEL_MIN_STEPS: positiveInt('a positive number of steps needed before anything is flagged').default(8),
    CLEAN_HAMPEL_THRESHOLD: z.coerce.number().positive().default(4).describe('a positive number of scales from the median'),
    CLEAN_REPLACE_OUTLIERS: z
      .string()
      .regex(/^([A-Za-z0-9_]+(,[A-Za-z0-9_]+)*)?$/)
      .default('')
      .describe('comma-separated variable names, e.g. load,demand'),
    CLEAN_LATE_POLICY: z
      .enum(['dlq', 'apply'])
      .default('dlq')
      .describe('dlq (late records go to the DLQ) or apply (late records clean can still use are applied and counted)'),
    CLEAN_IDLE_MS: positiveInt('a positive integer (milliseconds) a caught-up partition waits before closing what it holds').default(30_000),
  })
  .transform((env) => ({
    graceMs: env.CLEAN_GRACE_MS,
    maxInterpolateSteps: env.CLEAN_MAX_INTERPOLATE_STEPS,
    hampelWindowSteps: env.CLEAN_HAMPEL_WINDOW_STEPS,
    hampelMinSteps: env.CLEAN_HAMPEL_MIN_STEPS,
    hampelThreshold: env.CLEAN_HAMPEL_THRESHOLD,
    replaceOutliers: env.CLEAN_REPLACE_OUTLIERS === '' ? [] : env.CLEAN_REPLACE_OUTLIERS.split(','),
    latePolicy: env.CLEAN_LATE_POLICY,
    idleMs: env.CLEAN_IDLE_MS,
  }));
export type CleanConfig = z.infer<typeof CleanConfig>;
