import { z } from 'zod';

const HOUR_MS = 3_600_000;

export const FeatureConfig = z
  .object({
    FEATURE_EWMA_ALPHA: z.coerce.number().gt(0).max(1).default(0.1).describe('a weight in (0, 1] for the newest value'),
    FEATURE_TEP_REFERENCE_STEPS: z.coerce.number().int().min(2).default(100).describe('an integer of at least 2: the first TEP steps the z-scores refer to'),
    FEATURE_WEATHER_MAX_STALENESS_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(3 * HOUR_MS)
      .describe('an integer of milliseconds, 0 or more: how old a weather observation may be and still join a load record'),
    FEATURE_WEATHER_IDLE_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(60_000)
      .describe('a positive integer of milliseconds: how long a caught-up partition waits for a quiet station before joining what it has'),
  })
  .transform((env) => ({
    ewmaAlpha: env.FEATURE_EWMA_ALPHA,
    tepReferenceSteps: env.FEATURE_TEP_REFERENCE_STEPS,
    weatherMaxStalenessMs: env.FEATURE_WEATHER_MAX_STALENESS_MS,
    weatherIdleMs: env.FEATURE_WEATHER_IDLE_MS,
  }));
export type FeatureConfig = z.infer<typeof FeatureConfig>;
