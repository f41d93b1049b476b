import { describe, expect, it } from 'vitest';
import type { CleanMeasurement, FeatureVector, Gap, QualityReport } from '@gridstream/schemas';
import { linesOf } from './lines.js';

const ts = Date.UTC(2026, 0, 1);

describe('linesOf', () => {
  it('writes a clean measurement as one line: tags in key order, floats, an integer and quoted strings, at its ts in ms', () => {
    const m: CleanMeasurement = {
      source: 'meter', entity: 'meter:M-1', ts, values: { load: 1.5, voltage: 230 }, units: {}, tags: {}, eventId: 'e', ingestedAt: ts,
      imputed: ['load'], outliers: [], convertedFrom: {}, resampledFrom: 3,
    };
    expect(linesOf({ topic: 'clean', key: m.entity, value: m }, 'p1')).toEqual([
      `clean,entity=meter:M-1,pipeline=p1,source=meter load=1.5,voltage=230,resampled_from=3i,imputed="load",outliers="" ${ts}`,
    ]);
  });

  it('escapes what line protocol needs escaped, leaves out NaN and empty tags, and writes no line without fields', () => {
    const v: FeatureVector = {
      entity: 'site A,1', ts, featureSet: { name: 'x=y', version: 2 }, names: ['a b', 'gone', 'c,d'], values: [1e21, Number.NaN, -0.25], imputed: true, ingestedAt: null,
    };
    expect(linesOf({ topic: 'features', key: v.entity, value: v }, '')).toEqual([
      `features,entity=site\\ A\\,1,feature_set_version=2,source=x\\=y a\\ b=1e+21,c\\,d=-0.25,imputed=T ${ts}`,
    ]);
    const q = { source: 'meter', windowStart: ts, completeness: Number.NaN } as unknown as QualityReport;
    expect(linesOf({ topic: 'quality', key: null, value: q }, 'p')).toEqual([]);
    const m = { source: 'tep', entity: 'tep:1', ts, values: {}, imputed: ['a"b\\c'], outliers: [], resampledFrom: 1 } as unknown as CleanMeasurement;
    expect(linesOf({ topic: 'clean', key: null, value: m }, 'p\nq')[0]).toBe(`clean,entity=tep:1,pipeline=p\\nq,source=tep resampled_from=1i,imputed="a\\"b\\\\c",outliers="" ${ts}`);
  });

  it('writes gaps at their start with integer fields, and nothing for topics InfluxDB does not hold', () => {
    const g: Gap = { source: 'meter', entity: 'meter:M-1', start: ts, end: ts + 900_000, stepMs: 900_000, missingSteps: 1, imputedSteps: 1 } as Gap;
    expect(linesOf({ topic: 'gaps', key: g.entity, value: g }, 'p')).toEqual([
      `gaps,entity=meter:M-1,pipeline=p,source=meter missing_steps=1i,imputed_steps=1i,end_ms=${ts + 900_000}i,step_ms=900000i ${ts}`,
    ]);
    expect(linesOf({ topic: 'sequences', key: 'e', value: {} }, 'p')).toEqual([]);
  });
});
