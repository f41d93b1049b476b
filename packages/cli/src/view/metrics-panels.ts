// The pipeline panels from the services' own /metrics instead of Prometheus: a history of scrapes
// a few seconds apart, with rates and latency quantiles taken between consecutive scrapes.
import { histogramQuantile, increases, sumBy, type Labels, type Scrape } from '../pipeline-status.js';
import type { Panel, Series } from './panel.js';

/** One series per key seen anywhere in the history, a point per scrape, null where the key had no value. */
function seriesOver(history: readonly Scrape[], valuesAt: (index: number) => Map<string, number>): Series[] {
  const values = history.map((_, i) => valuesAt(i));
  const keys = [...new Set(values.flatMap((byKey) => [...byKey.keys()]))].sort();
  return keys.map((name) => ({ name, points: history.map((scrape, i): [number, number | null] => [scrape.atMs, values[i]!.get(name) ?? null]) }));
}

const all = (scrape: Scrape) => [...scrape.byStage.values()].flatMap((samples) => samples ?? []);
const byStage = (labels: Labels) => labels.stage ?? null;

/** Per-second rates of a counter between consecutive scrapes (none for the first). */
function rateSeries(history: readonly Scrape[], name: string, keyOf: (labels: Labels) => string | null): Series[] {
  return seriesOver(history, (i) => {
    if (i === 0) return new Map();
    const seconds = (history[i]!.atMs - history[i - 1]!.atMs) / 1000;
    return new Map([...increases(history[i - 1]!, history[i]!, name, keyOf)].map(([key, increase]) => [key, increase / seconds]));
  });
}

/**
 * p50 and p99 per stage of a histogram over the records observed between consecutive scrapes,
 * interpolated within buckets as Prometheus' histogram_quantile does; no point where a stage
 * observed nothing new.
 */
function quantileSeries(history: readonly Scrape[], histogram: string): Series[] {
  return seriesOver(history, (i) => {
    const quantiles = new Map<string, number>();
    if (i === 0) return quantiles;
    const counts = increases(history[i - 1]!, history[i]!, `${histogram}_bucket`, (labels) => (labels.stage === undefined || labels.le === undefined ? null : `${labels.stage}\t${labels.le}`));
    const bucketsByStage = new Map<string, Array<{ le: number; count: number }>>();
    for (const [key, count] of counts) {
      const [stage, le] = key.split('\t') as [string, string];
      bucketsByStage.set(stage, [...(bucketsByStage.get(stage) ?? []), { le: le === '+Inf' ? Infinity : Number(le), count }]);
    }
    for (const [stage, buckets] of bucketsByStage) {
      buckets.sort((a, b) => a.le - b.le);
      if ((buckets.at(-1)?.count ?? 0) === 0) continue;
      quantiles.set(`${stage} p50`, histogramQuantile(buckets, 0.5));
      quantiles.set(`${stage} p99`, histogramQuantile(buckets, 0.99));
    }
    return quantiles;
  });
}

/** The pipeline dashboard's main panels from the scrapes so far, oldest first. */
export function metricsPanels(history: readonly Scrape[]): Panel[] {
  const latest = history.at(-1);
  const deadLetters = latest ? sumBy(all(latest), 'gridstream_dlq_records_total', (labels) => `${labels.stage} ${labels.reason}`) : new Map<string, number>();
  return [
    { row: 'Throughput', title: 'Records in per stage', unit: 'records/s', kind: 'line', series: rateSeries(history, 'gridstream_records_in_total', byStage) },
    { row: 'Throughput', title: 'Records out per stage and topic', unit: 'records/s', kind: 'line', series: rateSeries(history, 'gridstream_records_out_total', (labels) => `${labels.stage} → ${labels.topic}`) },
    {
      row: 'Throughput',
      title: 'Dead letters by stage and reason (since each service started)',
      unit: '',
      kind: 'stat',
      values: [...deadLetters].filter(([, count]) => count > 0).map(([name, value]) => ({ name, value })),
    },
    { row: 'Lag', title: 'Consumer lag (records behind the end of the input)', unit: 'records', kind: 'line', series: seriesOver(history, (i) => sumBy(all(history[i]!), 'gridstream_consumer_lag_records', byStage)) },
    { row: 'Latency', title: 'Per-stage latency: input topic to commit, p50 and p99', unit: 's', kind: 'line', series: quantileSeries(history, 'gridstream_record_latency_seconds') },
    { row: 'Latency', title: "End to end: ingest to the sink's store acknowledging, p50 and p99", unit: 's', kind: 'line', series: quantileSeries(history, 'gridstream_end_to_end_latency_seconds') },
  ];
}

/** Which endpoints answered the latest scrape, and the stages they serve. */
export function endpointStates(latest: Scrape | undefined): Array<{ address: string; up: boolean; stages: string[] }> {
  return [...(latest?.byStage ?? [])].map(([address, samples]) => ({
    address,
    up: samples !== null,
    stages: [...new Set((samples ?? []).map((s) => s.labels.stage).filter((stage): stage is string => stage !== undefined))].sort(),
  }));
}
