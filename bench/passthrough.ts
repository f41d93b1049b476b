// Run: GRIDSTREAM_TOPIC_PREFIX=<p> node --import tsx bench/passthrough.ts [--input raw|valid|clean|features] (bench/stage-throughput.ts starts it)
//  or: GRIDSTREAM_TOPIC_PREFIX=<p> node --import tsx bench/passthrough.ts --from <topic> --to <topic> (bench/pipeline.ts starts a chain of them)
// The baseline for bench/stage-throughput.ts: <p>.<input> (default raw) to <p>.passthrough.out with kafkajs
// directly, with runStage's consumer, producer and transaction settings and the same serde, but no transform.
// With --from and --to, a raw hop: the bytes copied as they are, in the same transactions, group <to>.hop.
// With --read-only, the sinks' baseline: each record decoded and its offset committed as runSink commits it, nothing written.
import { parseArgs } from 'node:util';
import avro from 'avsc';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, Partitioners, type Message, type Producer } from 'kafkajs';
import { groupConsumerOptions, parseConfig, RegistrySerde, runtimeConfigSchema } from '@gridstream/runtime';
import { loadSchemas, topicNames, valueSchemaOf } from '@gridstream/schemas';
import { passthroughNames, rawHopNames } from './passthrough-names.js';

/** The topics the pass-through can read: validate reads Measurements from raw, clean from valid, feature CleanMeasurements from clean, window FeatureVectors. */
const inputs = ['raw', 'valid', 'clean', 'features'] as const;

async function main(): Promise<void> {
  const { values: args } = parseArgs({ options: { input: { type: 'string', default: 'raw' }, from: { type: 'string' }, to: { type: 'string' }, 'read-only': { type: 'boolean', default: false } } });
  const raw = args.from !== undefined && args.to !== undefined;
  const inputKey = inputs.find((key) => key === args.input);
  if (inputKey === undefined) {
    console.error(`--input: expected one of ${inputs.join(', ')}, got "${args.input}"; e.g. --input valid`);
    process.exit(2);
  }
  // A stage's runtime settings, so the consumer and producers are configured exactly as runStage's.
  const runtime = parseConfig(runtimeConfigSchema('validate'), process.env);
  const t = topicNames(runtime.topicPrefix);
  const input = raw ? args.from! : t[inputKey];
  const { group, output } = raw ? rawHopNames(args.to!) : passthroughNames(runtime.topicPrefix);

  const kafka = new Kafka({
    clientId: 'gridstream-bench-passthrough',
    brokers: [...runtime.brokers],
    logLevel: logLevel.WARN,
  });
  const readOnly = args['read-only'];
  // A reader that writes nothing needs no output topic or schema.
  if (!readOnly) {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: output, numPartitions: runtime.partitions }], waitForLeaders: true });
    await admin.disconnect();
  }

  const serde = new RegistrySerde(new SchemaRegistry({ host: runtime.registryUrl }));
  const schema = loadSchemas().get(valueSchemaOf[inputKey])!;
  const reader = avro.Type.forSchema(schema as avro.Schema);
  const outputSchemaId = raw || readOnly ? 0 : await serde.register(t.subject(output), schema);

  const producers = new Map<number, Producer>();
  const producerFor = async (partition: number): Promise<Producer> => {
    let producer = producers.get(partition);
    if (!producer) {
      producer = kafka.producer({
        transactionalId: `${group}.${partition}`,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: 60_000,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      producers.set(partition, producer);
    }
    return producer;
  };

  const consumer = kafka.consumer(groupConsumerOptions(runtime, group));
  const stop = async (exitCode: number) => {
    await consumer.disconnect();
    await Promise.all([...producers.values()].map((producer) => producer.disconnect()));
    process.exit(exitCode);
  };
  // A baseline that fails has no number to report: no retries, just stop.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    console.error('pass-through consumer crashed:', payload.error);
    void stop(1);
  });
  process.once('SIGTERM', () => void stop(0));
  process.once('SIGINT', () => void stop(0));

  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: runtime.concurrentPartitions,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      if (batch.messages.length === 0) return;
      const nextOffset = String(BigInt(batch.lastOffset()) + 1n);
      if (readOnly) {
        for (const message of batch.messages) await serde.decode(message.value!, reader);
        await consumer.commitOffsets([{ topic: input, partition: batch.partition, offset: nextOffset }]);
        resolveOffset(batch.lastOffset());
        await heartbeat();
        return;
      }
      const producer = await producerFor(batch.partition);
      const messages: Message[] = [];
      for (const message of batch.messages) {
        if (raw) {
          messages.push({ key: message.key, value: message.value });
          continue;
        }
        const { value } = await serde.decode(message.value!, reader);
        messages.push({ key: message.key, value: serde.encode(outputSchemaId, value) });
      }
      const transaction = await producer.transaction();
      try {
        await transaction.sendBatch({ topicMessages: [{ topic: output, messages }] });
        await transaction.sendOffsets({
          consumerGroupId: group,
          topics: [{ topic: input, partitions: [{ partition: batch.partition, offset: nextOffset }] }],
        });
      } catch (error) {
        await transaction.abort();
        throw error;
      }
      await transaction.commit();
      resolveOffset(batch.lastOffset());
      await heartbeat();
    },
  });
}

await main();
