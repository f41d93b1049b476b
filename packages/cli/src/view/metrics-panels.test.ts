import { describe, expect, it } from 'vitest';
import { parseMetricsText, type Scrape } from '../pipeline-status.js';
import { endpointStates, metricsPanels } from './metrics-panels.js';
import type { Panel } from './panel.js';

const validate = (recordsIn: number, latencyCounts: [number, number, number] = [0, 0, 0]) => `# HELP gridstream_records_in_total Records read from the input topic
# TYPE gridstream_records_in_total counter
gridstream_records_in_total{stage="validate"} ${recordsIn}
gridstream_records_out_total{stage="validate",topic="p.valid"} ${recordsIn - 2}
gridstream_dlq_records_total{stage="validate",reason="undecodable"} 2
gridstream_dlq_records_total{stage="validate",reason="invalid"} 0
gridstream_consumer_lag_records{stage="validate",partition="0"} 3
gridstream_consumer_lag_records{stage="validate",partition="1"} 4
gridstream_record_latency_seconds_bucket{le="0.1",stage="validate"} ${latencyCounts[0]}
gridstream_record_latency_seconds_bucket{le="1",stage="validate"} ${latencyCounts[1]}
gridstream_record_latency_seconds_bucket{le="+Inf",stage="validate"} ${latencyCounts[2]}
process_cpu_seconds_total 1.5
`;
const clean = (recordsIn: number) => `gridstream_records_in_total{stage="clean"} ${recordsIn}
gridstream_consumer_lag_records{stage="clean",partition="0"} 0
`;

/** A scrape of two endpoints, one serving validate and one clean; null is an endpoint that did not answer. */
function scrape(atMs: number, validateText: string | null, cleanText: string | null): Scrape {
  return { atMs, byStage: new Map([['127.0.0.1:1', validateText === null ? null : parseMetricsText(validateText)], ['127.0.0.1:2', cleanText === null ? null : parseMetricsText(cleanText)]]) };
}

const panel = (panels: Panel[], title: string) => {
  const found = panels.find((p) => p.title.startsWith(title));
  if (!found) throw new Error(`no panel ${title}`);
  return found;
};
const seriesOf = (panels: Panel[], title: string) => {
  const found = panel(panels, title);
  return 'series' in found ? Object.fromEntries(found.series.map((s) => [s.name, s.points.map(([, v]) => v)])) : {};
};

describe('pipeline panels from /metrics scrapes', () => {
  it('gives records per second between consecutive scrapes by stage label, counting a reset from 0 and a down endpoint as no point', () => {
    const history = [
      scrape(0, validate(100), clean(10)),
      scrape(2_000, validate(300), clean(10)),
      scrape(4_000, validate(50), null), // validate restarted; clean did not answer
      scrape(6_000, validate(60), clean(40)),
    ];
    const panels = metricsPanels(history);
    expect(seriesOf(panels, 'Records in per stage')).toEqual({ clean: [null, 0, null, null], validate: [null, 100, 25, 5] });
    expect(seriesOf(panels, 'Records out per stage and topic')).toEqual({ 'validate → p.valid': [null, 100, 24, 5] });
    expect(seriesOf(panels, 'Consumer lag')).toEqual({ clean: [0, 0, null, 0], validate: [7, 7, 7, 7] });
  });

  it('counts a labelled series that appeared since the last scrape from 0', () => {
    const before = scrape(0, '# nothing counted yet\n', null);
    const after = scrape(1_000, 'gridstream_records_in_total{stage="validate"} 4\n', null);
    expect(seriesOf(metricsPanels([before, after]), 'Records in per stage')).toEqual({ validate: [null, 4] });
  });

  it('takes latency quantiles over what was observed between scrapes, and no point when nothing was', () => {
    const history = [scrape(0, validate(100, [10, 10, 10]), null), scrape(1_000, validate(200, [10, 110, 110]), null), scrape(2_000, validate(200, [10, 110, 110]), null)];
    const latency = seriesOf(metricsPanels(history), 'Per-stage latency');
    expect(latency['validate p50']).toEqual([null, 0.55, null]);
    expect(latency['validate p99']![1]).toBeCloseTo(0.991);
    expect(seriesOf(metricsPanels(history), 'End to end')).toEqual({});
  });

  it('lists dead letters by stage and reason from the latest scrape, leaving out zeros', () => {
    const dlq = panel(metricsPanels([scrape(0, validate(1), clean(1))]), 'Dead letters');
    expect(dlq).toMatchObject({ kind: 'stat', values: [{ name: 'validate undecodable', value: 2 }] });
  });

  it('says which endpoints answered and the stages they serve', () => {
    expect(endpointStates(scrape(0, validate(1), null))).toEqual([
      { address: '127.0.0.1:1', up: true, stages: ['validate'] },
      { address: '127.0.0.1:2', up: false, stages: [] },
    ]);
  });
});
