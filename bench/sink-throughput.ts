// Run from the repository root: node --import tsx bench/sink-throughput.ts [--records 100000]
// The Redis and InfluxDB sinks' sustained throughput on the same feature vectors, each as a ratio to a baseline on
// the same server in the same run: redis-benchmark's pipelined SET (with a payload of the vectors' size), and raw
// line-protocol batch writes of the very points the InfluxDB sink writes. Both sinks are also given as a ratio to
// what kafkajs alone reads of the same topic, decoding and committing as a sink does (`passthrough.ts --read-only`):
// the ceiling of any sink on this client.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, type FeatureVector } from '@gridstream/schemas';
import { readStackEnv, runStack, startBundle, startService, uniqueName, type ServiceProcess } from '@gridstream/test-kit';
// Relative import: bench/package.json does not depend on the sink services.
import { linesOf } from '../services/influx-sink/src/lines.js';
import { featureNames, featureVector } from './feature-vectors.js';
import { passthroughNames } from './passthrough-names.js';
import { benchEnv, PARTITIONS, publishInChunks } from './pipeline-services.js';
import { writeResult } from './results.js';

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '100000' } } });
const records = Number(args.records);
const ENTITIES = 500;
const WIDTH = 25;
const LINES_PER_REQUEST = 5_000;

runStack('up', 'kafka', 'registry', 'redis', 'influxdb');
const stack = readStackEnv();
const client = await new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, clientId: 'gridstream-bench' }).connect();
const prefix = uniqueName('bench-sinks');
const t = topicNames(prefix);

const names = featureNames(WIDTH);
const vectors: FeatureVector[] = Array.from({ length: records }, (_, i) => featureVector(i, ENTITIES, names));

try {
  await client.ensureTopics([{ topic: t.features, partitions: PARTITIONS }]);
  const encode = await client.avroEncoder('features', t.features);
  await publishInChunks(client, t.features, vectors.map((v) => ({ key: v.entity, value: encode(v) })));
  const env = benchEnv(stack, prefix, { GRIDSTREAM_OPS_PORT: '0' });

  const payloadBytes = Math.round(JSON.stringify(vectors[0]!.values).length);
  const redisPort = new URL(stack.redisUrl).port;
  // SET as a command of its own, so its keys fall under the bench's prefix and are pruned with the rest (the SET test's key:* stayed in Redis for good).
  const benchmarkOutput = execFileSync(
    'redis-benchmark',
    ['-h', '127.0.0.1', '-p', redisPort, '-n', String(records * 2), '-P', '32', '-r', '100000', '-q', 'SET', `${prefix}:baseline:__rand_int__`, 'x'.repeat(payloadBytes)],
    { encoding: 'utf8' },
  );
  const redisBaseline = Number(/([\d.]+) requests per second/.exec(benchmarkOutput)?.[1]);
  const redisSink = await sinkRate('redis-sink', env);
  const kafkaRead = await catchUpRate(passthroughNames(prefix).group, () => startBundle('bench/passthrough.ts', ['--input', 'features', '--read-only'], env));

  const lines = vectors.flatMap((v) => linesOf({ topic: 'features', key: v.entity, value: v }, `${prefix}-raw`));
  const influxBaseline = await rawLineProtocolRate(lines);
  const influxSink = await sinkRate('influx-sink', env);

  const result = {
    records,
    entities: ENTITIES,
    features: WIDTH,
    partitions: PARTITIONS,
    redis: { sinkRecordsPerSecond: redisSink, redisBenchmarkSetPerSecond: redisBaseline, ratio: redisSink / redisBaseline, payloadBytes },
    influx: { sinkRecordsPerSecond: influxSink, rawLineProtocolPointsPerSecond: influxBaseline, ratio: influxSink / influxBaseline, linesPerRequest: LINES_PER_REQUEST },
    kafkaRead: { recordsPerSecond: kafkaRead, redisSinkRatio: redisSink / kafkaRead, influxSinkRatio: influxSink / kafkaRead },
  };
  console.log(`| sink | records/s | baseline | baseline/s | ratio |`);
  console.log(`| --- | ---: | --- | ---: | ---: |`);
  console.log(`| redis-sink | ${Math.round(redisSink)} | redis-benchmark SET -P 32, ${payloadBytes} B | ${Math.round(redisBaseline)} | ${result.redis.ratio.toFixed(2)}x |`);
  console.log(`| influx-sink | ${Math.round(influxSink)} | raw line protocol, ${LINES_PER_REQUEST}/request | ${Math.round(influxBaseline)} | ${result.influx.ratio.toFixed(2)}x |`);
  console.log(`| redis-sink | ${Math.round(redisSink)} | kafkajs read of the topic | ${Math.round(kafkaRead)} | ${result.kafkaRead.redisSinkRatio.toFixed(2)}x |`);
  console.log(`| influx-sink | ${Math.round(influxSink)} | kafkajs read of the topic | ${Math.round(kafkaRead)} | ${result.kafkaRead.influxSinkRatio.toFixed(2)}x |`);
  console.log(`\nwritten to ${writeResult('sinks', result)}`);
} finally {
  await client.close();
}

function sinkRate(stage: 'redis-sink' | 'influx-sink', env: Record<string, string>): Promise<number> {
  return catchUpRate(t.group(stage), () => startService(stage, env));
}

/** Starts a reader of the published vectors and times its group from its first committed progress to no lag left. */
async function catchUpRate(group: string, start: () => ServiceProcess): Promise<number> {
  const service = start();
  try {
    let first: { atMs: number; lag: number } | null = null;
    for (;;) {
      const lag = await client.groupLag(group, t.features);
      const atMs = performance.now();
      if (first === null && lag < records) first = { atMs, lag };
      if (first !== null && lag === 0) return first.lag / ((atMs - first.atMs) / 1000);
      if (service.child.exitCode !== null) throw new Error(`the reader of group ${group} exited: ${service.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
  }
}

/** The same points written straight to the v2 write endpoint, one request at a time, as the sink does. */
async function rawLineProtocolRate(allLines: string[]): Promise<number> {
  const url = `${stack.influx.url}/api/v2/write?${new URLSearchParams({ org: stack.influx.org, bucket: stack.influx.bucket, precision: 'ms' })}`;
  const started = performance.now();
  for (let i = 0; i < allLines.length; i += LINES_PER_REQUEST) {
    const response = await fetch(url, { method: 'POST', headers: { Authorization: `Token ${stack.influx.token}` }, body: allLines.slice(i, i + LINES_PER_REQUEST).join('\n') });
    if (response.status !== 204) throw new Error(`raw write: HTTP ${response.status} ${await response.text()}`);
  }
  return allLines.length / ((performance.now() - started) / 1000);
}
