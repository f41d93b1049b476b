// Run from the repository root: node --import tsx bench/validate-throughput.ts [--records N]
// Validate's sustained throughput as a ratio to bench/passthrough.ts, a raw kafkajs pass-through with
// the same serde and transaction settings. Both run in the same bench, each as its own process: on
// two noisy shared cores only a ratio measured in one run means anything.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, type Measurement } from '@gridstream/schemas';
import { readStackEnv, runStack, startScript, startService, uniqueName, type ServiceProcess } from '@gridstream/test-kit';
import { passthroughNames } from './passthrough.js';

const PARTITIONS = 6;
const ENTITIES = 500;
const PUBLISH_CHUNK_RECORDS = 10_000;
const POLL_INTERVAL_MS = 100;
const RUN_LIMIT_MS = 5 * 60_000;
const STOP_LIMIT_MS = 30_000;
const ROUNDS = 2;

type Kind = 'pass-through' | 'validate';

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

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({ options: { records: { type: 'string', default: '200000' } } });
const inputRecords = Number(args.records);
if (!Number.isSafeInteger(inputRecords) || inputRecords <= 0) {
  console.error(`--records: expected a positive integer, got "${args.records}"; e.g. --records 200000`);
  process.exit(2);
}

const children = new Set<ServiceProcess>();
process.once('exit', () => {
  for (const service of children) service.child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(128 + os.constants.signals[signal]));

runStack('up', 'kafka', 'registry');
const stack = readStackEnv();
const client = await new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, clientId: 'gridstream-bench' }).connect();

try {
  const prefixes = Array.from({ length: ROUNDS }, () => uniqueName('bench-validate'));
  for (const prefix of prefixes) await publishInput(prefix);

  // validate's group name follows from the prefix, so each round reads its own copy of the input.
  const results: RunResult[] = [];
  for (const prefix of prefixes) {
    results.push(await measure(results.length + 1, 'pass-through', prefix, passthroughNames(prefix).group, () => startPassthrough(stageEnv(prefix))));
    results.push(
      await measure(results.length + 1, 'validate', prefix, topicNames(prefix).group('validate'), () =>
        startService('validate', {
          ...stageEnv(prefix),
          // The input is from January 2026; a year of allowed skew keeps it valid even on a clock that lags behind.
          VALIDATE_MAX_FUTURE_SKEW_MS: String(366 * 24 * 3_600_000),
        }),
      ),
    );
    // Dead letters would skip the output encoding and flatter validate.
    const deadLetters = (await client.readAll(topicNames(prefix).dlq)).length;
    if (deadLetters > 0) throw new Error(`validate dead-lettered ${deadLetters} of the bench's records on ${topicNames(prefix).dlq}; the input must be valid`);
  }
  report(results);
} finally {
  await client.close();
}

/** The settings both candidates share. NODE_OPTIONS reaches both alike, e.g. a GC setting such as --max-semi-space-size=64. */
function stageEnv(prefix: string): Record<string, string> {
  return {
    GRIDSTREAM_TOPIC_PREFIX: prefix,
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    GRIDSTREAM_PARTITIONS: String(PARTITIONS),
    GRIDSTREAM_OPS_PORT: '0',
    LOG_LEVEL: 'warn',
    ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
  };
}

/** Valid meter readings, 15 minutes apart per meter, keyed by meter. */
function measurement(i: number): Measurement {
  const ts = Date.UTC(2026, 0, 1) + Math.floor(i / ENTITIES) * 900_000;
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

async function publishInput(prefix: string): Promise<void> {
  const t = topicNames(prefix);
  console.error(`publishing ${inputRecords} records to ${t.raw}`);
  await client.ensureTopics([{ topic: t.raw, partitions: PARTITIONS }]);
  const encode = await client.avroEncoder('raw', t.raw);
  for (let from = 0; from < inputRecords; from += PUBLISH_CHUNK_RECORDS) {
    const records = [];
    for (let i = from; i < Math.min(from + PUBLISH_CHUNK_RECORDS, inputRecords); i++) {
      const m = measurement(i);
      records.push({ key: m.entity, value: encode(m) });
    }
    await client.publish([{ topic: t.raw, records }]);
  }
}

/** Spawned the way test-kit's startService spawns a service, so both pay process start-up alike. */
function startPassthrough(env: Record<string, string>): ServiceProcess {
  return startScript('bench/passthrough.ts', [], env);
}

/**
 * Starts one candidate on a fresh group and polls the group's lag: the clock runs from the first
 * poll that sees progress (so process start-up and group join are excluded) to the first that sees none left.
 */
async function measure(run: number, kind: Kind, prefix: string, group: string, start: () => ServiceProcess): Promise<RunResult> {
  const input = topicNames(prefix).raw;
  const what = `run ${run} (${kind} on ${input}, group ${group})`;
  console.error(`${what}: started`);
  const spawnedMs = performance.now();
  const service = start();
  children.add(service);
  try {
    let first: { atMs: number; lag: number } | null = null;
    for (;;) {
      const lag = await client.groupLag(group, input);
      const atMs = performance.now();
      if (first === null && lag < inputRecords) first = { atMs, lag };
      if (lag === 0 && first !== null) {
        if (first.lag === 0) throw new Error(`${what}: finished between two polls ${POLL_INTERVAL_MS} ms apart; use more --records`);
        const seconds = (atMs - first.atMs) / 1000;
        const result = { run, kind, prefix, records: first.lag, seconds, recordsPerSecond: first.lag / seconds, startupSeconds: (first.atMs - spawnedMs) / 1000 };
        console.error(`${what}: ${Math.round(result.recordsPerSecond)} records/s`);
        return result;
      }
      if (service.child.exitCode !== null || service.child.signalCode !== null) {
        throw new Error(`${what}: exited (${await service.exited}) with ${lag} records left; its output:\n${service.output()}`);
      }
      if (atMs - spawnedMs > RUN_LIMIT_MS) {
        throw new Error(`${what}: not done after ${RUN_LIMIT_MS / 60_000} minutes, ${lag} of ${inputRecords} records left; its output:\n${service.output()}`);
      }
      await sleep(POLL_INTERVAL_MS);
    }
  } finally {
    await stop(service, what);
  }
}

/** SIGTERM, as a deployment stops it; SIGKILL if it is not gone in time. */
async function stop(service: ServiceProcess, what: string): Promise<void> {
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), STOP_LIMIT_MS);
  const exit = await service.exited;
  clearTimeout(timer);
  children.delete(service);
  if (exit !== 0) console.error(`${what}: stopped with ${exit}; its output:\n${service.output()}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function report(results: RunResult[]): void {
  const medianOf = (kind: Kind) => median(results.filter((r) => r.kind === kind).map((r) => r.recordsPerSecond));
  const passthroughRecordsPerSecond = medianOf('pass-through');
  const validateRecordsPerSecond = medianOf('validate');
  const ratio = validateRecordsPerSecond / passthroughRecordsPerSecond;
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };

  console.log(`validate throughput: ${inputRecords} records, ${PARTITIONS} partitions, ${machine.cpus} CPUs, Node ${machine.node}\n`);
  console.log('| run | kind | records | seconds | records/s |');
  console.log('| ---: | --- | ---: | ---: | ---: |');
  for (const r of results) console.log(`| ${r.run} | ${r.kind} | ${r.records} | ${r.seconds.toFixed(2)} | ${Math.round(r.recordsPerSecond)} |`);
  console.log(`\nvalidate / pass-through: ${ratio.toFixed(2)}x (medians: ${Math.round(validateRecordsPerSecond)} / ${Math.round(passthroughRecordsPerSecond)} records/s)`);

  const date = new Date();
  const path = `bench/results/${date.toISOString().slice(0, 10)}-validate.json`;
  const json = {
    bench: 'validate-throughput',
    date: date.toISOString(),
    commit: execFileSync('git', ['describe', '--always', '--dirty'], { cwd: repoRoot, encoding: 'utf8' }).trim(),
    inputRecords,
    partitions: PARTITIONS,
    entities: ENTITIES,
    machine,
    runs: results,
    medianRecordsPerSecond: { passThrough: passthroughRecordsPerSecond, validate: validateRecordsPerSecond },
    ratio,
  };
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  // Written whole or not at all: *.tmp is git-ignored.
  writeFileSync(`${repoRoot}${path}.tmp`, `${JSON.stringify(json, null, 2)}\n`);
  renameSync(`${repoRoot}${path}.tmp`, `${repoRoot}${path}`);
  console.log(`\nwritten to ${path}`);
}
