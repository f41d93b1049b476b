// The main job (scripts/demo): every service as its own supervised process on topics of this run,
// the simulator sending DEMO_HOURS of meter, EIA, weather and TEP events (with injected faults)
// over DEMO_MINUTES, a live view of the pipeline, then where the results are. Ctrl-C stops all.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { pipelineStatus, scrapeServices, type Scrape } from '@gridstream/cli/pipeline-status';
import { FeatureClient } from '@gridstream/feature-client';
import { defaultOpsPorts, parseConfig, TopicClient } from '@gridstream/runtime';
import { topicNames, topicPrefixPattern, type QualityReport, type Stage } from '@gridstream/schemas';
import { currentBundle, serviceEntry } from '@gridstream/service-build';
import { Supervisor } from './supervisor.js';
import { renderFrame } from './terminal-view.js';

const DemoConfig = z
  .object({
    // Each run its own topics: clean would call a second run's records late or repeats.
    GRIDSTREAM_TOPIC_PREFIX: z
      .string()
      .regex(topicPrefixPattern)
      .default(`gridstream-demo-${Math.floor(Date.now() / 1000)}`)
      .describe("the topic prefix of this run: 1-200 letters, digits, '.', '_' or '-'"),
    KAFKA_BROKERS: z.string().default('127.0.0.1:19092').describe('host:port[,host:port...]'),
    SCHEMA_REGISTRY_URL: z.url().default('http://127.0.0.1:18081/apis/ccompat/v7').describe('the registry base URL'),
    REDIS_URL: z.url().default('redis://127.0.0.1:16379').describe('a redis:// URL'),
    INFLUX_URL: z.url().default('http://127.0.0.1:18086').describe('the InfluxDB 2 base URL'),
    INFLUX_TOKEN: z.string().min(1).describe('an InfluxDB API token with write access to the bucket (scripts/stack env prints the local one)'),
    INFLUX_ORG: z.string().min(1).default('gridstream').describe('the InfluxDB organization'),
    INFLUX_BUCKET: z.string().min(1).default('gridstream').describe('the InfluxDB bucket'),
    DEMO_MINUTES: z.coerce.number().positive().max(24 * 60).default(3).describe('minutes the simulator sends for'),
    DEMO_HOURS: z.coerce.number().int().positive().max(24 * 365).default(48).describe('hours of simulated event time, ending now'),
    DEMO_METERS: z.coerce.number().int().positive().max(100_000).default(50).describe('how many smart meters to simulate'),
    DEMO_LOG_DIR: z.string().min(1).default('demo-logs').describe("a folder for the services' logs"),
    DEMO_VIEW_PORT: z.coerce.number().int().min(1).max(65535).default(18088).describe('the TCP port of the web view (gridstream view)'),
  })
  .transform((env) => ({
    prefix: env.GRIDSTREAM_TOPIC_PREFIX,
    servers: { KAFKA_BROKERS: env.KAFKA_BROKERS, SCHEMA_REGISTRY_URL: env.SCHEMA_REGISTRY_URL, REDIS_URL: env.REDIS_URL, INFLUX_URL: env.INFLUX_URL, INFLUX_TOKEN: env.INFLUX_TOKEN, INFLUX_ORG: env.INFLUX_ORG, INFLUX_BUCKET: env.INFLUX_BUCKET },
    minutes: env.DEMO_MINUTES,
    hours: env.DEMO_HOURS,
    meters: env.DEMO_METERS,
    logDir: join(env.DEMO_LOG_DIR, env.GRIDSTREAM_TOPIC_PREFIX),
    viewPort: env.DEMO_VIEW_PORT,
  }));

const keepRunning = process.argv.includes('--keep');
const config = parseConfig(DemoConfig, process.env);
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const ingestPort = 18090;
const services: Stage[] = ['ingest', 'validate', 'clean', 'feature', 'quality', 'window', 'redis-sink', 'influx-sink'];
/** Quiet spells after which clean closes the last steps it holds, and feature stops waiting for a quiet station's weather. */
const cleanIdleMs = 10_000;
// Longer than clean's: the last hour of weather comes out of clean's idle close, and a load vector
// given up on before it arrives would join the hour before.
const weatherIdleMs = 2 * cleanIdleMs;
const serviceEnv: Record<string, string> = {
  ...config.servers,
  GRIDSTREAM_TOPIC_PREFIX: config.prefix,
  INGEST_TOKEN: randomBytes(16).toString('hex'),
  INGEST_HTTP_PORT: String(ingestPort),
  CLEAN_IDLE_MS: String(cleanIdleMs),
  FEATURE_WEATHER_IDLE_MS: String(weatherIdleMs),
  // A day of hourly steps every 6 hours, so a two-day run gives sequences.
  WINDOW_SEQ_LEN: '24',
  WINDOW_STRIDE: '6',
};
const t = topicNames(config.prefix);

await portsFree([...services.map((s) => defaultOpsPorts[s]), ingestPort, config.viewPort]);
const supervisor = new Supervisor({ cwd: repoRoot, logDir: config.logDir });
for (const service of services) supervisor.start(service, ['--enable-source-maps', currentBundle(serviceEntry(service))], serviceEnv);
supervisor.start('view', ['--import', 'tsx', 'packages/cli/src/main.ts', 'view', '--port', String(config.viewPort), '--pipeline', config.prefix], serviceEnv);

const startedMs = Date.now();
let simulatorState = 'waiting for the services';
let previous: Scrape | null = null;
let lastFrame = '';
const endpoints = services.map((stage) => ({ stage, url: `http://127.0.0.1:${defaultOpsPorts[stage]}/metrics` }));
const tty = process.stdout.isTTY;
let lastPrintMs = 0;
/** Scrapes, redraws the view in a terminal, or prints it every 15 s into a log. */
const refresh = async () => {
  const current = await scrapeServices(endpoints);
  const restarts = new Map(supervisor.list().map((p) => [p.name, { count: p.restarts, lastExit: p.lastExit }]));
  lastFrame = renderFrame(pipelineStatus(current, previous), { prefix: config.prefix, elapsedS: (Date.now() - startedMs) / 1000, simulator: simulatorState, restarts });
  previous = current;
  if (tty) process.stdout.write(`\x1b[H\x1b[J${lastFrame}\n\nCtrl-C stops everything. Web view: http://127.0.0.1:${config.viewPort}  Logs: ${config.logDir}\n`);
  else if (Date.now() - lastPrintMs >= 15_000) {
    lastPrintMs = Date.now();
    console.log(`${lastFrame}\n`);
  }
};
let viewOn = false;
let viewTimer: NodeJS.Timeout | null = null;
let refreshing: Promise<void> = Promise.resolve();
const startView = () => {
  viewOn = true;
  const tick = () => {
    refreshing = refresh()
      .catch(() => undefined)
      .finally(() => {
        if (viewOn) viewTimer = setTimeout(tick, 1_000);
      });
  };
  tick();
};
/** Stops the redraws and waits for one in flight, so nothing overwrites what is printed next. */
const stopView = async () => {
  viewOn = false;
  if (viewTimer) clearTimeout(viewTimer);
  await refreshing;
};

const client = new TopicClient({ brokers: config.servers.KAFKA_BROKERS.split(','), registryUrl: config.servers.SCHEMA_REGISTRY_URL, clientId: 'gridstream-demo' });
let simulator: ChildProcess | null = null;
let stopping = false;
const stopAll = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await stopView();
  simulator?.kill('SIGTERM');
  console.log(`\nstopping the services (their logs stay in ${config.logDir})`);
  await client.close().catch(() => undefined);
  await supervisor.stopAll();
  process.exit(code);
};
process.on('SIGINT', () => void stopAll(130));
process.on('SIGTERM', () => void stopAll(143));

try {
  await client.connect();
  console.log(`starting ${services.join(', ')} and the web view on topics ${config.prefix}.*; logs in ${config.logDir}`);
  for (const service of services) await until(`${service} to be ready`, async () => (await fetch(`http://127.0.0.1:${defaultOpsPorts[service]}/readyz`)).ok, 300_000);
  startView();
  const hourMs = 3_600_000;
  const start = new Date(Math.floor(Date.now() / hourMs) * hourMs - config.hours * hourMs).toISOString();
  simulatorState = `sending ${config.hours} h of events from ${start} over ${config.minutes} min`;
  const simulatorExit = await runSimulator(['--start', start, '--hours', String(config.hours), '--meters', String(config.meters), '--minutes', String(config.minutes)]);
  if (simulatorExit !== 0) throw new Error(`the simulator failed (exit ${simulatorExit}); see ${join(config.logDir, 'simulator.log')}`);
  simulatorState = 'done; the pipeline drains';
  await drained();
  simulatorState = 'done; pipeline drained';
  await stopView();
  await refresh();
  if (!tty) console.log(lastFrame);
  await summary();
  if (keepRunning) {
    console.log('\nthe services keep running (--keep): Ctrl-C stops them');
    startView();
  }
} catch (error) {
  if (!stopping) console.error(`\ndemo failed: ${(error as Error).message}`);
  await stopAll(1);
}
if (!keepRunning) await stopAll(0);

/** Fails naming the first port another program holds, e.g. a demo still running with --keep. */
async function portsFree(ports: number[]): Promise<void> {
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer().once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!free) throw new Error(`port ${port} on 127.0.0.1 is in use: is another demo still running (--keep)? Stop it with Ctrl-C, or find the program with: ss -ltnp 'sport = :${port}'`);
  }
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs / 1000} s waiting for ${what}; see the logs in ${config.logDir}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Runs `gridstream simulate` once (never restarted: it would send everything again), its output to the log folder. */
function runSimulator(args: string[]): Promise<number | null> {
  const log = openSync(join(config.logDir, 'simulator.log'), 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'simulate', '--to', 'http', '--url', `http://127.0.0.1:${ingestPort}`, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...serviceEnv },
    stdio: ['ignore', log, log],
  });
  simulator = child;
  return new Promise((resolve) => child.once('exit', (code) => (closeSync(log), (simulator = null), resolve(code))));
}

/** Every group caught up and nothing moving for longer than the idle spells, or a warning after 5 min. */
async function drained(): Promise<void> {
  const groups: Array<[Stage, string[]]> = [
    ['validate', [t.raw]],
    ['clean', [t.valid]],
    ['feature', [t.clean]],
    ['quality', [t.qualityParts]],
    ['window', [t.features]],
    ['redis-sink', [t.features, t.sequences]],
    ['influx-sink', [t.clean, t.features, t.gaps, t.quality]],
  ];
  const deadline = Date.now() + 300_000;
  let quietSinceMs = Date.now();
  let lastOut = -1;
  while (Date.now() < deadline) {
    let lag = 0;
    for (const [stage, topics] of groups) for (const topic of topics) lag += await client.groupLag(t.group(stage), topic).catch(() => 1);
    const out = previous ? [...previous.byStage.values()].flatMap((s) => s ?? []).filter((s) => s.name === 'gridstream_records_out_total').reduce((n, s) => n + s.value, 0) : 0;
    if (lag > 0 || out !== lastOut) quietSinceMs = Date.now();
    lastOut = out;
    if (Date.now() - quietSinceMs > weatherIdleMs + 5_000) return;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  console.log('warning: the pipeline has not settled after 5 minutes; the figures below are not final');
}

async function summary(): Promise<void> {
  console.log('\ndata quality per source (every window reported):\nsource     completeness  validity  duplicates  imputed  outliers');
  for (const [source, r] of await qualityBySource()) {
    const share = (n: number, d: number) => (d > 0 ? `${((100 * n) / d).toFixed(1)} %` : '-');
    console.log(
      `${source.padEnd(10)} ${share(r.received, r.expected).padStart(12)}  ${share(r.valid, r.valid + r.invalid).padStart(8)}  ${String(r.duplicates).padStart(10)}  ${String(r.imputed).padStart(7)}  ${String(r.outliers).padStart(8)}`,
    );
  }
  const features = await FeatureClient.connect(config.servers.REDIS_URL, config.prefix);
  const sample = 'meter:M-0001';
  try {
    const latest = await features.getLatest(sample);
    const sequence = await features.getSequence(sample, 'meter');
    console.log(`\nresults of this run (pipeline ${config.prefix}):`);
    console.log(`  Redis ${config.servers.REDIS_URL}: per entity ${config.prefix}:latest:<entity>, :history:<entity>, :sequence:<entity>:<feature set>`);
    if (latest) console.log(`    e.g. ${sample} at ${new Date(latest.ts).toISOString()}: ${latest.names.slice(0, 4).map((n, i) => `${n}=${latest.values[i]}`).join(', ')}, … (${latest.names.length} features)`);
    if (sequence) console.log(`    and its newest training sequence: ${sequence.seqLen} steps × ${sequence.names.length} features ending ${new Date(sequence.end).toISOString()}`);
    console.log(`    read them with: node --import tsx packages/feature-client/examples/model-input.ts ${sample} ${config.prefix}`);
  } finally {
    await features.close();
  }
  const flux = `from(bucket: "${config.servers.INFLUX_BUCKET}") |> range(start: -${config.hours + 24}h) |> filter(fn: (r) => r._measurement == "features" and r.pipeline == "${config.prefix}" and r.entity == "${sample}" and r._field == "mean_24")`;
  console.log(`  InfluxDB ${config.servers.INFLUX_URL}, org ${config.servers.INFLUX_ORG}, bucket ${config.servers.INFLUX_BUCKET}: measurements clean, features, gaps, quality tagged pipeline=${config.prefix}`);
  console.log(`    ${await fluxRows(flux)} rows from: ${flux}`);
  console.log(`  Kafka ${config.servers.KAFKA_BROKERS}: ${[t.raw, t.valid, t.clean, t.gaps, t.features, t.sequences, t.quality, t.dlq].join(', ')}`);
  console.log(`    dead letters: gridstream dlq list (with GRIDSTREAM_TOPIC_PREFIX=${config.prefix})`);
  console.log(`  web view: http://127.0.0.1:${config.viewPort}  (gridstream view --pipeline ${config.prefix}); Grafana dashboards: deploy/grafana`);
  console.log(`  service logs: ${config.logDir}`);
}

async function fluxRows(query: string): Promise<number> {
  const response = await fetch(new URL(`/api/v2/query?org=${encodeURIComponent(config.servers.INFLUX_ORG)}`, config.servers.INFLUX_URL), {
    method: 'POST',
    headers: { authorization: `Token ${config.servers.INFLUX_TOKEN}`, 'content-type': 'application/vnd.flux', accept: 'application/csv' },
    body: query,
  });
  if (!response.ok) return Number.NaN;
  // Annotated CSV: a header row per table, then its rows.
  return (await response.text()).split('\n').filter((line) => line.startsWith(',_result,')).length;
}

/** The counts of the latest report of every window, added up per source. */
async function qualityBySource() {
  const latest = new Map<string, QualityReport>();
  for (const record of await client.readAll(t.quality)) latest.set(record.key!, (await client.decodeAvro('quality', record.value!)) as QualityReport);
  const fields = ['expected', 'received', 'valid', 'invalid', 'duplicates', 'imputed', 'outliers'] as const;
  const bySource = new Map<string, Record<(typeof fields)[number], number>>();
  for (const r of latest.values()) {
    const sum = bySource.get(r.source) ?? { expected: 0, received: 0, valid: 0, invalid: 0, duplicates: 0, imputed: 0, outliers: 0 };
    for (const field of fields) sum[field] += r[field];
    bySource.set(r.source, sum);
  }
  return [...bySource].sort(([a], [b]) => (a < b ? -1 : 1));
}
