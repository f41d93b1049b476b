import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { featureReference } from '@gridstream/feature/reference';
import type { FeatureVector } from '@gridstream/schemas';
import { waitUntil } from '@gridstream/test-kit';
import { windowReference } from '@gridstream/window/reference';
import { lastRevisions } from './pipeline-checks.js';
import { cleanSettings, faultTestSimulation, PipelineFixture } from './pipeline-fixture.js';

describe('window across rebalances', () => {
  const pipeline = new PipelineFixture(inject('stack'), 'window-rebalance');
  const { t } = pipeline;

  beforeAll(() => pipeline.connect());
  afterAll(() => pipeline.close());

  it('gives out exactly the reference sequences when a second instance joins, the first is killed, and a third joins', { timeout: 420_000 }, async () => {
    await pipeline.validSimulation(faultTestSimulation({ seed: 9, durationMs: 2 * 86_400_000 }));
    // Clean and feature run undisturbed, so window starts on a complete <p>.features.
    pipeline.run('clean', cleanSettings);
    const reference = await pipeline.cleanReference();
    await pipeline.withLogsOf(['clean'], pipeline.waitForClean(reference.clean.length));
    pipeline.run('feature', { FEATURE_WEATHER_IDLE_MS: '3000' });
    const expectedVectors = featureReference(reference.clean, { ewmaAlpha: 0.1, tepReferenceSteps: 100, weatherMaxStalenessMs: 3 * 3_600_000, weatherIdleMs: 3_000 });
    await pipeline.withLogsOf(['feature'], waitUntil('feature to give out every vector', async () => (await pipeline.client.readAll(t.features)).length >= expectedVectors.length, 120_000, 1_000));

    // Small batches, so the kill lands amid many transactions; window's rows are changelogged as parts.
    await pipeline.runRebalanced('window', t.features, { WINDOW_SEQ_LEN: '24', WINDOW_STRIDE: '6', GRIDSTREAM_MAX_BATCH_BYTES: '8192' });

    const features = (await pipeline.client.readAll(t.features)).sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    const expected = windowReference(await Promise.all(features.map(async (r) => (await pipeline.client.decodeAvro('features', r.value!)) as FeatureVector)), { seqLen: 24, stride: 6, graceMs: 3_600_000 });
    expect(expected.length).toBeGreaterThan(100);
    expect(await lastRevisions(pipeline)).toEqual(expected);
  });
});
