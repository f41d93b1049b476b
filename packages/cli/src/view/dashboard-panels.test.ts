import { describe, expect, it } from 'vitest';
import { fluxFor, readDashboard, reduceSeries, seriesOf, windowMsFor } from './dashboard-panels.js';

describe('the dashboards\' Flux panels', () => {
  it('puts in the time range, window, bucket and pipeline as Grafana does', () => {
    const query = 'from(bucket: "${bucket}") |> range(start: v.timeRangeStart, stop: v.timeRangeStop) |> filter(fn: (r) => r.pipeline == "${pipeline}") |> aggregateWindow(every: v.windowPeriod, fn: mean)';
    const settings = { bucket: 'grid"stream', pipeline: 'demo-1', startMs: Date.UTC(2026, 0, 1), stopMs: Date.UTC(2026, 0, 2), windowMs: 300_000 };
    expect(fluxFor(query, settings)).toBe(
      'from(bucket: "grid\\"stream") |> range(start: 2026-01-01T00:00:00.000Z, stop: 2026-01-02T00:00:00.000Z) |> filter(fn: (r) => r.pipeline == "demo-1") |> aggregateWindow(every: 300000ms, fn: mean)',
    );
  });

  it('picks a round window giving at most about 500 points', () => {
    expect(windowMsFor(0, 86_400_000)).toBe(300_000); // a day: 5 min (172.8 s wanted)
    expect(windowMsFor(0, 60_000)).toBe(1_000);
    expect(windowMsFor(0, 2 * 365 * 86_400_000)).toBe(2 * 86_400_000);
  });

  it('makes a series of each Flux table, named by the display-name template or by field and tags', () => {
    const rows = [
      { result: '_result', table: 0, _start: 's', _stop: 's', _time: '2026-01-01T01:00:00Z', _value: 1.5, _field: 'demand', _measurement: 'clean', entity: 'eia:A' },
      { result: '_result', table: 0, _start: 's', _stop: 's', _time: '2026-01-01T02:00:00Z', _value: Number.NaN, _field: 'demand', _measurement: 'clean', entity: 'eia:A' },
      { result: '_result', table: 1, _start: 's', _stop: 's', _time: '2026-01-01T01:00:00Z', _value: 2, _field: 'forecast', _measurement: 'clean', entity: 'eia:A' },
    ];
    expect(seriesOf(rows, '${__field.labels.entity} ${__field.name}')).toEqual([
      { name: 'eia:A demand', points: [[Date.UTC(2026, 0, 1, 1), 1.5]] },
      { name: 'eia:A forecast', points: [[Date.UTC(2026, 0, 1, 1), 2]] },
    ]);
    expect(seriesOf(rows, undefined).map((s) => s.name)).toEqual(['demand eia:A', 'forecast eia:A']);
  });

  it('reduces a series for a stat panel as its calcs say', () => {
    const series = { name: 'meter', points: [[1, 1], [2, 3], [3, null]] as Array<[number, number | null]> };
    expect([reduceSeries(series, 'mean'), reduceSeries(series, 'sum'), reduceSeries(series, 'max'), reduceSeries(series, 'lastNotNull')]).toEqual([2, 4, 3, 3]);
  });

  it('reads the Flux panels of deploy/grafana/dashboards under their rows, with how to draw each', () => {
    const energy = readDashboard('energy');
    const quality = readDashboard('quality');
    expect(energy.length).toBeGreaterThan(5);
    for (const panel of [...energy, ...quality]) {
      expect(panel.row, panel.title).not.toBe('');
      expect(panel.fluxes.join(), panel.title).toContain('${pipeline}');
    }
    expect(new Set(energy.map((p) => p.kind))).toEqual(new Set(['line', 'area']));
    expect(new Set(quality.map((p) => p.kind))).toEqual(new Set(['stat', 'line', 'bars', 'table']));
  });
});
