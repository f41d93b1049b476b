import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CleanMeasurement, Gap } from '@gridstream/schemas';
import { cleanSettings, faultTestSimulation, PipelineFixture } from './pipeline-fixture.js';

describe('clean across rebalances', () => {
  const pipeline = new PipelineFixture(inject('stack'), 'clean-rebalance');
  const { t } = pipeline;

  beforeAll(() => pipeline.connect());
  afterAll(() => pipeline.close());

  it('writes exactly the batch reference when a second instance joins, the first is killed, and a third joins', { timeout: 300_000 }, async () => {
    await pipeline.validSimulation(faultTestSimulation({ seed: 8, meters: 40, durationMs: 2 * 86_400_000 }));
    await pipeline.runRebalanced('clean', t.valid, { ...cleanSettings, GRIDSTREAM_MAX_BATCH_BYTES: '4096' });

    const reference = await pipeline.cleanReference();
    await pipeline.waitForClean(reference.clean.length);
    expect(await pipeline.sorted<CleanMeasurement>('clean', (c) => c.ts)).toEqual(reference.clean);
    expect(await pipeline.sorted<Gap>('gaps', (g) => g.start)).toEqual(reference.gaps);
  });
});
