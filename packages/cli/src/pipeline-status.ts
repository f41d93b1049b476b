// The pipeline's state as its services' /metrics tell it: records per second in and out, lag,
// dead letters by reason and end-to-end latency. The demo's terminal view and `gridstream view`
// both show this, from two scrapes a few seconds apart.

/** One sample of a Prometheus text exposition. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (what prom-client serves); comments and blank lines are skipped. */
export function parseMetricsText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    const nameEnd = brace === -1 ? line.indexOf(' ') : brace;
    const labels: Record<string, string> = {};
    if (brace !== -1) {
      const body = line.slice(brace + 1, line.lastIndexOf('}'));
      for (const match of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: line.slice(0, nameEnd), labels, value: Number(line.slice(space + 1)) });
  }
  return samples;
}

/** What one scrape of every service returned; a service that did not answer has no samples. */
export interface Scrape {
  atMs: number;
  byStage: Map<string, MetricSample[] | null>;
}

/** Fetches every service's /metrics at once; one that does not answer within 2 s counts as down. */
export async function scrapeServices(endpoints: ReadonlyArray<{ stage: string; url: string }>): Promise<Scrape> {
  const atMs = Date.now();
  const results = await Promise.all(
    endpoints.map(async ({ stage, url }) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        return [stage, response.ok ? parseMetricsText(await response.text()) : null] as const;
      } catch {
        return [stage, null] as const;
      }
    }),
  );
  return { atMs, byStage: new Map(results) };
}

export interface StageStatus {
  stage: string;
  up: boolean;
  recordsIn: number;
  recordsOut: number;
  /** Per second since the previous scrape; null on the first. */
  inPerS: number | null;
  outPerS: number | null;
  /** Records behind the ends of its input partitions. */
  lag: number;
  /** The largest wall-clock-minus-event-time over its partitions, seconds; null before any record. */
  eventTimeLagS: number | null;
}

export interface PipelineStatus {
  stages: StageStatus[];
  deadLetters: Array<{ stage: string; reason: string; count: number }>;
  /** From ingest to the Redis sink's acknowledgement, over the records since the previous scrape (all so far on the first). */
  endToEnd: { count: number; p50S: number; p99S: number } | null;
}

export type Labels = Record<string, string>;

/** Sums a metric's samples by a key of their labels (Prometheus' `sum by`); a null key leaves the sample out. */
export function sumBy(samples: MetricSample[], name: string, keyOf: (labels: Labels) => string | null): Map<string, number> {
  const sums = new Map<string, number>();
  for (const s of samples) {
    const key = s.name === name ? keyOf(s.labels) : null;
    if (key !== null) sums.set(key, (sums.get(key) ?? 0) + s.value);
  }
  return sums;
}

/**
 * How much each counter grew from one scrape to the next, by key, summed over the endpoints that
 * answered both times. A counter lower than before belongs to a restarted service and grew from 0,
 * as Prometheus' rate reads a reset; so did a key new in the later scrape (prom-client shows a
 * labelled series from its first increment on).
 */
export function increases(before: Scrape, now: Scrape, name: string, keyOf: (labels: Labels) => string | null): Map<string, number> {
  const total = new Map<string, number>();
  for (const [endpoint, samples] of now.byStage) {
    const earlier = before.byStage.get(endpoint);
    if (!samples || !earlier) continue;
    const then = sumBy(earlier, name, keyOf);
    for (const [key, value] of sumBy(samples, name, keyOf)) {
      const was = then.get(key) ?? 0;
      total.set(key, (total.get(key) ?? 0) + (value >= was ? value - was : value));
    }
  }
  return total;
}

/** Counts a stage passes on; the quality figures and feature's weather side input are internal. */
const passedOn = (labels: Labels) => (/\.(quality\.parts|weather)$/.test(labels.topic ?? '') ? null : (labels.stage ?? null));
const byStage = (labels: Labels) => labels.stage ?? null;

/** The pipeline's status from a scrape and, for rates, the one before it. */
export function pipelineStatus(current: Scrape, previous: Scrape | null): PipelineStatus {
  const seconds = previous ? (current.atMs - previous.atMs) / 1000 : 0;
  const rates = (name: string, keyOf: (labels: Labels) => string | null) => (previous && seconds > 0 ? increases(previous, current, name, keyOf) : null);
  const inRates = rates('gridstream_records_in_total', byStage);
  const outRates = rates('gridstream_records_out_total', passedOn);
  const stages: StageStatus[] = [];
  const deadLetters: PipelineStatus['deadLetters'] = [];
  for (const [stage, samples] of current.byStage) {
    const answered = samples !== null && (previous?.byStage.get(stage) ?? null) !== null;
    const eventLags = (samples ?? []).filter((s) => s.name === 'gridstream_event_time_lag_seconds').map((s) => s.value);
    stages.push({
      stage,
      up: samples !== null,
      recordsIn: sumBy(samples ?? [], 'gridstream_records_in_total', byStage).get(stage) ?? 0,
      recordsOut: sumBy(samples ?? [], 'gridstream_records_out_total', passedOn).get(stage) ?? 0,
      inPerS: inRates && answered ? (inRates.get(stage) ?? 0) / seconds : null,
      outPerS: outRates && answered ? (outRates.get(stage) ?? 0) / seconds : null,
      lag: sumBy(samples ?? [], 'gridstream_consumer_lag_records', byStage).get(stage) ?? 0,
      eventTimeLagS: eventLags.length > 0 ? Math.max(...eventLags) : null,
    });
    for (const s of samples ?? []) {
      if (s.name === 'gridstream_dlq_records_total' && s.value > 0) deadLetters.push({ stage, reason: s.labels.reason ?? '', count: s.value });
    }
  }
  return { stages, deadLetters, endToEnd: endToEndLatency(current, previous) };
}

/** Over the records since the previous scrape (a restarted sink's counts grow from 0), or all so far when none came. */
function endToEndLatency(current: Scrape, previous: Scrape | null): PipelineStatus['endToEnd'] {
  const name = 'gridstream_end_to_end_latency_seconds_bucket';
  const byLe = (labels: Labels) => labels.le ?? null;
  const recent = previous ? increases(previous, current, name, byLe) : new Map<string, number>();
  const counts = (recent.get('+Inf') ?? 0) > 0 ? recent : sumBy([...current.byStage.values()].flatMap((s) => s ?? []), name, byLe);
  const buckets = [...counts].map(([le, count]) => ({ le: le === '+Inf' ? Infinity : Number(le), count })).sort((a, b) => a.le - b.le);
  const count = buckets.at(-1)?.count ?? 0;
  if (count === 0) return null;
  return { count, p50S: histogramQuantile(buckets, 0.5), p99S: histogramQuantile(buckets, 0.99) };
}

/**
 * A quantile of cumulative histogram buckets, interpolated linearly within the bucket as
 * Prometheus' histogram_quantile does; the top bucket's lower bound when it falls in +Inf.
 */
export function histogramQuantile(buckets: ReadonlyArray<{ le: number; count: number }>, q: number): number {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (le === Infinity) return lowerLe;
      return lowerLe + ((le - lowerLe) * (rank - lowerCount)) / Math.max(count - lowerCount, Number.MIN_VALUE);
    }
    lowerLe = le;
    lowerCount = count;
  }
  return lowerLe;
}
