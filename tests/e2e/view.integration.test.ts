import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, type CleanMeasurement, type FeatureVector, type Gap, type Measurement, type QualityReport } from '@gridstream/schemas';
import { freePort, serverEnv, startScript, startService, uniqueName, waitForReady, waitUntil, type ServiceProcess } from '@gridstream/test-kit';
import { readDashboard } from '../../packages/cli/src/view/dashboard-panels.js';
import { openInfluxWriter } from '@gridstream/influx-sink/writer';

const stack = inject('stack');
const hour = 3_600_000;
const t0 = Date.UTC(2026, 0, 1);
const hours = Array.from({ length: 24 }, (_, h) => h);
const repoRoot = join(import.meta.dirname, '..', '..');
const screenshot = join(tmpdir(), 'gridstream-view-test', 'view.png');

const clean = (source: string, entity: string, h: number, values: Record<string, number>): CleanMeasurement => ({
  source,
  entity,
  ts: t0 + h * hour,
  values,
  units: {},
  tags: {},
  eventId: `${entity}-${h}`,
  ingestedAt: t0 + h * hour + 60_000,
  imputed: [],
  outliers: [],
  convertedFrom: {},
  resampledFrom: 1,
});
const vector = (name: string, entity: string, h: number, features: Record<string, number>): FeatureVector => ({
  entity,
  ts: t0 + h * hour,
  featureSet: { name, version: 2 },
  names: Object.keys(features),
  values: Object.values(features),
  imputed: false,
  ingestedAt: null,
});
/** A quality report with a gap at `gapHour` and an outlier at `gapHour + 4`. */
const report = (source: string, h: number, gapHour: number): QualityReport => ({
  source,
  windowStart: t0 + h * hour,
  windowEnd: t0 + (h + 1) * hour,
  entities: 2,
  expected: 8,
  received: h === gapHour ? 6 : 8,
  completeness: h === gapHour ? 0.75 : 1,
  validity: h === gapHour + 1 ? 0.9 : 1,
  timelinessP50Ms: 60_000,
  timelinessP99Ms: 90_000 + h * gapHour * 100,
  duplicates: (h + gapHour) % 6 === 0 ? 2 : 0,
  imputedShare: h === gapHour ? 0.125 : 0,
  outlierShare: h === gapHour + 4 ? 0.125 : 0,
  missing: h === gapHour ? 2 : 0,
  imputed: h === gapHour ? 1 : 0,
  outliers: h === gapHour + 4 ? 1 : 0,
  valid: h === gapHour + 1 ? 9 : 8,
  invalid: h === gapHour + 1 ? 1 : 0,
});

/** A day of every source the dashboards chart, as the InfluxDB sink would write it for pipeline `prefix`. */
async function seedInflux(prefix: string): Promise<void> {
  const wave = (h: number) => Math.sin((h / 24) * 2 * Math.PI);
  const records = [
    ...hours.flatMap((h) => [
      { topic: 'clean' as const, value: clean('meter', 'meter:M-1', h, { load: 1 + wave(h), pv: Math.max(0, wave(h - 6)) }) },
      { topic: 'clean' as const, value: clean('meter', 'meter:M-2', h, { load: 2 + wave(h + 3), pv: 0 }) },
      { topic: 'clean' as const, value: clean('eia', 'eia:A', h, { demand: 900 + 100 * wave(h), forecast: 910 + 90 * wave(h), gen_ng: 500 + 50 * wave(h), gen_sun: Math.max(0, 200 * wave(h - 6)), gen_wnd: 150 }) },
      { topic: 'clean' as const, value: clean('weather', 'weather:S-1', h, { temperature: 5 + 3 * wave(h), wind_speed: 4, irradiance: Math.max(0, 600 * wave(h - 6)), humidity: 70 - 10 * wave(h) }) },
      { topic: 'features' as const, value: vector('meter', 'meter:M-1', h, { value: 1 + wave(h), lag_1: 1 + wave(h - 1), lag_24: 1, mean_24: 1, ewma: 1 + wave(h) / 2 }) },
      { topic: 'features' as const, value: vector('eia', 'eia:A', h, { value: 900 + 100 * wave(h), mean_24: 900, ewma: 900 + 50 * wave(h), demand_minus_forecast: -10 + 10 * wave(h) }) },
      { topic: 'features' as const, value: vector('tep', 'tep:unit-1', h, { z_xmeas_1: h < 12 ? 0.5 : 4, z_xmv_1: -1 }) },
      { topic: 'quality' as const, value: report('meter', h, 5) },
      { topic: 'quality' as const, value: report('eia', h, 14) },
    ]),
    { topic: 'gaps' as const, value: { source: 'meter', entity: 'meter:M-2', start: t0 + 5 * hour, end: t0 + 6 * hour, stepMs: 900_000, missingSteps: 4, imputedSteps: 2 } satisfies Gap },
    { topic: 'gaps' as const, value: { source: 'eia', entity: 'eia:A', start: t0 + 14 * hour, end: t0 + 16 * hour, stepMs: hour, missingSteps: 2, imputedSteps: 2 } satisfies Gap },
  ];
  const quiet = { warn: () => {} } as unknown as Parameters<typeof openInfluxWriter>[2];
  const writer = openInfluxWriter({ ...stack.influx, batchPoints: 5_000, timeoutMs: 10_000 }, prefix, quiet);
  expect(await writer.write(records.map((record) => ({ ...record, key: null })))).toEqual([]);
}

/** Every panel on the page: its section, title, kind and how many points (values, rows) it drew; read in one go, as the page redraws on every poll. */
const panelsOnPage = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('.panel')].map((panel) => ({
      section: panel.closest('section')!.id,
      title: panel.getAttribute('data-title')!,
      kind: panel.getAttribute('data-kind')!,
      points: Number(panel.getAttribute('data-points')),
      // What the chart itself carries: points per drawn series, bars of a stat panel, table rows.
      drawn: [...panel.querySelectorAll('[data-points]:not(.panel)')].reduce((n, shape) => n + Number(shape.getAttribute('data-points')), 0) + panel.querySelectorAll('table tr + tr').length,
    })),
  );

describe('gridstream view', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const prefix = uniqueName('view');
  const t = topicNames(prefix);
  const ports = { validateOps: 0, view: 0 };
  let validate: ServiceProcess;
  let view: ServiceProcess;
  let browser: BrowserContext;
  const profile = mkdtempSync(join(tmpdir(), 'gridstream-view-chromium-'));

  beforeAll(async () => {
    await client.connect();
    await seedInflux(prefix);
    await client.ensureTopics([{ topic: t.raw, partitions: 1 }]);
    Object.assign(ports, { validateOps: await freePort(), view: await freePort() });
    validate = startService('validate', { ...serverEnv(stack), GRIDSTREAM_TOPIC_PREFIX: prefix, GRIDSTREAM_PARTITIONS: '1', GRIDSTREAM_OPS_PORT: String(ports.validateOps), LOG_LEVEL: 'warn' });
    await waitForReady(validate, ports.validateOps);
    view = startScript('packages/cli/src/main.ts', ['view', '--port', String(ports.view), '--pipeline', prefix, '--metrics', `127.0.0.1:${ports.validateOps}`], serverEnv(stack));
    await waitUntil('the view to print its URL', async () => view.output().includes(`http://127.0.0.1:${ports.view}/`), 30_000, 100).catch((error: Error) => {
      throw new Error(`${error.message}; output:\n${view.output()}`);
    });
    // Debian's chromium (installed by scripts/tools when missing); playwright-core never downloads a browser.
    const executablePath = execFileSync(join(repoRoot, 'scripts', 'tools'), ['path', 'chromium'], { encoding: 'utf8' }).trim();
    browser = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 900 },
    });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
    view?.child.kill('SIGKILL');
    validate?.child.kill('SIGKILL');
    await client.close();
  });

  it('draws every panel of the energy and quality dashboards from InfluxDB and the pipeline panels from /metrics', { timeout: 120_000 }, async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`http://127.0.0.1:${ports.view}/`);

    // Records for validate while the view scrapes it: rates, latency and a dead letter to show.
    const encode = await client.avroEncoder('raw', t.raw);
    const measurement = (h: number): Measurement => ({ source: 'meter', entity: 'meter:M-1', ts: t0 + h * hour, values: { load: 1 }, units: { load: 'kW' }, tags: { tz: 'UTC' }, eventId: `raw-${h}`, ingestedAt: t0, batch: null });
    await client.publish([{ topic: t.raw, records: [...hours.map((h) => ({ key: 'meter:M-1', value: encode(measurement(h)) })), { key: 'meter:M-1', value: Buffer.from([0, 0, 0, 0, 1, 0xff]) }] }]);

    const noEndToEnd = (p: { title: string }) => !p.title.startsWith('End to end'); // only sinks observe it; none runs here
    await waitUntil(
      'every panel to show points',
      async () => {
        const panels = await panelsOnPage(page);
        // Two rates at least: the page redraws as the view scrapes again.
        const recordsIn = panels.find((p) => p.title === 'Records in per stage')?.points ?? 0;
        return panels.length > 0 && panels.filter(noEndToEnd).every((p) => p.points > 0) && recordsIn >= 2;
      },
      60_000,
      500,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}; empty: ${JSON.stringify((await panelsOnPage(page)).filter((p) => p.points === 0))}; view output:\n${view.output()}`);
    });
    mkdirSync(join(screenshot, '..'), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);

    const panels = await panelsOnPage(page);
    // The same panels as Grafana's dashboards, in their order, each drawn with points.
    expect(panels.filter((p) => p.section === 'energy').map((p) => p.title)).toEqual(readDashboard('energy').map((p) => p.title));
    expect(panels.filter((p) => p.section === 'quality').map((p) => p.title)).toEqual(readDashboard('quality').map((p) => p.title));
    for (const panel of panels.filter(noEndToEnd)) expect(panel.drawn, `${panel.section}: ${panel.title}`).toBeGreaterThan(0);
    expect(panels.find((p) => !noEndToEnd(p))?.points).toBe(0);

    // The time range is the data's own span (event time in January), not the last hours of the clock.
    expect(await page.textContent('#energy .status')).toContain(`pipeline ${prefix} · bucket ${stack.influx.bucket} · 2026-01-01T00:00 to 2026-01-01T23:00`);
    const legend = await page.textContent('#energy .panel[data-title="Load per meter"] .legend');
    expect(legend).toContain('meter:M-1');
    expect(legend).toContain('meter:M-2');
    expect(await page.textContent('#pipeline .status')).toContain(`up: validate (127.0.0.1:${ports.validateOps})`);
    expect(await page.evaluate(() => [...document.querySelectorAll('#pipeline .panel[data-title^="Dead letters"] rect title')].map((title) => title.textContent))).toEqual(['validate undecodable: 1']);
    expect(pageErrors).toEqual([]);
  });

  it('answers only requests for its own address, and stops on Ctrl-C', { timeout: 30_000 }, async () => {
    // A page elsewhere that re-points its host name at 127.0.0.1 (DNS rebinding) sends its own Host.
    const status = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: ports.view, path: '/api/energy', headers: { host: `attacker.example:${ports.view}` } }, (response) => resolve(response.statusCode ?? 0))
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
    view.child.kill('SIGINT');
    expect(await view.exited, view.output()).toBe(0);
  });

  it('names the variable when the InfluxDB token is missing', async () => {
    const { INFLUX_TOKEN: _token, ...withoutToken } = serverEnv(stack);
    const run = startScript('packages/cli/src/main.ts', ['view', '--port', '0', '--pipeline', prefix], withoutToken);
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/^gridstream view: INFLUX_TOKEN: expected an InfluxDB API token/m);
  });
});
