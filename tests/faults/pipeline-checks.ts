// What the fault tests hold a pipeline's results to: the stores and the quality reports, each
// against the batch references or counts taken from the topics.
import { expect } from 'vitest';
import { FeatureClient } from '@gridstream/feature-client';
import { qualityKey } from '@gridstream/runtime';
import type { CleanMeasurement, FeatureVector, Gap, Measurement, QualityReport, Sequence } from '@gridstream/schemas';
import { InfluxDB } from '@influxdata/influxdb-client';
import { Redis } from 'ioredis';
import type { PipelineFixture } from './pipeline-fixture.js';

/** The feature client reads each entity's newest vector, its whole day of history and its newest sequence as the references have them. */
export async function expectOnlineStore(pipeline: PipelineFixture, expectedVectors: FeatureVector[], expectedSequences: Sequence[]): Promise<void> {
  const redis = new Redis(pipeline.stack.redisUrl, { lazyConnect: true });
  await redis.connect();
  const features = new FeatureClient(redis, pipeline.t.prefix);
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
export async function expectInfluxSeries(pipeline: PipelineFixture, expectedVectors: FeatureVector[], clean: CleanMeasurement[]): Promise<void> {
  const query = new InfluxDB({ url: pipeline.stack.influx.url, token: pipeline.stack.influx.token }).getQueryApi(pipeline.stack.influx.org);
  const series = async (measurement: string, field: string) =>
    (
      await query.collectRows<{ entity: string; _time: string; _value: number }>(
        `from(bucket: "${pipeline.stack.influx.bucket}") |> range(start: 2025-12-01T00:00:00Z, stop: 2026-03-01T00:00:00Z)
          |> filter(fn: (r) => r.pipeline == "${pipeline.t.prefix}" and r._measurement == "${measurement}" and r._field == "${field}")`,
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
export async function lastRevisions(pipeline: PipelineFixture): Promise<Sequence[]> {
  const records = (await pipeline.client.readAll(pipeline.t.sequences)).sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  const latest = new Map<string, Sequence>();
  for (const record of records) {
    const sequence = (await pipeline.client.decodeAvro('sequences', record.value!)) as Sequence;
    latest.set(`${sequence.entity}@${sequence.end}`, sequence);
  }
  return [...latest.values()].sort((a, b) => (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : a.end - b.end));
}

/** The last report of every source's window: each revises the one before. */
export async function latestReports(pipeline: PipelineFixture): Promise<Record<string, QualityReport>> {
  const records = (await pipeline.client.readAll(pipeline.t.quality)).sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  const latest: Record<string, QualityReport> = {};
  for (const record of records) latest[record.key!] = (await pipeline.client.decodeAvro('quality', record.value!)) as QualityReport;
  return latest;
}

/** What every report must count, from what validate and clean wrote. */
export async function countsFromTopics(pipeline: PipelineFixture): Promise<Record<string, Partial<QualityReport>>> {
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
