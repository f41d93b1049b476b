// Run from the repository root: node --import tsx bench/clients.ts [--records 100000]
// The Kafka client itself, side by side: the same exactly-once raw hop (the bytes copied, a transaction that also
// commits the input offsets) on kafkajs with our patch (bench/passthrough.ts --from/--to, as bench/pipeline.ts
// chains it) and on librdkafka through @confluentinc/kafka-javascript, by its KafkaJS-compatible API and by its
// own (bench/librdkafka-hop.ts), each as a ratio to kafkajs in the same run. Every candidate reads the same
// input topic on its own group; the rounds alternate them.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { TopicClient } from '@gridstream/runtime';
import { topicNames } from '@gridstream/schemas';
import { readStackEnv, runStack, startScript, uniqueName, type ServiceProcess } from '@gridstream/test-kit';
import { timeCatchUp, type CatchUp } from './catch-up.js';
import { cleanInput } from './meter-readings.js';
import { rawHopNames } from './passthrough-names.js';
import { benchEnv, PARTITIONS, publishInChunks } from './pipeline-services.js';
import { machine, median, positiveIntegerArg, repoRoot, writeResult } from './results.js';

const ROUNDS = 2;

const candidates = {
  kafkajs: (from: string, to: string, env: Record<string, string>) => startScript('bench/passthrough.ts', ['--from', from, '--to', to], env),
  'librdkafka, KafkaJS API': (from: string, to: string, env: Record<string, string>) => startScript('bench/librdkafka-hop.ts', ['--api', 'kafkajs', '--from', from, '--to', to], env),
  'librdkafka, native API': (from: string, to: string, env: Record<string, string>) => startScript('bench/librdkafka-hop.ts', ['--api', 'native', '--from', from, '--to', to], env),
} satisfies Record<string, (from: string, to: string, env: Record<string, string>) => ServiceProcess>;
type Candidate = keyof typeof candidates;

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '100000' } } });
const records = positiveIntegerArg('--records', args.records, '100000');

// Builds librdkafka and the binding on the first run (a few minutes), then takes them from the cache.
execFileSync(`${repoRoot}scripts/tools`, ['install', 'kafka-javascript'], { stdio: 'inherit' });
runStack('up', 'kafka', 'registry');
const stack = readStackEnv();
const client = await new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, clientId: 'gridstream-bench' }).connect();
const prefix = uniqueName('bench-clients');
const input = topicNames(prefix).raw;

try {
  console.error(`publishing ${records} meter readings to ${input}`);
  await client.ensureTopics([{ topic: input, partitions: PARTITIONS }]);
  const encode = await client.avroEncoder('raw', input);
  await publishInChunks(client, input, cleanInput(records).map((m) => ({ key: m.entity, value: encode(m) })));

  const runs: Array<{ round: number; candidate: Candidate } & CatchUp> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const candidate of Object.keys(candidates) as Candidate[]) {
      const to = `${prefix}.hop-${Object.keys(candidates).indexOf(candidate)}-${round}`;
      const start = () => [candidates[candidate](input, to, benchEnv(stack, prefix))];
      const catchUp = await timeCatchUp(`round ${round}, ${candidate}`, records, start, () => client.groupLag(rawHopNames(to).group, input));
      runs.push({ round, candidate, ...catchUp });
    }
  }
  report(runs);
} finally {
  await client.close();
}

function report(runs: Array<{ round: number; candidate: Candidate } & CatchUp>): void {
  const medians = Object.fromEntries(
    (Object.keys(candidates) as Candidate[]).map((candidate) => [candidate, median(runs.filter((r) => r.candidate === candidate).map((r) => r.recordsPerSecond))]),
  ) as Record<Candidate, number>;
  const ratios = Object.fromEntries(Object.entries(medians).map(([candidate, perSecond]) => [candidate, perSecond / medians.kafkajs])) as Record<Candidate, number>;
  const { cpus, node } = machine();
  console.log(`Kafka clients, an exactly-once raw hop: ${records} records, ${PARTITIONS} partitions, ${cpus} CPUs, Node ${node}\n`);
  console.log('| round | client | records/s |');
  console.log('| ---: | --- | ---: |');
  for (const r of runs) console.log(`| ${r.round} | ${r.candidate} | ${Math.round(r.recordsPerSecond)} |`);
  console.log('');
  for (const candidate of Object.keys(candidates) as Candidate[]) console.log(`${candidate}: ${Math.round(medians[candidate])} records/s, ${ratios[candidate].toFixed(2)}x kafkajs`);
  const path = writeResult('clients', { records, partitions: PARTITIONS, runs, medianRecordsPerSecond: medians, ratioToKafkajs: ratios });
  console.log(`\nwritten to ${path}`);
}
