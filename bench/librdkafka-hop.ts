// Run: node --import tsx bench/librdkafka-hop.ts --api kafkajs|native --from <topic> --to <topic> (bench/clients.ts starts it)
// bench/passthrough.ts's raw hop on @confluentinc/kafka-javascript (librdkafka): the records' bytes copied to <to>
// in transactions that also commit the input offsets, in group <to>.hop, exactly-once.
//  --api kafkajs: its KafkaJS-compatible API, shaped as passthrough.ts uses kafkajs: a transactional producer per
//                 input partition and a transaction per partition batch, the batch bounded by the same bytes.
//  --api native:  its own API, as librdkafka is meant to be used: one transactional producer, a transaction per
//                 consume() of up to NATIVE_BATCH_RECORDS records across partitions.
// The binding is built by scripts/tools.d/kafka-javascript.sh (bench/clients.ts asks for it).
import { parseArgs } from 'node:util';
import { KafkaJS, RdKafka, type LibrdKafkaError } from '@confluentinc/kafka-javascript';
import { parseConfig, runtimeConfigSchema } from '@gridstream/runtime';
import { rawHopNames } from './passthrough-names.js';

/** About passthrough.ts's 256 KiB batches of Measurements (130 bytes or so each). */
const NATIVE_BATCH_RECORDS = 2_000;
const TIMEOUT_MS = 30_000;

const { values: args } = parseArgs({ options: { api: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } });
if ((args.api !== 'kafkajs' && args.api !== 'native') || args.from === undefined || args.to === undefined) {
  console.error('usage: bench/librdkafka-hop.ts --api kafkajs|native --from <topic> --to <topic>');
  process.exit(2);
}
const runtime = parseConfig(runtimeConfigSchema('validate'), process.env);
const input = args.from;
const { group, output } = rawHopNames(args.to);
const brokers = runtime.brokers.join(',');

const kafka = new KafkaJS.Kafka({ kafkaJS: { clientId: 'gridstream-bench-librdkafka-hop', brokers: [...runtime.brokers], logLevel: KafkaJS.logLevel.WARN } });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: output, numPartitions: runtime.partitions }] });
await admin.disconnect();

await (args.api === 'kafkajs' ? hopWithKafkaJsApi() : hopWithNativeApi());

async function hopWithKafkaJsApi(): Promise<void> {
  const consumer = kafka.consumer({
    kafkaJS: {
      groupId: group,
      fromBeginning: true,
      autoCommit: false,
      maxWaitTimeInMs: 100,
      sessionTimeout: runtime.sessionTimeoutMs,
      maxBytesPerPartition: runtime.maxBatchBytes,
    },
    'isolation.level': 'read_committed',
    // Its default is 32 records per batch; unbounded leaves the batch to maxBytesPerPartition, as in kafkajs.
    'js.consumer.max.batch.size': -1,
  });
  const producers = new Map<number, KafkaJS.Producer>();
  const producerFor = async (partition: number): Promise<KafkaJS.Producer> => {
    let producer = producers.get(partition);
    if (!producer) {
      producer = kafka.producer({ kafkaJS: { transactionalId: `${group}.${partition}`, idempotent: true, transactionTimeout: 60_000 } });
      await producer.connect();
      producers.set(partition, producer);
    }
    return producer;
  };
  stopOnSignal(async () => {
    await consumer.disconnect();
    await Promise.all([...producers.values()].map((producer) => producer.disconnect()));
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [input] });
  await consumer.run({
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: runtime.concurrentPartitions,
    eachBatch: async ({ batch, resolveOffset }) => {
      if (batch.messages.length === 0) return;
      const producer = await producerFor(batch.partition);
      const transaction = await producer.transaction();
      try {
        await transaction.sendBatch({ topicMessages: [{ topic: output, messages: batch.messages.map((m) => ({ key: m.key, value: m.value })) }] });
        const offset = String(BigInt(batch.lastOffset()) + 1n);
        await transaction.sendOffsets({ consumer, topics: [{ topic: input, partitions: [{ partition: batch.partition, offset }] }] });
      } catch (error) {
        await transaction.abort();
        throw error;
      }
      await transaction.commit();
      resolveOffset(batch.lastOffset());
    },
  });
}

async function hopWithNativeApi(): Promise<void> {
  const producer = new RdKafka.Producer({ 'bootstrap.servers': brokers, 'transactional.id': `${group}.0` });
  // Delivery reports are served by polling; commitTransaction waits for them.
  producer.setPollInterval(5);
  const consumer = new RdKafka.KafkaConsumer(
    { 'bootstrap.servers': brokers, 'group.id': group, 'enable.auto.commit': false, 'isolation.level': 'read_committed', 'fetch.wait.max.ms': 100 },
    { 'auto.offset.reset': 'earliest' },
  );
  await call((done) => producer.connect({}, done));
  await call((done) => producer.initTransactions(TIMEOUT_MS, done));
  await call((done) => consumer.connect({}, done));
  consumer.subscribe([input]);
  let stopping = false;
  stopOnSignal(async () => {
    stopping = true;
    await call((done) => consumer.disconnect(done));
    await call((done) => producer.disconnect(done));
  });
  while (!stopping) {
    const messages = await call<RdKafka.Message[]>((done) => consumer.consume(NATIVE_BATCH_RECORDS, done));
    if (messages.length === 0) continue;
    await call((done) => producer.beginTransaction(done));
    const next = new Map<number, number>();
    for (const message of messages) {
      producer.produce(output, null, message.value, message.key);
      next.set(message.partition, message.offset + 1);
    }
    const offsets = [...next].map(([partition, offset]) => ({ topic: input, partition, offset }));
    await call((done) => producer.sendOffsetsToTransaction(offsets, consumer, TIMEOUT_MS, done));
    await call((done) => producer.commitTransaction(TIMEOUT_MS, done));
  }
}

/** The native API's callbacks as a promise. */
function call<T = unknown>(start: (done: (error: LibrdKafkaError | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value as T))));
}

/** A baseline that fails has no number to report: errors end the process (Node's default), signals stop it. */
function stopOnSignal(stop: () => Promise<void>): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop().then(() => process.exit(0)));
}
