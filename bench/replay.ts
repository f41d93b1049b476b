// Run from the repository root: node --import tsx bench/replay.ts [--entities 1000] [--hours 8760]
// A backfill: `gridstream replay` of a year of hourly clean data for 1000 entities (8.76M records) from
// <p>.clean into the stores, timed from the command's start to its exit (issue 9's target: ≤ 10 minutes).
// Clean records go to InfluxDB only (Redis holds features and sequences). Then InfluxDB is asked how
// many points it holds, so a replay that skipped records cannot pass for a fast one.
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, type CleanMeasurement } from '@gridstream/schemas';
import { createInfluxBucket, fluxCsv, influxApi, readStackEnv, runStack, serverEnv, startScript, uniqueName } from '@gridstream/test-kit';
import { machine, positiveIntegerArg, writeResult } from './results.js';

const PARTITIONS = 6;
const HOUR_MS = 3_600_000;
const FROM_MS = Date.UTC(2025, 0, 1);
/** Records per produce request: about 300 KB per partition, under the broker's 1 MiB batch limit. */
const PUBLISH_CHUNK_RECORDS = 12_000;
/** Produce requests in flight: one at a time leaves the broker idle between them. */
const PUBLISHES_IN_FLIGHT = 4;
const REPLAY_LIMIT_MS = 30 * 60_000;

const { values: args } = parseArgs({ options: { entities: { type: 'string', default: '1000' }, hours: { type: 'string', default: '8760' } } });
const entities = positiveIntegerArg('--entities', args.entities!, '1000');
const hours = positiveIntegerArg('--hours', args.hours!, '8760');
const records = entities * hours;
const toMs = FROM_MS + hours * HOUR_MS;

runStack('up');
const stack = readStackEnv();
const prefix = uniqueName('bench-replay');
const topic = topicNames(prefix).clean;
// A bucket of its own, dropped at the end: deleting millions of points by predicate from the shared bucket takes minutes.
const bucket = await createBucket(prefix);
const client = await new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, clientId: 'gridstream-bench' }).connect();
try {
  const publishSeconds = await publish();
  console.error(`replaying ${records} records from ${topic}`);
  const startedMs = performance.now();
  const cli = startScript('packages/cli/src/main.ts', ['replay', '--topic', 'clean', '--from', new Date(FROM_MS).toISOString(), '--to', new Date(toMs).toISOString(), '--no-check'], {
    ...serverEnv(stack),
    INFLUX_BUCKET: bucket.name,
    GRIDSTREAM_TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
  });
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), REPLAY_LIMIT_MS);
  const exit = await cli.exited;
  clearTimeout(timer);
  const seconds = (performance.now() - startedMs) / 1000;
  if (exit !== 0) throw new Error(`gridstream replay exited with ${exit}; its output:\n${cli.output()}`);
  const replayed = Number(/replayed (\d+) of/.exec(cli.output())?.[1]);
  const stored = await storedPoints(bucket.name);
  if (replayed !== records || stored !== records) throw new Error(`replayed ${replayed} and InfluxDB holds ${stored} of ${records} records; its output:\n${cli.output()}`);
  const { cpus, node } = machine();
  console.log(`replay: ${records} records (${entities} entities × ${hours} hours), ${PARTITIONS} partitions, ${cpus} CPUs, Node ${node}`);
  console.log(`published in ${publishSeconds.toFixed(1)} s; gridstream replay took ${seconds.toFixed(1)} s from start to exit: ${Math.round(records / seconds)} records/s`);
  console.log(`written to ${writeResult('replay', { entities, hours, records, partitions: PARTITIONS, publishSeconds, seconds, recordsPerSecond: records / seconds })}`);
} finally {
  await client.close();
  await bucket.drop();
}

/** The input: each entity every hour, the entities in step, as a day-ahead EIA region's demand. */
async function publish(): Promise<number> {
  console.error(`publishing ${records} records to ${topic}`);
  const startedMs = performance.now();
  await client.ensureTopics([{ topic, partitions: PARTITIONS }]);
  const encode = await client.avroEncoder('clean', topic);
  // The input is set-up, not what is measured: a producer of its own, not idempotent, so requests overlap.
  const producer = new Kafka({ clientId: 'gridstream-bench', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING }).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    maxInFlightRequests: PUBLISHES_IN_FLIGHT,
  });
  await producer.connect();
  const inFlight = new Set<Promise<unknown>>();
  let chunk: Array<{ key: string; value: Buffer }> = [];
  const send = async () => {
    const sent: Promise<unknown> = producer.send({ topic, messages: chunk, acks: 1 }).finally(() => inFlight.delete(sent));
    inFlight.add(sent);
    chunk = [];
    if (inFlight.size >= PUBLISHES_IN_FLIGHT) await Promise.race(inFlight);
  };
  for (let hour = 0; hour < hours; hour++) {
    const ts = FROM_MS + hour * HOUR_MS;
    const dayShare = (hour % 24) / 24;
    for (let e = 0; e < entities; e++) {
      const entity = `eia:R-${String(e).padStart(4, '0')}`;
      const m: CleanMeasurement = {
        source: 'eia',
        entity,
        ts,
        values: { demand: Math.round(1000 * (1 + Math.sin(2 * Math.PI * dayShare) / 3 + (e % 17) / 50)) },
        units: { demand: 'MWh' },
        tags: {},
        eventId: `${entity}@${ts}`,
        ingestedAt: ts + HOUR_MS,
        imputed: [],
        outliers: [],
        convertedFrom: {},
        resampledFrom: 1,
      };
      chunk.push({ key: entity, value: encode(m) });
      if (chunk.length === PUBLISH_CHUNK_RECORDS) await send();
    }
  }
  if (chunk.length > 0) await send();
  await Promise.all(inFlight);
  await producer.disconnect();
  return (performance.now() - startedMs) / 1000;
}

/** Counted by InfluxDB. */
async function storedPoints(bucketName: string): Promise<number> {
  const [row] = await fluxCsv(
    stack,
    `from(bucket: ${JSON.stringify(bucketName)}) |> range(start: ${new Date(FROM_MS).toISOString()}, stop: ${new Date(toMs).toISOString()})
      |> filter(fn: (r) => r._measurement == "clean" and r._field == "demand") |> group() |> count()`,
  );
  return Number(row?._value ?? 0);
}

async function createBucket(name: string): Promise<{ name: string; drop: () => Promise<void> }> {
  const id = await createInfluxBucket(stack, name);
  return { name, drop: async () => void (await influxApi(stack, `buckets/${id}`, { method: 'DELETE' })) };
}
