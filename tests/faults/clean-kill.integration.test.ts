import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { featureReference } from '@gridstream/feature/reference';
import type { CleanMeasurement, FeatureVector, Gap } from '@gridstream/schemas';
import { waitUntil } from '@gridstream/test-kit';
import { cleanSettings, faultTestSimulation, PipelineFixture } from './pipeline-fixture.js';

describe('ingest → validate → clean → feature, with clean and feature killed mid-run', () => {
  const pipeline = new PipelineFixture(inject('stack'), 'clean-kill');
  const { t } = pipeline;

  beforeAll(() => pipeline.connect());
  afterAll(() => pipeline.close());

  it('writes exactly what the batch references compute from <p>.valid', { timeout: 300_000 }, async () => {
    await pipeline.validSimulation(faultTestSimulation());

    // Clean starts on a complete <p>.valid, so an idle spell cannot close steps early.
    await pipeline.runKilledTwice('clean', t.valid, { ...cleanSettings, GRIDSTREAM_MAX_BATCH_BYTES: '8192' });
    const reference = await pipeline.cleanReference();
    expect(reference.clean.length).toBeGreaterThan(2_000);
    expect(reference.gaps.length).toBeGreaterThan(10);
    await pipeline.waitForClean(reference.clean.length);
    expect(await pipeline.sorted<CleanMeasurement>('clean', (c) => c.ts)).toEqual(reference.clean);
    expect(await pipeline.sorted<Gap>('gaps', (g) => g.start)).toEqual(reference.gaps);
    expect((await pipeline.client.readAll(t.dlq)).filter((d) => d.headers['__connect.errors.stage'] === 'clean')).toEqual([]);

    // Feature starts on the complete <p>.clean too.
    await pipeline.runKilledTwice('feature', t.clean, { GRIDSTREAM_MAX_BATCH_BYTES: '16384', FEATURE_WEATHER_IDLE_MS: '3000' });
    const expectedVectors = featureReference(reference.clean, { ewmaAlpha: 0.1, tepReferenceSteps: 100, weatherMaxStalenessMs: 3 * 3_600_000, weatherIdleMs: 3_000 });
    // Load vectors held for their station's weather come out once it has been read.
    await waitUntil('feature to give out every vector', async () => (await pipeline.client.readAll(t.features)).length >= expectedVectors.length, 60_000, 500);
    const vectors = await pipeline.sorted<FeatureVector>('features', (v) => v.ts);
    expect(vectors.length).toBe(expectedVectors.length);
    expect(vectors).toEqual(expectedVectors);
  });
});
