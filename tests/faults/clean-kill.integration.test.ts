import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { featureReference } from '@gridstream/feature/reference';
import { windowReference } from '@gridstream/window/reference';
import { qualityKey } from '@gridstream/runtime';
import type { CleanMeasurement, FeatureVector, Gap, Measurement, QualityReport, Sequence } from '@gridstream/schemas';
import { InfluxDB } from '@influxdata/influxdb-client';
import { Redis } from 'ioredis';
import { FeatureClient } from '@gridstream/feature-client';
import { runStack, waitUntil } from '@gridstream/test-kit';
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
    expect(await lastRevisions()).toEqual(expectedSequences);

    // Validate's and clean's quality counts, added up by a quality stage killed twice too.
    await pipeline.runKilledTwice('quality', t.qualityParts, { GRIDSTREAM_MAX_BATCH_BYTES: '1024' });
    const expectedCounts = await countsFromTopics();
    const reports = await latestReports();
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
    await expectOnlineStore(expectedVectors, expectedSequences);
    await expectInfluxSeries(expectedVectors, reference.clean);
  });

  /** The feature client reads each entity's newest vector, its whole day of history and its newest sequence as the references have them. */
  async function expectOnlineStore(expectedVectors: FeatureVector[], expectedSequences: Sequence[]): Promise<void> {
    const redis = new Redis(stack.redisUrl, { lazyConnect: true });
    await redis.connect();
    const features = new FeatureClient(redis, t.prefix);
    try {
      const byEntity = new Map<string, FeatureVector[]>();
      for (const v of expectedVectors) {
        const vectors = byEntity.get(v.entity);
        if (vectors) vectors.push(v);
        else byEntity.set(v.entity, [v]);
      }
      for (const [entity, vectors] of byEntity) {
        const last = vectors.at(-1)!;
        expect(await features.getLatest(entity), entity).toEqual({ entity, ts: last.ts, featureSet: last.featureSet, names: last.names, values: Float64Array.from(last.values), imputed: last.imputed });
        const range = await features.getRange(entity, vectors[0]!.ts, last.ts + 1);
        expect(range.values, entity).toEqual(Float64Array.from(vectors.flatMap((v) => v.values)));
      }
      const lastSequences = new Map(expectedSequences.map((s) => [`${s.entity}|${s.featureSet.name}`, s]));
      for (const s of lastSequences.values()) {
        const stored = await features.getSequence(s.entity, s.featureSet.name);
        expect({ end: stored!.end, mask: [...stored!.mask], values: stored!.values }, s.entity).toEqual({ end: s.end, mask: [...s.mask], values: new Float32Array(s.values.buffer.slice(s.values.byteOffset, s.values.byteOffset + s.values.length)) });
      }
    } finally {
      redis.disconnect();
    }
  }

  /** Flux returns every entity's feature `value` and clean `load` series as the references have them (NaN is not stored). */
  async function expectInfluxSeries(expectedVectors: FeatureVector[], clean: CleanMeasurement[]): Promise<void> {
    const query = new InfluxDB({ url: stack.influx.url, token: stack.influx.token }).getQueryApi(stack.influx.org);
    const series = async (measurement: string, field: string) =>
      (
        await query.collectRows<{ entity: string; _time: string; _value: number }>(
          `from(bucket: "${stack.influx.bucket}") |> range(start: 2025-12-01T00:00:00Z, stop: 2026-03-01T00:00:00Z)
            |> filter(fn: (r) => r.pipeline == "${t.prefix}" and r._measurement == "${measurement}" and r._field == "${field}")`,
        )
      )
        .map((r) => `${r.entity} ${Date.parse(r._time)} ${r._value}`)
        .sort();
    const expectedValues = expectedVectors.flatMap((v) => {
      const value = v.values[v.names.indexOf('value')];
      return value !== undefined && Number.isFinite(value) ? [`${v.entity} ${v.ts} ${value}`] : [];
    });
    expect(expectedValues.length).toBeGreaterThan(1_000);
    expect(await series('features', 'value')).toEqual(expectedValues.sort());
    expect(await series('clean', 'load')).toEqual(clean.flatMap((c) => (c.values.load === undefined ? [] : [`${c.entity} ${c.ts} ${c.values.load}`])).sort());
  }

  /** The last revision of every sequence, sorted by entity and end. */
  async function lastRevisions(): Promise<Sequence[]> {
    const records = (await pipeline.client.readAll(t.sequences)).sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    const latest = new Map<string, Sequence>();
    for (const record of records) {
      const sequence = (await pipeline.client.decodeAvro('sequences', record.value!)) as Sequence;
      latest.set(`${sequence.entity}@${sequence.end}`, sequence);
    }
    return [...latest.values()].sort((a, b) => (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : a.end - b.end));
  }

  /** The last report of every source's window: each revises the one before. */
  async function latestReports(): Promise<Record<string, QualityReport>> {
    const records = (await pipeline.client.readAll(t.quality)).sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    const latest: Record<string, QualityReport> = {};
    for (const record of records) latest[record.key!] = (await pipeline.client.decodeAvro('quality', record.value!)) as QualityReport;
    return latest;
  }

  /** What every report must count, from what validate and clean wrote. */
  async function countsFromTopics(): Promise<Record<string, Partial<QualityReport>>> {
    const hour = 3_600_000;
    const counts: Record<string, { received: number; missing: number; imputed: number; outliers: number; duplicates: number; valid: number; entities: Set<string> }> = {};
    const at = (source: string, ts: number) => {
      const key = qualityKey({ source, windowStart: Math.floor(ts / hour) * hour });
      return (counts[key] ??= { received: 0, missing: 0, imputed: 0, outliers: 0, duplicates: 0, valid: 0, entities: new Set() });
    };
    const distinct = new Set<string>();
    for (const m of await pipeline.sorted<Measurement>('valid', (v) => v.ts)) {
      at(m.source, m.ts).valid += 1;
      if (distinct.has(`${m.entity}@${m.ts}`)) at(m.source, m.ts).duplicates += 1;
      distinct.add(`${m.entity}@${m.ts}`);
    }
    for (const c of await pipeline.sorted<CleanMeasurement>('clean', (v) => v.ts)) {
      const window = at(c.source, c.ts);
      if (c.resampledFrom === 0) window.imputed += 1;
      else {
        window.received += 1;
        window.entities.add(c.entity);
        if (c.outliers.length > 0) window.outliers += 1;
      }
    }
    for (const gap of await pipeline.sorted<Gap>('gaps', (g) => g.start)) {
      for (let ts = gap.start; ts < gap.end; ts += gap.stepMs) at(gap.source, ts).missing += 1;
    }
    return Object.fromEntries(
      Object.entries(counts).map(([key, { entities, ...rest }]) => [key, { ...rest, entities: entities.size, expected: rest.received + rest.missing }]),
    );
  }
});
