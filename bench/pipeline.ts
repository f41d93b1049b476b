// Run from the repository root: node --import tsx bench/pipeline.ts [--meters 10000] [--hours 6]
// The whole pipeline, every service its own process, on a simulated backlog of many entities: the
// records/s from ingest to the last stage, and each service's peak resident memory (RSS) with that
// many entities in its state (issue 9's target: at most 200 MB at 10k entities). Writes
// bench/results/<date>-pipeline.json.
import { parseArgs } from 'node:util';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, type Stage } from '@gridstream/schemas';
import { freePort, readStackEnv, rssBytes, runStack, serverEnv, startService, uniqueName, waitForReady, type ServiceProcess } from '@gridstream/test-kit';
// Relative import: bench/package.json does not depend on the simulator.
import { defaultSimulationConfig, simulate } from '../packages/simulator/src/index.js';
import { writeResult } from './results.js';

const PARTITIONS = 6;
const SAMPLE_MS = 500;
const RUN_LIMIT_MS = 15 * 60_000;

const { values: args } = parseArgs({ options: { meters: { type: 'string', default: '10000' }, hours: { type: 'string', default: '6' } } });
const meters = Number(args.meters);
const hours = Number(args.hours);
for (const [name, value] of [['--meters', meters], ['--hours', hours]] as const) {
  if (!Number.isSafeInteger(value) || value <= 0) {
    console.error(`${name}: expected a positive integer, got "${value}"; e.g. --meters 10000 --hours 6`);
    process.exit(2);
  }
}

runStack('up', 'kafka', 'registry', 'redis', 'influxdb');
const stack = readStackEnv();
const client = await new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, clientId: 'gridstream-bench' }).connect();
const prefix = uniqueName('bench-pipeline');
const t = topicNames(prefix);
const services = new Map<Stage, ServiceProcess>();
process.once('exit', () => {
  for (const service of services.values()) service.child.kill('SIGKILL');
});

/** What each stage reads: the pipeline is through when no group has anything left. */
const inputs: Array<[Stage, string]> = [
  ['ingest', t.ingestJson],
  ['validate', t.raw],
  ['clean', t.valid],
  ['feature', t.clean],
  ['window', t.features],
  ['quality', t.qualityParts],
  ['redis-sink', t.features],
  ['influx-sink', t.features],
];
const totalLag = async () => (await Promise.all(inputs.map(([stage, topic]) => client.groupLag(t.group(stage), topic)))).reduce((a, b) => a + b, 0);

try {
  const simulation = defaultSimulationConfig({ seed: 9, meters, regions: 4, weatherStations: 4, durationMs: hours * 3_600_000, startTs: Date.UTC(2026, 0, 1) });
  console.error(`publishing ${meters} meters' ${hours} hours to ${t.ingestJson}`);
  await client.ensureTopics([{ topic: t.ingestJson, partitions: PARTITIONS }]);
  let events = 0;
  let batch: Array<{ key: string | null; value: string }> = [];
  for (const event of simulate(simulation)) {
    batch.push({ key: event.key, value: event.line });
    events += 1;
    if (batch.length === 10_000) {
      await client.publish([{ topic: t.ingestJson, records: batch }]);
      batch = [];
    }
  }
  await client.publish([{ topic: t.ingestJson, records: batch }]);

  const env = { ...serverEnv(stack), GRIDSTREAM_TOPIC_PREFIX: prefix, GRIDSTREAM_PARTITIONS: String(PARTITIONS), LOG_LEVEL: 'warn', INGEST_TOKEN: 'bench-pipeline-token-0123' };
  const opsPorts = new Map<Stage, number>();
  for (const [stage] of inputs) {
    const port = await freePort();
    opsPorts.set(stage, port);
    services.set(stage, startService(stage, { ...env, GRIDSTREAM_OPS_PORT: String(port), ...(stage === 'ingest' ? { INGEST_HTTP_PORT: String(await freePort()) } : {}) }));
  }
  const peakRss = new Map<Stage, number>();
  const sampleRss = () => {
    for (const [stage, service] of services) if (service.child.pid !== undefined) peakRss.set(stage, Math.max(peakRss.get(stage) ?? 0, rssBytes(service.child.pid)));
  };
  for (const [stage, service] of services) await waitForReady(service, opsPorts.get(stage)!, 180_000);

  // From the first progress seen to no lag left anywhere: start-up is excluded.
  const startMs = performance.now();
  let firstMs: number | null = null;
  for (;;) {
    sampleRss();
    const lag = await totalLag();
    const nowMs = performance.now();
    firstMs ??= lag < events ? nowMs : null;
    if (lag === 0 && firstMs !== null) break;
    for (const [stage, service] of services) if (service.child.exitCode !== null) throw new Error(`${stage} exited; its output:\n${service.output().slice(-4_000)}`);
    if (nowMs - startMs > RUN_LIMIT_MS) throw new Error(`not through after ${RUN_LIMIT_MS / 60_000} minutes; ${lag} records left`);
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
  }
  const seconds = (performance.now() - firstMs) / 1000;
  const eventsPerSecond = events / seconds;
  const rssMb = Object.fromEntries([...peakRss].map(([stage, bytes]) => [stage, Math.round(bytes / 2 ** 20)]));
  console.log(`pipeline: ${events} events of ${meters} meters, ${hours} h, through all eight services in ${seconds.toFixed(1)} s: ${Math.round(eventsPerSecond)} events/s`);
  console.log('\n| service | peak RSS, MB |\n| --- | ---: |');
  for (const [stage, mb] of Object.entries(rssMb)) console.log(`| ${stage} | ${mb} |`);
  console.log(`\nwritten to ${writeResult('pipeline', { meters, hours, events, partitions: PARTITIONS, seconds, eventsPerSecond, peakRssMb: rssMb })}`);
} finally {
  for (const service of services.values()) service.child.kill('SIGTERM');
  await Promise.all([...services.values()].map((service) => service.exited));
  await client.close();
}
