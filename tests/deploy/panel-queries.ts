// Runs the dashboards' queries against a real pipeline: every Flux query on InfluxDB, every
// PromQL metric name against the stages' /metrics. By hand, after a pipeline wrote its data:
//   eval "$(scripts/stack env)"
//   node --import tsx tests/deploy/panel-queries.ts --pipeline <prefix> [--start ISO] [--stop ISO] [--metrics URL,URL...]
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { dashboardPanels, fluxFor, promMetricNames, type DashboardQuery, type FluxSettings } from './dashboards.js';

/** The InfluxDB queries (panels and variables) that returned no rows, each with why: `no rows` or the server's error. */
export async function checkInfluxPanels(
  influxUrl: string,
  token: string,
  org: string,
  settings: FluxSettings,
  dir?: string,
): Promise<Array<DashboardQuery & { problem: string }>> {
  const failed: Array<DashboardQuery & { problem: string }> = [];
  for (const panel of dashboardPanels(dir).filter((q) => q.datasource.type === 'influxdb')) {
    const response = await fetch(`${influxUrl.replace(/\/$/, '')}/api/v2/query?${new URLSearchParams({ org })}`, {
      method: 'POST',
      headers: { Authorization: `Token ${token}`, Accept: 'application/csv', 'Content-Type': 'application/vnd.flux' },
      body: fluxFor(panel.query, settings),
    });
    const text = await response.text();
    if (!response.ok) failed.push({ ...panel, problem: `HTTP ${response.status}: ${text}` });
    else if (csvRows(text) === 0) failed.push({ ...panel, problem: 'no rows' });
  }
  return failed;
}

/** Data rows of InfluxDB's CSV answer: tables are blocks separated by an empty line, each starting with its header. */
export function csvRows(csv: string): number {
  return csv
    .split(/\r?\n\r?\n/)
    .map((block) => block.split(/\r?\n/).filter((line) => line !== ''))
    .reduce((rows, lines) => rows + Math.max(0, lines.length - 1), 0);
}

/** The metric families the Prometheus panels read that none of the /metrics texts has, sorted. */
export function checkPromPanels(metricsTexts: string[], dir?: string): string[] {
  const present = new Set<string>();
  for (const text of metricsTexts) {
    for (const match of text.matchAll(/^# TYPE (\S+) /gm)) present.add(match[1]!);
  }
  const wanted = dashboardPanels(dir)
    .filter((q) => q.datasource.type === 'prometheus')
    .flatMap((q) => promMetricNames(q.query));
  return [...new Set(wanted)].filter((name) => !present.has(name)).sort();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      pipeline: { type: 'string' },
      // The dashboards' own default: the last 24 hours, where the demo puts its data.
      start: { type: 'string', default: new Date(Date.now() - 24 * 3_600_000).toISOString() },
      stop: { type: 'string', default: new Date().toISOString() },
      metrics: { type: 'string' },
    },
  });
  if (!values.pipeline) throw new Error('--pipeline <topic prefix> is required');
  const env = process.env;
  const settings = { bucket: env.INFLUX_BUCKET ?? 'gridstream', pipeline: values.pipeline, start: new Date(values.start), stop: new Date(values.stop) };
  const failed = await checkInfluxPanels(env.INFLUX_URL ?? 'http://127.0.0.1:18086', env.INFLUX_TOKEN ?? 'gridstream-dev-token', env.INFLUX_ORG ?? 'gridstream', settings);
  const influxCount = dashboardPanels().filter((q) => q.datasource.type === 'influxdb').length;
  console.log(`InfluxDB: ${influxCount - failed.length} of ${influxCount} queries returned rows`);
  for (const f of failed) console.log(`  ${f.dashboard} "${f.title}" ${f.refId}: ${f.problem}`);
  if (values.metrics) {
    const texts = await Promise.all(values.metrics.split(',').map(async (url) => (await fetch(url)).text()));
    const missing = checkPromPanels(texts);
    console.log(`Prometheus: ${missing.length === 0 ? 'every metric the panels read is exposed' : `missing ${missing.join(', ')}`}`);
    if (missing.length > 0) process.exitCode = 1;
  }
  if (failed.length > 0) process.exitCode = 1;
}
