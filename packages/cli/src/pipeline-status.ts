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

const sum = (samples: MetricSample[], name: string, keep: (labels: Record<string, string>) => boolean = () => true) =>
  samples.filter((s) => s.name === name && keep(s.labels)).reduce((total, s) => total + s.value, 0);

/** Counts a stage passes on; the quality figures and feature's weather side input are internal. */
const passedOn = (labels: Record<string, string>) => !/\.(quality\.parts|weather)$/.test(labels.topic ?? '');

/** The pipeline's status from a scrape and, for rates, the one before it. */
export function pipelineStatus(current: Scrape, previous: Scrape | null): PipelineStatus {
  const seconds = previous ? (current.atMs - previous.atMs) / 1000 : 0;
  const stages: StageStatus[] = [];
  const deadLetters: PipelineStatus['deadLetters'] = [];
  for (const [stage, samples] of current.byStage) {
    const before = previous?.byStage.get(stage) ?? null;
    const recordsIn = samples ? sum(samples, 'gridstream_records_in_total') : 0;
    const recordsOut = samples ? sum(samples, 'gridstream_records_out_total', passedOn) : 0;
    const rate = (now: number, name: string, keep?: (labels: Record<string, string>) => boolean) =>
      samples && before && seconds > 0 ? Math.max(0, now - sum(before, name, keep)) / seconds : null;
    const eventLags = (samples ?? []).filter((s) => s.name === 'gridstream_event_time_lag_seconds').map((s) => s.value);
    stages.push({
      stage,
      up: samples !== null,
      recordsIn,
      recordsOut,
      inPerS: rate(recordsIn, 'gridstream_records_in_total'),
      outPerS: rate(recordsOut, 'gridstream_records_out_total', passedOn),
      lag: samples ? sum(samples, 'gridstream_consumer_lag_records') : 0,
      eventTimeLagS: eventLags.length > 0 ? Math.max(...eventLags) : null,
    });
    for (const s of samples ?? []) {
      if (s.name === 'gridstream_dlq_records_total' && s.value > 0) deadLetters.push({ stage, reason: s.labels.reason ?? '', count: s.value });
    }
  }
  return { stages, deadLetters, endToEnd: endToEndLatency(current.byStage.get('redis-sink') ?? null, previous?.byStage.get('redis-sink') ?? null) };
}

function endToEndLatency(samples: MetricSample[] | null, before: MetricSample[] | null): PipelineStatus['endToEnd'] {
  const buckets = (of: MetricSample[] | null) =>
    new Map((of ?? []).filter((s) => s.name === 'gridstream_end_to_end_latency_seconds_bucket').map((s) => [Number(s.labels.le === '+Inf' ? Infinity : s.labels.le), s.value]));
  const now = buckets(samples);
  const then = buckets(before);
  const total = (now.get(Infinity) ?? 0) - (then.get(Infinity) ?? 0);
  // Nothing new since the last scrape: show every record so far rather than nothing.
  const delta = [...now].map(([le, count]) => ({ le, count: total > 0 ? count - (then.get(le) ?? 0) : count })).sort((a, b) => a.le - b.le);
  const count = delta.at(-1)?.count ?? 0;
  if (count === 0) return null;
  return { count, p50S: histogramQuantile(delta, 0.5), p99S: histogramQuantile(delta, 0.99) };
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
