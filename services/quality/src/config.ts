import { z } from 'zod';

/** The quality stage has no settings of its own: the window comes with the parts (GRIDSTREAM_QUALITY_WINDOW_MS). */
export const QualityConfig = z.object({}).transform(() => ({}));
export type QualityConfig = z.infer<typeof QualityConfig>;
