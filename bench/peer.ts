// Run from the repository root: node --import tsx bench/peer.ts [--records 150000]
// Our clean + feature against a peer: a Quix Streams application (bench/quix_peer.py) doing the same kind
// of work for meter readings, exactly-once with its state in changelogged RocksDB: drop repeated
// timestamps per meter, then a 24-step rolling mean of the load. Both read the same backlog of valid
// readings on the same broker, in turns, on fresh groups; each is timed by its group's lag on that input.
// Ours does more per record (gap filling, outlier checks, 25 features over 168-step windows) and in two
// processes with a topic between them; the peer's transform is the "e.g.".
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { TopicClient } from '@gridstream/runtime';
import { topicNames } from '@gridstream/schemas';
import { readStackEnv, runStack, startProcess, startService, uniqueName } from '@gridstream/test-kit';
import { timeCatchUp, type CatchUp } from './catch-up.js';
import { cleanInput } from './meter-readings.js';
import { benchEnv, PARTITIONS, publishInChunks } from './pipeline-services.js';
import { machine, median, positiveIntegerArg, repoRoot, writeResult } from './results.js';

const ROUNDS = 2;

type Kind = 'gridstream clean+feature' | 'quix streams';
interface Run extends CatchUp {
  run: number;
  kind: Kind;
  prefix: string;
}

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '150000' } } });
const inputRecords = positiveIntegerArg('--records', args.records!, '150000');

// Installed into the cache when missing (about 30 s).
const python = execFileSync(`${repoRoot}scripts/tools`, ['path', 'quixstreams'], { encoding: 'utf8' }).trim();
runStack('up', 'kafka', 'registry');
const stack = readStackEnv();
const client = await new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, clientId: 'gridstream-bench' }).connect();
const admin = new Kafka({ clientId: 'gridstream-bench', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
await admin.connect();
const quixGroups: string[] = [];
try {
  const runs: Run[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const prefix = uniqueName('bench-peer');
    await publishInput(prefix);
    // Alternating which goes first, so neither always meets a broker warmed by the other.
    const order: Kind[] = round % 2 === 0 ? ['quix streams', 'gridstream clean+feature'] : ['gridstream clean+feature', 'quix streams'];
    for (const kind of order) runs.push({ run: runs.length + 1, kind, prefix, ...(await (kind === 'quix streams' ? runQuix(prefix) : runOurs(prefix))) });
  }
  const medianOf = (kind: Kind) => median(runs.filter((r) => r.kind === kind).map((r) => r.recordsPerSecond));
  const ours = medianOf('gridstream clean+feature');
  const quix = medianOf('quix streams');
  const { cpus, node } = machine();
  console.log(`peer: ${inputRecords} meter readings per run, ${PARTITIONS} partitions, ${cpus} CPUs, Node ${node}\n`);
  console.log('| run | kind | records | seconds | records/s | start-up s |');
  console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
  for (const r of runs) console.log(`| ${r.run} | ${r.kind} | ${r.records} | ${r.seconds.toFixed(2)} | ${Math.round(r.recordsPerSecond)} | ${r.startupSeconds.toFixed(1)} |`);
  console.log(`\nclean+feature / Quix Streams: ${(ours / quix).toFixed(2)}x (medians: ${Math.round(ours)} / ${Math.round(quix)} records/s)`);
  console.log(`written to ${writeResult('peer', { inputRecords, partitions: PARTITIONS, runs, medianRecordsPerSecond: { ours, quix }, ratio: ours / quix })}`);
} finally {
  // Quix names its changelog topics after its group, outside our prefix, so pruning would not find them.
  const changelogs = (await admin.listTopics()).filter((topic) => quixGroups.some((group) => topic.includes(group)));
  if (changelogs.length > 0) await admin.deleteTopics({ topics: changelogs });
  await admin.disconnect();
  await client.close();
}

async function publishInput(prefix: string): Promise<void> {
  const topic = topicNames(prefix).valid;
  console.error(`publishing ${inputRecords} records to ${topic}`);
  await client.ensureTopics([{ topic, partitions: PARTITIONS }]);
  const encode = await client.avroEncoder('valid', topic);
  await publishInChunks(client, topic, cleanInput(inputRecords).map((m) => ({ key: m.entity, value: encode(m) })));
}

/** Clean and feature as deployed, each its own process; through when clean has read the input and feature all clean wrote. */
async function runOurs(prefix: string): Promise<CatchUp> {
  const t = topicNames(prefix);
  // A partition done well before the others would otherwise close what it holds, in a transaction of its own, mid-run.
  const env = benchEnv(stack, prefix, { GRIDSTREAM_OPS_PORT: '0', CLEAN_IDLE_MS: '600000' });
  await client.ensureTopics([{ topic: t.clean, partitions: PARTITIONS }]);
  // Clean's lag on the input, and one more record until feature has read all that clean wrote.
  const lag = async () => (await client.groupLag(t.group('clean'), t.valid)) || Math.min(1, await client.groupLag(t.group('feature'), t.clean));
  return timeCatchUp(`gridstream clean+feature on ${t.valid}`, inputRecords, () => [startService('clean', env), startService('feature', env)], lag);
}

async function runQuix(prefix: string): Promise<CatchUp> {
  const input = topicNames(prefix).valid;
  const group = uniqueName('bench-peer-quix');
  quixGroups.push(group);
  const output = `${prefix}.quix-mean24`;
  // As many partitions as our topics; Quix would make it with one.
  await client.ensureTopics([{ topic: output, partitions: PARTITIONS }]);
  const stateDir = mkdtempSync(`${os.tmpdir()}/gridstream-quix-`);
  try {
    const args = ['bench/quix_peer.py', '--brokers', stack.kafkaBrokers.join(','), '--registry', stack.schemaRegistryUrl, '--input', input, '--output', output, '--group', group, '--state-dir', stateDir];
    return await timeCatchUp(`quix streams on ${input}`, inputRecords, () => [startProcess(python, args, {})], () => client.groupLag(group, input));
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}
