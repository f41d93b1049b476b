import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { featureReference } from '@gridstream/feature/reference';
import { windowReference } from '@gridstream/window/reference';
import type { CleanMeasurement, FeatureVector, Gap } from '@gridstream/schemas';
import { runStack, waitUntil } from '@gridstream/test-kit';
import { countsFromTopics, expectInfluxSeries, expectOnlineStore, lastRevisions, latestReports } from './pipeline-checks.js';
import { cleanSettings, faultTestSimulation, PipelineFixture } from './pipeline-fixture.js';

describe('ingest → validate → clean → feature → window → quality and the sinks, every stage killed mid-run', () => {
  const stack = inject('stack');
  const pipeline = new PipelineFixture(stack, 'clean-kill');
  const { t } = pipeline;

  beforeAll(() => pipeline.connect());
  afterAll(() => pipeline.close());

  it('writes exactly what the batch references compute from <p>.valid', { timeout: 420_000 }, async () => {
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

    // Window starts on the complete <p>.features; a sequence's last revision is what counts.
    await pipeline.runKilledTwice('window', t.features, { WINDOW_SEQ_LEN: '24', WINDOW_STRIDE: '6', GRIDSTREAM_MAX_BATCH_BYTES: '16384' });
    const features = (await pipeline.client.readAll(t.features)).sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    const expectedSequences = windowReference(await Promise.all(features.map(async (r) => (await pipeline.client.decodeAvro('features', r.value!)) as FeatureVector)), { seqLen: 24, stride: 6, graceMs: 3_600_000 });
    expect(expectedSequences.length).toBeGreaterThan(50);
    expect(await lastRevisions(pipeline)).toEqual(expectedSequences);

    // Validate's and clean's quality counts, added up by a quality stage killed twice too.
    await pipeline.runKilledTwice('quality', t.qualityParts, { GRIDSTREAM_MAX_BATCH_BYTES: '1024' });
    const expectedCounts = await countsFromTopics(pipeline);
    const reports = await latestReports(pipeline);
    for (const [key, counts] of Object.entries(expectedCounts)) expect(reports[key], key).toMatchObject(counts);
    // Other windows hold only rejected records, e.g. those with a future ts, counted when they arrived.
    const others = Object.entries(reports).filter(([key]) => !(key in expectedCounts));
    expect(others.map(([key, r]) => [key, r.valid + r.expected + r.duplicates])).toEqual(others.map(([key]) => [key, 0]));
    const invalidCounted = Object.values(reports).reduce((sum, r) => sum + r.invalid, 0);
    const rejected = (await pipeline.client.readAll(t.dlq)).filter((d) => d.headers['__connect.errors.stage'] === 'validate');
    expect(invalidCounted).toBe(rejected.length);
    expect(invalidCounted).toBeGreaterThan(0);

    // The sinks, with InfluxDB stopped for 60 s and Redis restarted while they write, and the Redis one killed twice:
    // the feature client and Flux then give the references' values, nothing missing, nothing doubled.
    runStack('down', 'influxdb');
    const influxStoppedMs = Date.now();
    pipeline.run('influx-sink');
    const lagBefore = await pipeline.lag('redis-sink', t.features);
    pipeline.run('redis-sink', { GRIDSTREAM_MAX_BATCH_BYTES: '4096' });
    await waitUntil('the Redis sink to commit a batch', async () => (await pipeline.lag('redis-sink', t.features)) < lagBefore, 60_000, 20);
    runStack('restart', 'redis');
    await pipeline.runKilledTwice('redis-sink', t.features, {});
    expect(await pipeline.lag('influx-sink', t.features), 'the InfluxDB sink wrote while InfluxDB was down').toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, influxStoppedMs + 60_000 - Date.now())));
    runStack('up', 'influxdb');
    const sinkInputs: Array<['redis-sink' | 'influx-sink', string]> = [
      ['redis-sink', t.features],
      ['redis-sink', t.sequences],
      ...[t.clean, t.features, t.gaps, t.quality].map((topic): ['influx-sink', string] => ['influx-sink', topic]),
    ];
    await waitUntil('both sinks to catch up', async () => (await Promise.all(sinkInputs.map(([stage, topic]) => pipeline.lag(stage, topic)))).every((lag) => lag === 0), 120_000, 500);
    await expectOnlineStore(pipeline, expectedVectors, expectedSequences);
    await expectInfluxSeries(pipeline, expectedVectors, reference.clean);
  });
});
