// The demo: ingest, validate, clean and feature run as their own processes, the simulator posts a
// day of meter, EIA, weather and TEP events (with injected faults) to ingest's HTTP endpoint, and
// the summary shows what each stage passed on and what went to the DLQ, and why.
// TODO(#7): window and the sinks join, with a live view.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defaultOpsPorts, parseConfig, TopicClient } from '@gridstream/runtime';
import { topicNames, type QualityReport } from '@gridstream/schemas';

const DemoConfig = z
  .object({
    // Each run its own topics by default: clean would call a second run's records late or repeats.
    GRIDSTREAM_TOPIC_PREFIX: z
      .string()
      .default(`gridstream-demo-${Math.floor(Date.now() / 1000)}`)
      .describe('the topic prefix'),
    KAFKA_BROKERS: z.string().default('127.0.0.1:19092').describe('host:port[,host:port...]'),
    SCHEMA_REGISTRY_URL: z.url().default('http://127.0.0.1:18081/apis/ccompat/v7').describe('the registry base URL'),
    DEMO_HOURS: z.coerce.number().int().positive().max(24 * 365).default(24).describe('hours of simulated event time'),
    DEMO_METERS: z.coerce.number().int().positive().max(100_000).default(50).describe('how many smart meters to simulate'),
  })
  .transform((env) => ({ prefix: env.GRIDSTREAM_TOPIC_PREFIX, brokers: env.KAFKA_BROKERS, registryUrl: env.SCHEMA_REGISTRY_URL, hours: env.DEMO_HOURS, meters: env.DEMO_METERS }));

const config = parseConfig(DemoConfig, process.env);
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const httpPort = 18090;
const token = randomBytes(16).toString('hex');
const serviceEnv = {
  PATH: process.env.PATH ?? '',
  GRIDSTREAM_TOPIC_PREFIX: config.prefix,
  KAFKA_BROKERS: config.brokers,
  SCHEMA_REGISTRY_URL: config.registryUrl,
  INGEST_TOKEN: token,
  INGEST_HTTP_PORT: String(httpPort),
  // The simulator sends in bursts: a short idle spell would close steps early.
  CLEAN_IDLE_MS: '20000',
  LOG_LEVEL: 'warn',
};

function startNode(script: string, args: string[] = [], stdio: 'inherit' | 'pipe' = 'inherit'): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repoRoot, env: serviceEnv, stdio: ['ignore', stdio, 'inherit'] });
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Counter values of one metric from a /metrics text, by their labels. */
function counters(metricsText: string, name: string): Array<{ labels: string; value: number }> {
  return metricsText
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .map((line) => ({ labels: line.slice(name.length + 1, line.lastIndexOf('}')), value: Number(line.slice(line.lastIndexOf(' ') + 1)) }));
}

const stages = ['ingest', 'validate', 'clean', 'feature', 'quality'] as const;
const services = new Map(stages.map((stage) => [stage, startNode(`services/${stage}/src/main.ts`)]));
for (const [stage, child] of services) {
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${stage} exited (${code ?? signal}); stopping the demo`);
      process.exit(1);
    }
  });
}
let stopping = false;
const t = topicNames(config.prefix);
const client = await new TopicClient({ brokers: config.brokers.split(','), registryUrl: config.registryUrl, clientId: 'gridstream-demo' }).connect();
try {
  for (const stage of stages) {
    await until(`${stage} to be ready`, async () => (await fetch(`http://127.0.0.1:${defaultOpsPorts[stage]}/readyz`)).ok, 90_000);
  }
  console.log(`ingest, validate, clean, feature and quality are up; simulating ${config.hours} h of ${config.meters} meters, 4 EIA regions, 4 weather stations and a TEP unit`);
  const simulator = startNode('packages/cli/src/main.ts', ['simulate', '--to', 'http', '--url', `http://127.0.0.1:${httpPort}`, '--hours', String(config.hours), '--meters', String(config.meters)]);
  const simulatorExit = await new Promise<number | null>((resolve) => simulator.once('exit', resolve));
  if (simulatorExit !== 0) throw new Error(`the simulator failed (exit ${simulatorExit})`);
  await until('validate to catch up with <p>.raw', async () => (await client.groupLag(t.group('validate'), t.raw)) === 0, 120_000);
  await until('clean to catch up with <p>.valid', async () => (await client.groupLag(t.group('clean'), t.valid)) === 0, 120_000);
  await until('feature to catch up with <p>.clean', async () => (await client.groupLag(t.group('feature'), t.clean)) === 0, 120_000);
  await until('quality to catch up with <p>.quality.parts', async () => (await client.groupLag(t.group('quality'), t.qualityParts)) === 0, 120_000);

  console.log('\nstage      records in  records out  dead-lettered (by reason)');
  for (const stage of stages) {
    const text = await (await fetch(`http://127.0.0.1:${defaultOpsPorts[stage]}/metrics`)).text();
    // Internal topics (quality counts, feature's weather side input) are not what a stage passes on.
    const internal = (labels: string) => labels.includes(`"${t.qualityParts}"`) || labels.includes(`"${t.weather}"`);
    const sum = (name: string) => counters(text, name).reduce((total, c) => total + (internal(c.labels) ? 0 : c.value), 0);
    const reasons = counters(text, 'gridstream_dlq_records_total')
      .map((c) => `${/reason="([^"]+)"/.exec(c.labels)?.[1]} ${c.value}`)
      .join(', ');
    console.log(`${stage.padEnd(10)} ${String(sum('gridstream_records_in_total')).padStart(10)}  ${String(sum('gridstream_records_out_total')).padStart(11)}  ${reasons || '-'}`);
  }
  console.log('\nsource     completeness  validity  duplicates  (over every window reported so far)');
  for (const [source, r] of await qualityBySource()) {
    const share = (n: number, d: number) => (d > 0 ? `${((100 * n) / d).toFixed(1)} %` : '-');
    console.log(`${source.padEnd(10)} ${share(r.received, r.expected).padStart(12)}  ${share(r.valid, r.valid + r.invalid).padStart(8)}  ${String(r.duplicates).padStart(10)}`);
  }
  console.log(`\nresults: topics ${t.raw} (parsed), ${t.valid} (validated), ${t.clean} and ${t.gaps} (cleaned, with gaps),`);
  console.log(`         ${t.features} (feature vectors), ${t.quality} (data quality per source and hour), ${t.dlq} (rejects with their reasons in headers)`);
  console.log(`the last steps of each entity are closed once clean has been idle for CLEAN_IDLE_MS (20 s here)`);
  console.log(`each service serves /metrics, /healthz and /readyz on :${stages.map((stage) => `${defaultOpsPorts[stage]} (${stage})`).join(', :')}`);
} finally {
  stopping = true;
  await client.close();
  await Promise.all(
    [...services.values()].map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : (child.once('exit', resolve), child.kill('SIGTERM'))))),
  );
}

/** The counts of the latest report of every window, added up per source. */
async function qualityBySource(): Promise<Map<string, { expected: number; received: number; valid: number; invalid: number; duplicates: number }>> {
  const latest = new Map<string, QualityReport>();
  for (const record of await client.readAll(t.quality)) latest.set(record.key!, (await client.decodeAvro('quality', record.value!)) as QualityReport);
  const bySource = new Map<string, { expected: number; received: number; valid: number; invalid: number; duplicates: number }>();
  for (const r of latest.values()) {
    const sum = bySource.get(r.source) ?? { expected: 0, received: 0, valid: 0, invalid: 0, duplicates: 0 };
    for (const field of ['expected', 'received', 'valid', 'invalid', 'duplicates'] as const) sum[field] += r[field];
    bySource.set(r.source, sum);
  }
  return new Map([...bySource].sort(([a], [b]) => (a < b ? -1 : 1)));
}
