import { describe, expect, it } from 'vitest';
import { histogramQuantile, parseMetricsText, pipelineStatus, type Scrape } from './pipeline-status.js';

const clean = (recordsIn: number, lag: number) => `# HELP gridstream_records_in_total Records read
# TYPE gridstream_records_in_total counter
gridstream_records_in_total{stage="clean"} ${recordsIn}
gridstream_records_out_total{stage="clean",topic="p.clean"} ${recordsIn - 10}
gridstream_records_out_total{stage="clean",topic="p.quality.parts"} 7
gridstream_consumer_lag_records{stage="clean",partition="0"} ${lag}
gridstream_consumer_lag_records{stage="clean",partition="1"} 1
gridstream_event_time_lag_seconds{stage="clean",partition="0"} 30
gridstream_event_time_lag_seconds{stage="clean",partition="1"} 90.5
gridstream_dlq_records_total{stage="clean",reason="late"} 4
gridstream_dlq_records_total{stage="clean",reason="with \\"quotes\\""} 0
`;
const sink = (counts: number[]) =>
  [0.1, 0.5, 1, Infinity].map((le, i) => `gridstream_end_to_end_latency_seconds_bucket{le="${le === Infinity ? '+Inf' : le}",stage="redis-sink"} ${counts[i]}`).join('\n');

function scrape(atMs: number, byStage: Record<string, string | null>): Scrape {
  return { atMs, byStage: new Map(Object.entries(byStage).map(([stage, text]) => [stage, text === null ? null : parseMetricsText(text)])) };
}

describe('pipeline status from /metrics', () => {
  it('parses labels with escaped quotes and skips comments', () => {
    const samples = parseMetricsText(clean(100, 0));
    expect(samples).toHaveLength(9);
    expect(samples.at(-1)).toEqual({ name: 'gridstream_dlq_records_total', labels: { stage: 'clean', reason: 'with "quotes"' }, value: 0 });
  });

  it('gives rates between two scrapes, passed-on records only, summed lag, the worst event-time lag and dead letters by reason', () => {
    const first = scrape(0, { clean: clean(100, 5), window: null });
    const second = scrape(2_000, { clean: clean(300, 2), window: null });
    expect(pipelineStatus(first, null).stages[0]).toMatchObject({ inPerS: null, recordsIn: 100, recordsOut: 90 });
    const status = pipelineStatus(second, first);
    expect(status.stages).toEqual([
      { stage: 'clean', up: true, recordsIn: 300, recordsOut: 290, inPerS: 100, outPerS: 100, lag: 3, eventTimeLagS: 90.5 },
      { stage: 'window', up: false, recordsIn: 0, recordsOut: 0, inPerS: null, outPerS: null, lag: 0, eventTimeLagS: null },
    ]);
    expect(status.deadLetters).toEqual([{ stage: 'clean', reason: 'late', count: 4 }]);
  });

  it('reads a counter that went down as a restarted service counting from 0, as Prometheus does', () => {
    const before = scrape(0, { clean: clean(300, 0) });
    const afterRestart = scrape(1_000, { clean: clean(40, 0) });
    expect(pipelineStatus(afterRestart, before).stages[0]).toMatchObject({ inPerS: 40, outPerS: 30 });
  });

  it('takes end-to-end latency over the records since the previous scrape', () => {
    const first = scrape(0, { 'redis-sink': sink([10, 10, 10, 10]) });
    const second = scrape(1_000, { 'redis-sink': sink([10, 10, 110, 110]) });
    expect(pipelineStatus(first, null).endToEnd).toEqual({ count: 10, p50S: 0.05, p99S: 0.099 });
    const { endToEnd } = pipelineStatus(second, first);
    expect(endToEnd!.count).toBe(100);
    expect(endToEnd!.p50S).toBeCloseTo(0.75);
    // Nothing new: every record so far.
    expect(pipelineStatus(second, second).endToEnd!.count).toBe(110);
  });

  it('interpolates quantiles within buckets like histogram_quantile', () => {
    const buckets = [
      { le: 1, count: 0 },
      { le: 2, count: 50 },
      { le: Infinity, count: 100 },
    ];
    expect(histogramQuantile(buckets, 0.25)).toBe(1.5);
    expect(histogramQuantile(buckets, 0.99)).toBe(2);
    expect(histogramQuantile([], 0.5)).toBeNaN();
  });
});
