import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { stageMetrics } from '../../packages/runtime/src/metrics.js';
import { allPanels, dashboardPanels, fluxFor, promMetricNames } from './dashboards.js';

const grafana = join(import.meta.dirname, '..', '..', 'deploy', 'grafana');
const dashboardFiles = readdirSync(join(grafana, 'dashboards')).filter((name) => name.endsWith('.json'));
const dashboards = dashboardFiles.map((file) => ({ file, json: JSON.parse(readFileSync(join(grafana, 'dashboards', file), 'utf8')) }));
const datasources = (parse(readFileSync(join(grafana, 'provisioning', 'datasources', 'gridstream.yaml'), 'utf8')) as { datasources: Array<{ uid: string; type: string; url: string }> }).datasources;
const queries = dashboardPanels();

describe('Grafana provisioning', () => {
  it('provisions InfluxDB (Flux) and Prometheus at their compose service names', () => {
    expect(datasources.map(({ uid, type, url }) => ({ uid, type, url }))).toEqual([
      { uid: 'gridstream-influxdb', type: 'influxdb', url: 'http://influxdb:8086' },
      { uid: 'gridstream-prometheus', type: 'prometheus', url: 'http://prometheus:9090' },
    ]);
    expect(datasources[0]).toMatchObject({ jsonData: { version: 'Flux', organization: 'gridstream', defaultBucket: 'gridstream' }, secureJsonData: { token: '$INFLUX_TOKEN' } });
  });

  it('loads the dashboards from the folder compose mounts them at', () => {
    const providers = (parse(readFileSync(join(grafana, 'provisioning', 'dashboards', 'gridstream.yaml'), 'utf8')) as { providers: Array<{ type: string; options: { path: string } }> }).providers;
    expect(providers.map((p) => [p.type, p.options.path])).toEqual([['file', '/var/lib/grafana/dashboards']]);
  });

  it('has the energy, quality and pipeline dashboards, each with its own uid', () => {
    expect(dashboardFiles.sort()).toEqual(['energy.json', 'pipeline.json', 'quality.json']);
    const uids = dashboards.map((d) => d.json.uid);
    expect(new Set(uids).size).toBe(3);
  });

  it('gives every panel an id and a title unique in its dashboard', () => {
    for (const { file, json } of dashboards) {
      const panels = allPanels(json.panels);
      expect(new Set(panels.map((panel) => panel.id)).size, file).toBe(panels.length);
      expect(new Set(panels.map((panel) => panel.title)).size, file).toBe(panels.length);
    }
  });

  it('gives every panel that is not a row a query', () => {
    for (const { file, json } of dashboards) {
      const withoutQuery = allPanels(json.panels).filter((panel) => panel.type !== 'row' && !(panel.targets?.length));
      expect(withoutQuery.map((panel) => panel.title), file).toEqual([]);
    }
  });

  it('queries only the provisioned datasources, by uid and type', () => {
    const provisioned = new Set(datasources.map((d) => `${d.type}/${d.uid}`));
    const unknown = queries.filter((q) => !provisioned.has(`${q.datasource.type}/${q.datasource.uid}`));
    expect(unknown.map((q) => `${q.dashboard} ${q.title}`)).toEqual([]);
  });

  it('reads only metrics the runtime exposes (its own and the default process metrics)', async () => {
    const exposed = new Set((await stageMetrics().registry.getMetricsAsJSON()).map((metric) => metric.name));
    const read = queries.filter((q) => q.datasource.type === 'prometheus').flatMap((q) => promMetricNames(q.query));
    expect(read.length).toBeGreaterThan(10);
    expect(read.filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('uses no Grafana variables in Flux but ${bucket}, ${pipeline} and the v.* time range and window', () => {
    const flux = queries.filter((q) => q.datasource.type === 'influxdb');
    expect(flux.length).toBeGreaterThan(20);
    for (const q of flux) {
      const substituted = fluxFor(q.query, { bucket: 'b', pipeline: 'p', start: new Date(0), stop: new Date(3_600_000) });
      expect(substituted.match(/\$\{?\w+|\bv\.\w+/g), `${q.dashboard} ${q.title}`).toBeNull();
    }
  });

  it('keeps every Flux panel to the chosen bucket and pipeline', () => {
    const panels = queries.filter((q) => q.datasource.type === 'influxdb' && q.panelId !== undefined);
    for (const q of panels) {
      expect(q.query, `${q.dashboard} ${q.title}`).toContain('from(bucket: "${bucket}")');
      expect(q.query, `${q.dashboard} ${q.title}`).toContain('|> range(start: v.timeRangeStart, stop: v.timeRangeStop)');
      expect(q.query, `${q.dashboard} ${q.title}`).toContain('r.pipeline == "${pipeline}"');
    }
  });

  it('defines bucket before pipeline (pipeline lists the bucket\'s pipeline tags) on the InfluxDB dashboards', () => {
    for (const { file, json } of dashboards.filter((d) => d.file !== 'pipeline.json')) {
      expect(json.templating.list.map((v: { name: string; type: string }) => [v.name, v.type]), file).toEqual([
        ['bucket', 'textbox'],
        ['pipeline', 'query'],
      ]);
    }
  });
});

describe('fluxFor', () => {
  it('puts in the time range, window, bucket and pipeline as Grafana does', () => {
    const query = 'from(bucket: "${bucket}") |> range(start: v.timeRangeStart, stop: v.timeRangeStop) |> filter(fn: (r) => r.pipeline == "${pipeline}") |> aggregateWindow(every: v.windowPeriod, fn: mean)';
    const settings = { bucket: 'gridstream', pipeline: 'demo-1', start: new Date('2026-01-01T00:00:00Z'), stop: new Date('2026-01-02T00:00:00Z') };
    expect(fluxFor(query, settings)).toBe(
      'from(bucket: "gridstream") |> range(start: 2026-01-01T00:00:00.000Z, stop: 2026-01-02T00:00:00.000Z) |> filter(fn: (r) => r.pipeline == "demo-1") |> aggregateWindow(every: 86400ms, fn: mean)',
    );
    expect(fluxFor('every: v.windowPeriod', { ...settings, windowPeriod: '15m' })).toBe('every: 15m');
    expect(fluxFor('every: v.windowPeriod', { ...settings, windowPeriod: 60_000 })).toBe('every: 60000ms');
  });
});

describe('promMetricNames', () => {
  it('finds metric names, not functions, labels, keywords or Grafana variables', () => {
    expect(promMetricNames('sum by (stage, topic) (rate(gridstream_records_out_total{stage=~"$stage"}[$__rate_interval]))')).toEqual(['gridstream_records_out_total']);
    expect(promMetricNames('time() - max by (source) (gridstream_source_event_time_seconds)')).toEqual(['gridstream_source_event_time_seconds']);
    expect(promMetricNames('a_total / on (stage) group_left (x) b_total > bool 0 or c offset 5m')).toEqual(['a_total', 'b_total', 'c']);
    expect(promMetricNames('label_values(gridstream_records_in_total, stage)')).toEqual(['gridstream_records_in_total']);
  });

  it('names a histogram by its family, whichever of its series the query reads', () => {
    expect(
      promMetricNames('histogram_quantile(0.99, sum by (le) (rate(x_seconds_bucket[5m]))) + rate(x_seconds_sum[5m]) / rate(x_seconds_count[5m])'),
    ).toEqual(['x_seconds']);
  });
});
