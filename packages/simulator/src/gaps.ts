import type { Gap } from '@gridstream/schemas';
import type { SimulationConfig } from './config.js';
import { integerBetween, randomStream } from './random.js';
import { simulatedEntities } from './sources.js';

/** A run of steps the simulator never sent: [start, end), like the pipeline's Gap records. */
export type SimulatedGap = Omit<Gap, 'imputedSteps'>;

/** An entity's steps are the multiples of its stepMs in [startTs, startTs + durationMs). */
export function firstStepTs(startTs: number, stepMs: number): number {
  return Math.ceil(startTs / stepMs) * stepMs;
}

export function stepCount(config: SimulationConfig, stepMs: number): number {
  const endTs = config.startTs + config.durationMs;
  return Math.max(0, Math.ceil((endTs - firstStepTs(config.startTs, stepMs)) / stepMs));
}

/**
 * Whether each of an entity's steps is dropped, from the entity's own stream so gapsOf can replay it
 * without generating values. Runs are 1-4 steps with a sent step on either side: a gap at the very
 * start or end of a run would be invisible to the pipeline.
 */
export function* gapMask(config: SimulationConfig, entity: string, steps: number): Generator<boolean> {
  const random = randomStream(config.seed, `${entity}/gaps`);
  // A run (mean 2.5 steps, then one sent step) starts at a sent step with chance q; this q drops gapShare of all steps.
  const share = config.faults.gapShare;
  const runChance = share / (2.5 * (1 - share));
  for (let step = 0; step < steps; step += 1) {
    const runSteps = integerBetween(random, 1, 4);
    if (random() < runChance && step > 0 && step + runSteps < steps) {
      for (let i = 0; i < runSteps; i += 1) yield true;
      step += runSteps;
    }
    yield false;
  }
}

/** Every gap of a run, per entity in time order: the ground truth for gap detection. */
export function gapsOf(config: SimulationConfig): SimulatedGap[] {
  const gaps: SimulatedGap[] = [];
  for (const { source, entity, stepMs } of simulatedEntities(config)) {
    let ts = firstStepTs(config.startTs, stepMs);
    let start: number | null = null;
    for (const missing of gapMask(config, entity, stepCount(config, stepMs))) {
      if (missing) start ??= ts;
      else if (start !== null) {
        gaps.push({ source, entity, start, end: ts, stepMs, missingSteps: (ts - start) / stepMs });
        start = null;
      }
      ts += stepMs;
    }
  }
  return gaps;
}
