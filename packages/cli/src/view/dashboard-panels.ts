// The energy and quality panels: the Flux queries of the Grafana dashboards in
// deploy/grafana/dashboards/, run against InfluxDB the way Grafana runs them, so the view and
// Grafana show the same panels.
import { readFileSync } from 'node:fs';
import type { QueryApi } from '@influxdata/influxdb-client';
import type { Panel, Series } from './panel.js';

/** A panel of a Grafana dashboard that queries InfluxDB, with what the view needs to draw it. */
export interface DashboardPanel {
  row: string;
  title: string;
  kind: Panel['kind'];
  /** Its targets' Flux, with Grafana's variables still in. */
  fluxes: string[];
  unit: string;
  /** Grafana's series name template, e.g. `${__field.labels.entity} ${__field.name}`. */
  displayName: string | undefined;
  /** How a stat panel reduces a series to one number: mean, sum, max, min or (else) last. */
  calc: string;
}

interface GrafanaPanel {
  type: string;
  title: string;
  targets?: Array<{ query?: unknown }>;
  fieldConfig?: { defaults?: { unit?: string; displayName?: string; custom?: { drawStyle?: string; stacking?: { mode?: string } } } };
  options?: { reduceOptions?: { calcs?: string[] } };
  /** A collapsed row holds its panels. */
  panels?: GrafanaPanel[];
}

const dashboardsDir = new URL('../../../../deploy/grafana/dashboards/', import.meta.url);

/** The Flux panels of `deploy/grafana/dashboards/<name>.json`, in the dashboard's order. */
export function readDashboard(name: 'energy' | 'quality'): DashboardPanel[] {
  const dashboard = JSON.parse(readFileSync(new URL(`${name}.json`, dashboardsDir), 'utf8')) as { panels: GrafanaPanel[] };
  const panels: DashboardPanel[] = [];
  let row = '';
  const visit = (panel: GrafanaPanel) => {
    if (panel.type === 'row') {
      row = panel.title;
      panel.panels?.forEach(visit);
      return;
    }
    const fluxes = (panel.targets ?? []).map((target) => target.query).filter((query): query is string => typeof query === 'string');
    if (fluxes.length === 0) return;
    const defaults = panel.fieldConfig?.defaults ?? {};
    const stacked = (defaults.custom?.stacking?.mode ?? 'none') !== 'none';
    const kind: Panel['kind'] =
      panel.type === 'table' ? 'table' : panel.type !== 'timeseries' ? 'stat' : defaults.custom?.drawStyle === 'bars' ? 'bars' : stacked ? 'area' : 'line';
    panels.push({ row, title: panel.title, kind, fluxes, unit: defaults.unit ?? '', displayName: defaults.displayName, calc: panel.options?.reduceOptions?.calcs?.[0] ?? 'last' });
  };
  dashboard.panels.forEach(visit);
  return panels;
}

export interface FluxSettings {
  bucket: string;
  pipeline: string;
  startMs: number;
  stopMs: number;
  windowMs: number;
}

/** Text inside a Flux string literal. */
const fluxString = (text: string) => text.replace(/[\\"]/g, (c) => `\\${c}`);

/**
 * A panel's Flux as Grafana sends it: `v.timeRangeStart`/`v.timeRangeStop` become time literals,
 * `v.windowPeriod` a duration, `${bucket}` and `${pipeline}` their values.
 */
export function fluxFor(query: string, settings: FluxSettings): string {
  return query
    .replaceAll('v.timeRangeStart', new Date(settings.startMs).toISOString())
    .replaceAll('v.timeRangeStop', new Date(settings.stopMs).toISOString())
    .replaceAll('v.windowPeriod', `${settings.windowMs}ms`)
    .replaceAll('${bucket}', fluxString(settings.bucket))
    .replaceAll('${pipeline}', fluxString(settings.pipeline));
}

// Grafana rounds v.windowPeriod to steps like these, so windows line up with the clock.
const windowStepsMs = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map((s) => s * 1000);

/** At most about 500 windows over the range, as Grafana picks v.windowPeriod for a panel about 500 pixels wide. */
export function windowMsFor(startMs: number, stopMs: number): number {
  const wantedMs = (stopMs - startMs) / 500;
  return windowStepsMs.find((ms) => ms >= wantedMs) ?? Math.ceil(wantedMs / 86_400_000) * 86_400_000;
}

/** A row of a Flux result as the client library's collectRows gives it. */
export type FluxRow = Record<string, unknown> & { result?: string; table?: number; _time?: string; _value?: unknown };

const notLabels = new Set(['result', 'table', '_time', '_value', '_start', '_stop', '_measurement']);

/** One series per Flux table, named by Grafana's display-name template or else by its field and tags. */
export function seriesOf(rows: FluxRow[], displayName: string | undefined): Series[] {
  const byTable = new Map<string, Series>();
  for (const row of rows) {
    const key = `${row.result}/${row.table}`;
    let series = byTable.get(key);
    if (!series) {
      series = { name: seriesName(row, displayName), points: [] };
      byTable.set(key, series);
    }
    if (typeof row._value === 'number' && Number.isFinite(row._value) && typeof row._time === 'string') series.points.push([Date.parse(row._time), row._value]);
  }
  return [...byTable.values()];
}

function seriesName(row: FluxRow, displayName: string | undefined): string {
  const label = (name: string) => (row[name] === undefined ? '' : String(row[name]));
  if (displayName) return displayName.replace(/\$\{__field\.labels\.(\w+)\}/g, (_, name: string) => label(name)).replaceAll('${__field.name}', label('_field')).trim();
  const tags = Object.keys(row).filter((name) => !notLabels.has(name) && name !== '_field');
  return [label('_field'), ...tags.map(label)].filter((part) => part !== '').join(' ');
}

/** A stat panel's number for a series, as Grafana's reduceOptions.calcs computes it. */
export function reduceSeries(series: Series, calc: string): number {
  const values = series.points.map(([, value]) => value).filter((value): value is number => value !== null);
  if (calc === 'sum') return values.reduce((a, b) => a + b, 0);
  if (calc === 'mean') return values.reduce((a, b) => a + b, 0) / values.length;
  if (calc === 'max') return Math.max(...values);
  if (calc === 'min') return Math.min(...values);
  return values.at(-1) ?? Number.NaN;
}

/** Runs a dashboard panel's queries; a failing query shows as the panel's error, not as a failed page. */
export async function runPanel(queryApi: QueryApi, panel: DashboardPanel, settings: FluxSettings): Promise<Panel> {
  const head = { row: panel.row, title: panel.title, unit: panel.unit };
  let rows: FluxRow[];
  try {
    rows = (await Promise.all(panel.fluxes.map(async (flux, i) => (await queryApi.collectRows<FluxRow>(fluxFor(flux, settings))).map((row) => ({ ...row, result: `${i}/${row.result}` }))))).flat();
  } catch (error) {
    return { ...head, kind: 'line', series: [], error: (error as Error).message };
  }
  if (panel.kind === 'table') {
    const columns = Object.keys(rows[0] ?? {}).filter((name) => name !== 'result' && name !== 'table');
    return { ...head, kind: 'table', columns, rows: rows.map((row) => columns.map((name) => (row[name] ?? null) as string | number | boolean | null)) };
  }
  const series = seriesOf(rows, panel.displayName);
  if (panel.kind === 'stat') return { ...head, kind: 'stat', values: series.filter((s) => s.points.length > 0).map((s) => ({ name: s.name, value: reduceSeries(s, panel.calc) })) };
  return { ...head, kind: panel.kind, series };
}

// Event time can lie anywhere (a simulated day in the past, EIA's forecast ahead), so look everywhere.
const allTime = 'range(start: 1970-01-01T00:00:00Z, stop: 2200-01-01T00:00:00Z)';

/** The event times of a pipeline's first and last points in the bucket; null when it has none. */
export async function dataSpan(queryApi: QueryApi, bucket: string, pipeline: string): Promise<{ firstMs: number; lastMs: number } | null> {
  const rows = await queryApi.collectRows<FluxRow>(`data = from(bucket: "${fluxString(bucket)}") |> ${allTime} |> filter(fn: (r) => r.pipeline == "${fluxString(pipeline)}")
data |> first() |> keep(columns: ["_time"]) |> group() |> sort(columns: ["_time"]) |> limit(n: 1) |> yield(name: "first")
data |> last() |> keep(columns: ["_time"]) |> group() |> sort(columns: ["_time"], desc: true) |> limit(n: 1) |> yield(name: "last")`);
  const first = rows.find((row) => row.result === 'first')?._time;
  const last = rows.find((row) => row.result === 'last')?._time;
  return first && last ? { firstMs: Date.parse(first), lastMs: Date.parse(last) } : null;
}

/**
 * The pipeline tag whose newest point is newest, or null for an empty bucket. Only the fields every
 * point of a measurement has are read (clean and features `imputed`, quality `completeness`, gaps
 * `missing_steps`): a last() over every series of a large bucket takes half a minute.
 */
export async function newestPipeline(queryApi: QueryApi, bucket: string): Promise<string | null> {
  const rows = await queryApi.collectRows<FluxRow>(`from(bucket: "${fluxString(bucket)}") |> ${allTime}
  |> filter(fn: (r) => r._field == "imputed" or r._field == "completeness" or r._field == "missing_steps")
  |> last() |> keep(columns: ["_time", "pipeline"]) |> group() |> sort(columns: ["_time"], desc: true) |> limit(n: 1)`);
  const pipeline = rows[0]?.pipeline;
  return typeof pipeline === 'string' ? pipeline : null;
}
