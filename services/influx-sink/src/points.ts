import { Point } from '@influxdata/influxdb-client';
import type { SinkRecord } from '@gridstream/runtime';
import type { CleanMeasurement, FeatureVector, Gap, QualityReport } from '@gridstream/schemas';

/**
 * The InfluxDB points of a record, tagged by pipeline (the topic prefix), source and entity, at its
 * event time in milliseconds. A point is identified by (measurement, tags, time), so writing a
 * record again replaces its point: replays overwrite instead of doubling. NaN is not a value
 * InfluxDB stores; such fields are left out.
 */
export function pointsOf(record: SinkRecord, pipeline: string): Point[] {
  switch (record.topic) {
    case 'clean': {
      const m = record.value as CleanMeasurement;
      const point = new Point('clean').tag('pipeline', pipeline).tag('source', m.source).tag('entity', m.entity).timestamp(m.ts);
      for (const [name, value] of Object.entries(m.values)) if (Number.isFinite(value)) point.floatField(name, value);
      point.intField('resampled_from', m.resampledFrom).stringField('imputed', m.imputed.join(',')).stringField('outliers', m.outliers.join(','));
      return [point];
    }
    case 'features': {
      const v = record.value as FeatureVector;
      const point = new Point('features').tag('pipeline', pipeline).tag('source', v.featureSet.name).tag('entity', v.entity).tag('feature_set_version', String(v.featureSet.version)).timestamp(v.ts);
      v.names.forEach((name, i) => {
        if (Number.isFinite(v.values[i])) point.floatField(name, v.values[i]!);
      });
      return [point.booleanField('imputed', v.imputed)];
    }
    case 'gaps': {
      const g = record.value as Gap;
      const point = new Point('gaps').tag('pipeline', pipeline).tag('source', g.source).tag('entity', g.entity).timestamp(g.start);
      return [point.intField('missing_steps', g.missingSteps).intField('imputed_steps', g.imputedSteps).intField('end_ms', g.end).intField('step_ms', g.stepMs)];
    }
    case 'quality': {
      const q = record.value as QualityReport;
      const point = new Point('quality').tag('pipeline', pipeline).tag('source', q.source).timestamp(q.windowStart);
      const { source: _source, windowStart: _start, ...fields } = q;
      for (const [name, value] of Object.entries(fields)) if (Number.isFinite(value)) point.floatField(name, value);
      return [point];
    }
    default:
      return [];
  }
}
