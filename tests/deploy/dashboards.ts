import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repoRoot = join(import.meta.dirname, '..', '..');

/** One query of a provisioned dashboard: a panel's target, or a template variable's query. */
export interface DashboardQuery {
  /** The dashboard's file name, e.g. `energy.json`. */
  dashboard: string;
  /** The panel's title, or `$<name>` for a variable. */
  title: string;
  /** Absent for a variable. */
  panelId?: number;
  refId: string;
  datasource: { uid: string; type: string };
  /** Flux for InfluxDB, PromQL for Prometheus. */
  query: string;
}

interface Target {
  refId?: string;
  datasource?: { uid: string; type: string };
  query?: string | { query: string };
  expr?: string;
}
interface Panel extends Target {
  id: number;
  type: string;
  title: string;
  targets?: Target[];
  /** A collapsed row holds its panels. */
  panels?: Panel[];
}
interface Variable extends Target {
  name: string;
}

/** Every query of every dashboard in `dir` (relative to the repository root unless absolute). */
export function dashboardPanels(dir = 'deploy/grafana/dashboards'): DashboardQuery[] {
  const folder = resolve(repoRoot, dir);
  const queries: DashboardQuery[] = [];
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.json')).sort()) {
    const dashboard = JSON.parse(readFileSync(join(folder, file), 'utf8')) as { panels: Panel[]; templating?: { list: Variable[] } };
    for (const variable of dashboard.templating?.list ?? []) {
      const text = queryText(variable);
      if (text !== undefined && variable.datasource) {
        queries.push({ dashboard: file, title: `$${variable.name}`, refId: 'variable', datasource: variable.datasource, query: text });
      }
    }
    for (const panel of allPanels(dashboard.panels)) {
      for (const target of panel.targets ?? []) {
        const datasource = target.datasource ?? panel.datasource;
        const text = queryText(target);
        if (!datasource || text === undefined) throw new Error(`${file}: panel ${panel.id} "${panel.title}" has a target without a datasource or query`);
        queries.push({ dashboard: file, title: panel.title, panelId: panel.id, refId: target.refId ?? 'A', datasource, query: text });
      }
    }
  }
  return queries;
}

/** The panels of a dashboard, those inside collapsed rows included. */
export function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

function queryText(target: Target): string | undefined {
  if (target.expr !== undefined) return target.expr;
  return typeof target.query === 'object' ? target.query.query : target.query;
}

export interface FluxSettings {
  bucket: string;
  pipeline: string;
  start: Date;
  stop: Date;
  /** A Flux duration (`5m`) or milliseconds; by default the range over 1000 points, as a wide panel gets it. */
  windowPeriod?: string | number;
}

/**
 * A panel's Flux as Grafana sends it to InfluxDB: `v.timeRangeStart` and `v.timeRangeStop` become
 * time literals, `v.windowPeriod` a duration, and `${bucket}` and `${pipeline}` their values.
 */
export function fluxFor(query: string, settings: FluxSettings): string {
  const rangeMs = settings.stop.getTime() - settings.start.getTime();
  const windowPeriod = settings.windowPeriod ?? Math.max(1000, Math.round(rangeMs / 1000));
  return query
    .replaceAll('v.timeRangeStart', settings.start.toISOString())
    .replaceAll('v.timeRangeStop', settings.stop.toISOString())
    .replaceAll('v.windowPeriod', typeof windowPeriod === 'number' ? `${windowPeriod}ms` : windowPeriod)
    .replaceAll('${bucket}', settings.bucket)
    .replaceAll('${pipeline}', settings.pipeline);
}

// Words of PromQL that look like metric names but are not.
const promqlKeywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'atan2', 'inf', 'nan']);

/**
 * The metric families a PromQL expression reads, sorted: a histogram's `_bucket`, `_sum` and
 * `_count` series count as the histogram (the name `# TYPE` gives in /metrics).
 */
export function promMetricNames(promql: string): string[] {
  const bare = promql
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values and regexes
    .replace(/\blabel_values\(([^,()]*)\s*,\s*\w+\s*\)/g, '$1') // Grafana's variable query label_values(metric, label)
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges, e.g. [$__rate_interval]
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  const names = [...bare.matchAll(/(?<![\w$:.])[a-zA-Z_:][\w:]*(?![\w:])(?!\s*\()/g)]
    .map((match) => match[0])
    .filter((word) => !promqlKeywords.has(word.toLowerCase()))
    .map((name) => name.replace(/_(?:bucket|sum|count)$/, ''));
  return [...new Set(names)].sort();
}
