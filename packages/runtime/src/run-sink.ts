import avro from 'avsc';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, type Batch, type KafkaMessage, type Message } from 'kafkajs';
import { pino, type Logger } from 'pino';
import type { z } from 'zod';
import { loadSchemas, topicNames, topicSettings, valueSchemaOf, type AvroTopic, type Stage } from '@gridstream/schemas';
import { backoffMs } from './backoff.js';
import { parseConfig } from './config.js';
import { deadLetterHeaders } from './dead-letter.js';
import { UndecodableError, type DlqReason } from './errors.js';
import { kafkaLogger } from './kafka-logger.js';
import { stageMetrics } from './metrics.js';
import { startOpsServer } from './ops-server.js';
import { RegistrySerde } from './registry-serde.js';
import { stopOnSignals, type RunningStage } from './run-stage.js';
import { groupConsumerOptions, runtimeConfigSchema, type RuntimeConfig } from './runtime-config.js';
import { ensureTopics } from './topics-admin.js';

/** A decoded record of one of a sink's input topics. */
export interface SinkRecord {
  topic: AvroTopic;
  key: string | null;
  value: unknown;
}

/** A record the store refused for good (e.g. a field type conflict): it goes to the DLQ. */
export interface SinkRejection {
  /** Its index in the records given to `write`. */
  index: number;
  message: string;
}

/** Where a sink writes: Redis, InfluxDB. */
export interface SinkWriter {
  /**
   * Writes one input partition's records, in offset order, and resolves once the store has
   * acknowledged them — with the records it refused for good, if any; only then are the offsets
   * committed. Anything thrown is retried with backoff while the partition is paused (at least
   * `retryAfterMs` on the error, when the store asked for it), so writes must be idempotent upserts.
   */
  write(records: SinkRecord[]): Promise<SinkRejection[] | void>;
  close(): Promise<void>;
}

export interface SinkDefinition<Config> {
  stage: Stage;
  inputs: AvroTopic[];
  config: z.ZodType<Config>;
  /** Connects to the store: called once at start-up, after the configs are parsed. */
  open(config: Config, runtime: RuntimeConfig, log: Logger): Promise<SinkWriter>;
  env?: Record<string, string | undefined>;
  handleSignals?: boolean;
}

/**
 * Runs a sink: reads its input topics (read_committed) in a consumer group, writes each batch
 * to the store, and commits the input offsets only after the store acknowledged it — at least
 * once into idempotent upserts, so exactly-once results. A store that is down pauses the
 * partition and retries with backoff (DESIGN.md: back pressure, never an unbounded buffer).
 */
export async function runSink<Config>(definition: SinkDefinition<Config>): Promise<RunningStage> {
  const env = definition.env ?? process.env;
  const runtime = parseConfig(runtimeConfigSchema(definition.stage), env);
  const config = parseConfig(definition.config, env) as Config;
  const { stage } = definition;
  const log = pino({ level: runtime.logLevel, base: { stage } });
  const metrics = stageMetrics(stage);
  metrics.sinkWriteFailing.set({ stage }, 0);
  const topics = topicNames(runtime.topicPrefix);
  const kafka = new Kafka({ clientId: `gridstream-${stage}`, brokers: [...runtime.brokers], logCreator: kafkaLogger(log) });
  const admin = kafka.admin();
  const consumer = kafka.consumer(groupConsumerOptions(runtime, topics.group(stage)));
  const dlqProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const serde = new RegistrySerde(new SchemaRegistry({ host: runtime.registryUrl }));
  const schemas = loadSchemas();
  const inputByTopic = new Map(definition.inputs.map((key) => [topics[key], { key, reader: avro.Type.forSchema(schemas.get(valueSchemaOf[key])! as avro.Schema) }]));
  const timers = new Set<NodeJS.Timeout>();
  const failures = new Map<string, { attempts: number; firstMs: number }>();
  /** Per topic/partition, the offset this instance committed last. */
  const positions = new Map<string, bigint>();
  let assigned = 0;
  let live = true;
  let started = false;
  let writer: SinkWriter | null = null;
  let stopping: Promise<void> | null = null;

  const ops = await startOpsServer(runtime.opsPort, metrics.registry, { live: () => live, ready: () => live && started && assigned > 0 }, runtime.opsHost);

  const writeBatch = async (batch: Batch): Promise<void> => {
    const input = inputByTopic.get(batch.topic)!;
    const records: SinkRecord[] = [];
    const recordMessages: KafkaMessage[] = [];
    const deadLetters: Message[] = [];
    const deadLetter = (message: KafkaMessage, reason: DlqReason, errorClass: string, text: string) => {
      const nowMs = Date.now();
      const headers = deadLetterHeaders({ topic: batch.topic, partition: batch.partition, offset: message.offset, stage, reason, errorClass, message: text, firstFailureMs: nowMs, lastFailureMs: nowMs, attempts: 1 });
      deadLetters.push({ key: message.key, value: message.value, headers: { ...message.headers, ...headers } });
      metrics.deadLettered.inc({ stage, reason });
    };
    for (const message of batch.messages) {
      try {
        if (message.value === null) throw new UndecodableError('a null value (tombstone) where a record belongs');
        records.push({ topic: input.key, key: message.key?.toString() ?? null, value: (await serde.decode(message.value, input.reader)).value });
        recordMessages.push(message);
      } catch (error) {
        if ((error as { code?: string }).code !== 'undecodable') throw error; // the registry is down: retry
        deadLetter(message, 'undecodable', (error as Error).name, (error as Error).message);
      }
    }
    const rejected = records.length > 0 ? ((await writer!.write(records)) ?? []) : [];
    for (const { index, message } of rejected) deadLetter(recordMessages[index]!, 'unprocessable', 'StoreRejected', message);
    if (deadLetters.length > 0) await dlqProducer.send({ topic: topics.dlq, messages: deadLetters, acks: -1 });
    const next = BigInt(batch.lastOffset()) + 1n;
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(next) }]);
    positions.set(`${batch.topic}/${batch.partition}`, next);
    metrics.recordsIn.inc({ stage }, batch.messages.length);
    metrics.recordsOut.inc({ stage, topic: stage }, records.length - rejected.length);
    metrics.batchSize.observe({ stage }, batch.messages.length);
    const nowMs = Date.now();
    for (const message of batch.messages) metrics.recordLatency.observe({ stage }, (nowMs - Number(message.timestamp)) / 1000);
    for (const { value } of records) {
      const { ingestedAt } = value as { ingestedAt?: unknown };
      if (typeof ingestedAt === 'number') metrics.endToEndLatency.observe({ stage }, (nowMs - ingestedAt) / 1000);
    }
    metrics.offsetLag.set({ stage, partition: `${batch.topic}/${batch.partition}` }, Number(batch.offsetLag()));
  };

  /**
   * A stretch holding only transaction markers (topics written by transactional stages end with
   * one) reaches no eachBatch; its offsets are committed here when it starts at or before where
   * this partition stands, so the lag gets to 0. Never while a failed batch waits for its retry.
   */
  const skipMarkers = async (topic: string, partition: number, first: bigint, last: bigint): Promise<void> => {
    const key = `${topic}/${partition}`;
    if (failures.has(key)) return;
    let position = positions.get(key);
    if (position === undefined) {
      const [committed] = await admin.fetchOffsets({ groupId: topics.group(stage), topics: [topic] });
      const offset = committed?.partitions.find((p) => p.partition === partition)?.offset;
      if (offset === undefined || offset === '-1') return;
      position = BigInt(offset);
    }
    if (first > position || last + 1n <= position || failures.has(key)) return;
    await consumer.commitOffsets([{ topic, partition, offset: String(last + 1n) }]);
    positions.set(key, last + 1n);
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const timer of timers) clearTimeout(timer);
      await consumer.disconnect().catch((error: unknown) => log.warn({ err: error }, 'consumer disconnect failed'));
      await writer?.close().catch((error: unknown) => log.warn({ err: error }, 'closing the store failed'));
      await dlqProducer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
      await new Promise<void>((resolve) => ops.server.close(() => resolve()));
      log.info('stopped');
    })();
    return stopping;
  };

  try {
    await admin.connect();
    await ensureTopics(admin, [...[...inputByTopic.keys()].map((topic) => ({ topic, partitions: runtime.partitions })), { topic: topics.dlq, partitions: runtime.partitions, config: topicSettings.dlq }]);
    writer = await definition.open(config, runtime, log);
    await dlqProducer.connect();
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      assigned = Object.values(payload.memberAssignment).reduce((sum, partitions) => sum + partitions.length, 0);
      metrics.assignedPartitions.set({ stage }, assigned);
      // A failing partition that moved to another instance is that instance's to report.
      const mine = new Set(Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}/${p}`)));
      for (const key of failures.keys()) if (!mine.has(key)) failures.delete(key);
      metrics.sinkWriteFailing.set({ stage }, failures.size > 0 ? 1 : 0);
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0 || stopping) return;
      const last = BigInt(payload.lastOffset);
      // kafkajs gives no first offset for a batch with nothing left after filtering.
      const first = payload.firstOffset === null || payload.firstOffset === undefined ? last : BigInt(payload.firstOffset);
      skipMarkers(payload.topic, payload.partition, first, last).catch((error: unknown) =>
        log.warn({ err: error, topic: payload.topic, partition: payload.partition }, 'committing past transaction markers failed'),
      );
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      live = false;
      log.fatal({ err: payload.error }, 'consumer crashed and will not restart');
      if (definition.handleSignals) void stop().finally(() => process.exit(1));
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...inputByTopic.keys()], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: runtime.concurrentPartitions,
      eachBatch: async ({ batch, resolveOffset, heartbeat, pause, isStale }) => {
        if (stopping || isStale() || batch.messages.length === 0) return;
        const failureKey = `${batch.topic}/${batch.partition}`;
        try {
          await writeBatch(batch);
          resolveOffset(batch.lastOffset());
          failures.delete(failureKey);
          metrics.sinkWriteFailing.set({ stage }, failures.size > 0 ? 1 : 0);
          await heartbeat();
        } catch (error) {
          const failure = failures.get(failureKey) ?? { attempts: 0, firstMs: Date.now() };
          failure.attempts += 1;
          failures.set(failureKey, failure);
          metrics.sinkWriteFailing.set({ stage }, 1);
          const delayMs = Math.max(backoffMs(runtime.retry, failure.attempts), (error as { retryAfterMs?: number }).retryAfterMs ?? 0);
          const code = (error as { code?: string }).code ?? (error as Error).name ?? 'unknown';
          metrics.retries.inc({ stage, code });
          log.warn({ err: error, topic: batch.topic, partition: batch.partition, attempt: failure.attempts, delayMs }, 'write failed; partition paused');
          // Read the batch again once resumed: nothing of it was committed.
          consumer.seek({ topic: batch.topic, partition: batch.partition, offset: batch.firstOffset()! });
          const resume = pause();
          const timer = setTimeout(() => {
            timers.delete(timer);
            resume();
          }, delayMs);
          timers.add(timer);
        }
      },
    });
    started = true;
    log.info({ inputs: [...inputByTopic.keys()] }, 'started');
  } catch (error) {
    await stop();
    throw error;
  }
  if (definition.handleSignals) stopOnSignals(stop, log);
  return { opsPort: ops.port, metrics, stop };
}
