import { z } from 'zod';

export const FeatureConfig = z
  .object({
    FEATURE_EWMA_ALPHA: z.coerce.number().gt(0).max(1).default(0.1).describe('a weight in (0, 1] for the newest value'),
    FEATURE_TEP_REFERENCE_STEPS: z.coerce.number().int().min(2).default(100).describe('an integer of at least 2: the first TEP steps the z-scores refer to'),
  })
  .transform((env) => ({ ewmaAlpha: env.FEATURE_EWMA_ALPHA, tepReferenceSteps: env.FEATURE_TEP_REFERENCE_STEPS }));
export type FeatureConfig = z.infer<typeof FeatureConfig>;
