import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { QueryApi } from '@influxdata/influxdb-client';
import { scrapeServices, type Scrape } from '../pipeline-status.js';
import { dataSpan, runPanel, windowMsFor, type DashboardPanel } from './dashboard-panels.js';
import { endpointStates, metricsPanels } from './metrics-panels.js';

const scrapeIntervalMs = 5_000;
/** An hour of scrapes. */
const historyScrapes = 720;

export interface ViewOptions {
  port: number;
  queryApi: QueryApi;
  bucket: string;
  pipeline: string;
  dashboards: { energy: DashboardPanel[]; quality: DashboardPanel[] };
  /** host:port of each service's ops server. */
  metricsAddresses: string[];
}

/**
 * Serves the page and the JSON it polls on 127.0.0.1: /api/energy and /api/quality (the
 * dashboards' Flux over the pipeline's data span), /api/pipeline (from /metrics scraped every 5 s).
 */
export async function startViewServer(options: ViewOptions): Promise<{ url: string; close(): Promise<void> }> {
  const page = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
  const { queryApi, bucket, pipeline } = options;

  const history: Scrape[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const scrape = async () => {
    // The endpoint's address stands in for the stage: series are told apart by their stage label.
    history.push(await scrapeServices(options.metricsAddresses.map((address) => ({ stage: address, url: `http://${address}/metrics` }))));
    if (history.length > historyScrapes) history.shift();
    if (!stopped) timer = setTimeout(() => void scrape(), scrapeIntervalMs);
  };
  await scrape();

  const dashboard = async (panels: DashboardPanel[]) => {
    const span = await dataSpan(queryApi, bucket, pipeline);
    if (!span) return { pipeline, bucket, range: null, panels: [] };
    // Range stops are exclusive: one past the last point keeps it in.
    const settings = { bucket, pipeline, startMs: span.firstMs, stopMs: span.lastMs + 1, windowMs: windowMsFor(span.firstMs, span.lastMs + 1) };
    return {
      pipeline,
      bucket,
      range: { startMs: settings.startMs, stopMs: settings.stopMs, windowMs: settings.windowMs },
      panels: await Promise.all(panels.map((panel) => runPanel(queryApi, panel, settings))),
    };
  };
  const routes: Record<string, () => Promise<unknown>> = {
    '/api/energy': () => dashboard(options.dashboards.energy),
    '/api/quality': () => dashboard(options.dashboards.quality),
    '/api/pipeline': async () => ({
      endpoints: endpointStates(history.at(-1)),
      range: { startMs: history[0]!.atMs, stopMs: history.at(-1)!.atMs },
      panels: metricsPanels(history),
    }),
  };

  let port = options.port;
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    // Only this address may ask: a web page whose host name was re-pointed at 127.0.0.1 (DNS rebinding) gets nothing.
    if (request.headers.host !== `127.0.0.1:${port}` && request.headers.host !== `localhost:${port}`) {
      response.writeHead(403).end();
      return;
    }
    const path = new URL(request.url ?? '/', 'http://view').pathname;
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
      return;
    }
    if (path === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    const route = routes[path];
    if (!route) {
      response.writeHead(404).end();
      return;
    }
    let status = 200;
    let body: unknown;
    try {
      body = await route();
    } catch (error) {
      // InfluxDB unreachable or a query refused: the page shows the message and polls again.
      status = 502;
      body = { error: (error as Error).message };
    }
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };
  const server = createServer((request, response) => void handle(request, response));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, '127.0.0.1', resolve);
    });
  } catch (error) {
    stopped = true;
    clearTimeout(timer);
    throw error;
  }
  port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      stopped = true;
      clearTimeout(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
