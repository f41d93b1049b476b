import { pino } from 'pino';
import type { StageContext } from './transform.js';

/** A StageContext for unit tests of transforms: a fixed clock, a silent logger, no broker. */
export function testContext<Config>(
  config: Config,
  options: { nowMs?: number; key?: string | null; offset?: string; watermark?: number; qualityWindowMs?: number } = {},
): StageContext<Config> {
  const nowMs = options.nowMs ?? 1_767_225_600_000;
  return {
    config,
    now: () => nowMs,
    topic: 'test.input',
    partition: 0,
    offset: options.offset ?? '0',
    key: options.key ?? null,
    watermark: options.watermark ?? Number.NEGATIVE_INFINITY,
    qualityWindowMs: options.qualityWindowMs ?? 3_600_000,
    log: pino({ level: 'silent' }),
  };
}
