// Run from the repository root: node --import tsx bench/pipeline.ts [--meters 10000] [--hours 4]
// The whole pipeline, every service its own process, on a simulated backlog of many entities: the
// records/s from ingest to the last stage, and each service's peak resident memory (RSS) with that
// many entities in its state (issue 9's target: at most 200 MB at 10k entities). Then, as the
// baseline, the same backlog through eight raw pass-through hops in the pipeline's shape. Writes
// bench/results/<date>-pipeline.json.
import { parseArgs } from 'node:util';
import { TopicClient } from '@gridstream/runtime';
import { topicNames } from '@gridstream/schemas';
import { readStackEnv, runStack, uniqueName } from '@gridstream/test-kit';
// Relative import: bench/package.json does not depend on the simulator.
import { defaultSimulationConfig, simulate } from '../packages/simulator/src/index.js';
import { drain, PARTITIONS, publishBacklog, startHopChain, startPipeline } from './pipeline-services.js';
import { positiveIntegerArg, writeResult } from './results.js';

const RUN_LIMIT_MS = 15 * 60_000;

const { values: args } = parseArgs({ options: { meters: { type: 'string', default: '10000' }, hours: { type: 'string', default: '4' } } });
const meters = positiveIntegerArg('--meters', args.meters, '10000');
const hours = positiveIntegerArg('--hours', args.hours, '4');

runStack('up', 'kafka', 'registry', 'redis', 'influxdb');
const stack = readStackEnv();
const client = await new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, clientId: 'gridstream-bench' }).connect();
const prefix = uniqueName('bench-pipeline');
const t = topicNames(prefix);

try {
  const simulation = defaultSimulationConfig({ seed: 9, meters, regions: 4, weatherStations: 4, durationMs: hours * 3_600_000, startTs: Date.UTC(2026, 0, 1) });
  console.error(`publishing ${meters} meters' ${hours} hours to ${t.ingestJson}`);
  await client.ensureTopics([{ topic: t.ingestJson, partitions: PARTITIONS }]);
  const events = await publishBacklog(client, t.ingestJson, simulate(simulation));
  const pipeline = await startPipeline(stack, client, prefix);
  let seconds: number;
  let rssMb: Record<string, number>;
  let memory: ReturnType<typeof pipeline.peakMemory>;
  try {
    seconds = await drain(pipeline, events, RUN_LIMIT_MS);
    rssMb = pipeline.peakRssMb();
    memory = pipeline.peakMemory();
  } finally {
    await pipeline.stop();
  }
  // The baseline: as many raw hops in the same shape, over the same backlog.
  const chain = await startHopChain(stack, client, prefix, t.ingestJson);
  let chainSeconds: number;
  try {
    chainSeconds = await drain(chain, events, RUN_LIMIT_MS);
  } finally {
    await chain.stop();
  }
  const [eventsPerSecond, chainEventsPerSecond] = [events / seconds, events / chainSeconds];
  console.log(`pipeline: ${events} events of ${meters} meters, ${hours} h, through all eight services in ${seconds.toFixed(1)} s: ${Math.round(eventsPerSecond)} events/s`);
  console.log(`raw hops: the same events through eight raw pass-through hops in ${chainSeconds.toFixed(1)} s: ${Math.round(chainEventsPerSecond)} events/s; ratio ${(eventsPerSecond / chainEventsPerSecond).toFixed(2)}x`);
  // What the peak is made of: V8's heap by generation, and Buffers outside it; the rest is code, stacks and the allocator's slack.
  console.log('\n| service | peak RSS, MB | V8 heap then | old gen | new gen | external |\n| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [stage, mb] of Object.entries(rssMb)) {
    const at = memory[stage];
    console.log(`| ${stage} | ${mb} | ${at ? `${at.heap} | ${at.oldSpace} | ${at.newSpace} | ${at.external}` : '| | |'} |`);
  }
  const result = { meters, hours, events, partitions: PARTITIONS, seconds, eventsPerSecond, chainSeconds, chainEventsPerSecond, ratio: eventsPerSecond / chainEventsPerSecond, peakRssMb: rssMb, peakMemoryMb: memory };
  console.log(`\nwritten to ${writeResult('pipeline', result)}`);
} finally {
  await client.close();
}
