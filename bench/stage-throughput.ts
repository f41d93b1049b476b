// Run from the repository root: node --import tsx bench/stage-throughput.ts [--stage validate|clean|feature|window] [--records N]
// A Kafka→Kafka stage's sustained throughput as a ratio to bench/passthrough.ts, a raw kafkajs pass-through
// of the stage's input topic with the same serde and transaction settings. Both run in the same bench, each
// as its own process: on two noisy shared cores only a ratio measured in one run means anything.
import { parseArgs } from 'node:util';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, type CleanMeasurement, type FeatureVector, type Measurement } from '@gridstream/schemas';
import { readStackEnv, runStack, startBundle, startService, uniqueName, type ServiceProcess } from '@gridstream/test-kit';
import { timeCatchUp } from './catch-up.js';
import { featureNames, featureVector } from './feature-vectors.js';
import { cleanInput } from './meter-readings.js';
import { passthroughNames } from './passthrough-names.js';
import { benchEnv, PARTITIONS, publishInChunks } from './pipeline-services.js';
import { machine, median, positiveIntegerArg, writeResult } from './results.js';

const ENTITIES = 500;
const METER_STEP_MS = 900_000;
const ROUNDS = 2;

type StageName = 'validate' | 'clean' | 'feature' | 'window';
type Kind = 'pass-through' | StageName;

interface StageBench {
  /** The topic the stage reads, and its pass-through with it. */
  input: 'raw' | 'valid' | 'clean' | 'features';
  /** The input in publishing order, `count` records; the same for every round. */
  records(count: number): Iterable<Measurement | CleanMeasurement | FeatureVector>;
  start(env: Record<string, string>): ServiceProcess;
}

const stageBenches: Record<StageName, StageBench> = {
  validate: {
    input: 'raw',
    records: validateInput,
    start: (env) =>
      startService('validate', {
        ...env,
        // The input is from January 2026; a year of allowed skew keeps it valid even on a clock that lags behind.
        VALIDATE_MAX_FUTURE_SKEW_MS: String(366 * 24 * 3_600_000),
      }),
  },
  clean: {
    input: 'valid',
    records: cleanInput,
    // A partition done well before the others would otherwise close what it holds, in a transaction of its own, mid-run.
    start: (env) => startService('clean', { ...env, CLEAN_IDLE_MS: '600000' }),
  },
  feature: {
    input: 'clean',
    records: featureInput,
    start: (env) => startService('feature', env),
  },
  window: {
    input: 'features',
    records: windowInput,
    // Its defaults: a week of hours per sequence, one every day.
    start: (env) => startService('window', env),
  },
};

interface RunResult {
  run: number;
  kind: Kind;
  prefix: string;
  /** Committed between the first observed progress and the end: start-up and group join are excluded. */
  records: number;
  seconds: number;
  recordsPerSecond: number;
  /** From spawning the process to its first observed commit. */
  startupSeconds: number;
}

interface StageResult {
  stage: StageName;
  input: StageBench['input'];
  runs: RunResult[];
  medianRecordsPerSecond: { passThrough: number; stage: number };
  ratio: number;
}

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '150000' }, stage: { type: 'string' } } });
const inputRecords = positiveIntegerArg('--records', args.records, '150000');
const stageNames = Object.keys(stageBenches) as StageName[];
if (args.stage !== undefined && !stageNames.includes(args.stage as StageName)) {
  console.error(`--stage: expected one of ${stageNames.join(', ')}, got "${args.stage}"; e.g. --stage clean`);
  process.exit(2);
}
const selectedStages = args.stage === undefined ? stageNames : [args.stage as StageName];

runStack('up', 'kafka', 'registry');
const stack = readStackEnv();
const client = await new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, clientId: 'gridstream-bench' }).connect();

try {
  const results: StageResult[] = [];
  for (const stage of selectedStages) results.push(await benchStage(stage));
  report(results);
} finally {
  await client.close();
}

/** Alternates the pass-through and the stage, each round on a fresh prefix with its own copy of the input. */
async function benchStage(stage: StageName): Promise<StageResult> {
  const bench = stageBenches[stage];
  const prefixes = Array.from({ length: ROUNDS }, () => uniqueName(`bench-${stage}`));
  for (const prefix of prefixes) await publishInput(prefix, bench);

  // The stage's group name follows from the prefix, so each round reads its own copy of the input.
  const runs: RunResult[] = [];
  for (const prefix of prefixes) {
    const input = topicNames(prefix)[bench.input];
    // Bundled and spawned as test-kit's startService runs a service, so both pay process start-up alike.
    const startPassthrough = () => startBundle('bench/passthrough.ts', ['--input', bench.input], stageEnv(prefix));
    runs.push(await measure(runs.length + 1, 'pass-through', prefix, input, passthroughNames(prefix).group, startPassthrough));
    runs.push(await measure(runs.length + 1, stage, prefix, input, topicNames(prefix).group(stage), () => bench.start(stageEnv(prefix))));
    // Dead letters would skip the output encoding (and for clean, the state) and flatter the stage.
    const deadLetters = (await client.readAll(topicNames(prefix).dlq)).length;
    if (deadLetters > 0) throw new Error(`${stage} dead-lettered ${deadLetters} of the bench's records on ${topicNames(prefix).dlq}; the input must pass`);
  }
  const medianOf = (kind: Kind) => median(runs.filter((r) => r.kind === kind).map((r) => r.recordsPerSecond));
  const medianRecordsPerSecond = { passThrough: medianOf('pass-through'), stage: medianOf(stage) };
  return { stage, input: bench.input, runs, medianRecordsPerSecond, ratio: medianRecordsPerSecond.stage / medianRecordsPerSecond.passThrough };
}

/** The settings both candidates share. NODE_OPTIONS reaches both alike, e.g. a GC setting such as --max-semi-space-size=64. */
function stageEnv(prefix: string): Record<string, string> {
  return benchEnv(stack, prefix, { GRIDSTREAM_OPS_PORT: '0', ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}) });
}

/** Valid meter readings, 15 minutes apart per meter, keyed by meter. */
function measurement(i: number): Measurement {
  const ts = Date.UTC(2026, 0, 1) + Math.floor(i / ENTITIES) * METER_STEP_MS;
  return {
    source: 'meter',
    entity: `meter:M-${String(i % ENTITIES).padStart(4, '0')}`,
    ts,
    values: { load: (i % 997) / 100 },
    units: { load: 'kW' },
    tags: { tz: 'Europe/Berlin' },
    eventId: `bench-${i}`,
    ingestedAt: ts + 60_000,
    batch: null,
  };
}

function* validateInput(count: number): Iterable<Measurement> {
  for (let i = 0; i < count; i++) yield measurement(i);
}

/**
 * Clean meter records as feature meets them: each meter every 15 minutes in time order across meters,
 * a daily load curve and daytime pv, meters alternating between Berlin (DE) and New York (US) so the
 * local calendar and both countries' holidays run (1 January is one in both). 1 % have an imputed load.
 * At 500 meters, 150 000 records are 300 steps each: lag_168 and the 168-step windows are full from step 168 on.
 */
function* featureInput(count: number): Iterable<CleanMeasurement> {
  for (let i = 0; i < count; i++) {
    const meter = i % ENTITIES;
    const step = Math.floor(i / ENTITIES);
    const ts = Date.UTC(2026, 0, 1) + step * METER_STEP_MS;
    const dayShare = (step % 96) / 96;
    const load = 0.3 + (1.2 * (1 - Math.cos(2 * Math.PI * dayShare))) / 2 + ((i * 7_919) % 100) / 500;
    const pv = Math.max(0, 4 * Math.sin(2 * Math.PI * (dayShare - 0.25)));
    const berlin = meter % 2 === 0;
    yield {
      source: 'meter',
      entity: `meter:M-${String(meter).padStart(4, '0')}`,
      ts,
      values: { load: Math.round(load * 1000) / 1000, pv: Math.round(pv * 1000) / 1000 },
      units: { load: 'kW', pv: 'kW' },
      tags: berlin ? { tz: 'Europe/Berlin', country: 'DE' } : { tz: 'America/New_York', country: 'US' },
      eventId: `bench-${i}`,
      ingestedAt: ts + 60_000,
      imputed: i % 100 === 37 ? ['load'] : [],
      outliers: [],
      convertedFrom: {},
      resampledFrom: 1,
    };
  }
}

/**
 * Hourly EIA-like feature vectors of 25 features, the entities in step, as window meets them. At 500
 * entities, 150 000 records are 300 hours each: sequences of 168 steps from hour 168 on, one a day.
 */
function* windowInput(count: number): Iterable<FeatureVector> {
  const names = featureNames(25);
  for (let i = 0; i < count; i++) yield featureVector(i, ENTITIES, names);
}

async function publishInput(prefix: string, bench: StageBench): Promise<void> {
  const topic = topicNames(prefix)[bench.input];
  console.error(`publishing ${inputRecords} records to ${topic}`);
  await client.ensureTopics([{ topic, partitions: PARTITIONS }]);
  const encode = await client.avroEncoder(bench.input, topic);
  await publishInChunks(client, topic, (function* () {
    for (const m of bench.records(inputRecords)) yield { key: m.entity, value: encode(m) };
  })());
}

/** One candidate on a fresh group, timed by its lag on the input. */
async function measure(run: number, kind: Kind, prefix: string, input: string, group: string, start: () => ServiceProcess): Promise<RunResult> {
  const catchUp = await timeCatchUp(`run ${run} (${kind} on ${input}, group ${group})`, inputRecords, () => [start()], () => client.groupLag(group, input));
  return { run, kind, prefix, ...catchUp };
}

function report(results: StageResult[]): void {
  const { cpus, node } = machine();
  console.log(`stage throughput: ${inputRecords} records per run, ${PARTITIONS} partitions, ${cpus} CPUs, Node ${node}`);
  for (const { stage, input, runs, medianRecordsPerSecond, ratio } of results) {
    console.log(`\n${stage} (reads <p>.${input})\n`);
    console.log('| run | kind | records | seconds | records/s |');
    console.log('| ---: | --- | ---: | ---: | ---: |');
    for (const r of runs) console.log(`| ${r.run} | ${r.kind} | ${r.records} | ${r.seconds.toFixed(2)} | ${Math.round(r.recordsPerSecond)} |`);
    const medians = `${Math.round(medianRecordsPerSecond.stage)} / ${Math.round(medianRecordsPerSecond.passThrough)} records/s`;
    console.log(`\n${stage} / pass-through: ${ratio.toFixed(2)}x (medians: ${medians})`);
  }
  const path = writeResult('stages', { inputRecords, partitions: PARTITIONS, entities: ENTITIES, stages: results });
  console.log(`\nwritten to ${path}`);
}
