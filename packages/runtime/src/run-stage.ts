import avro from 'avsc';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, Partitioners, type Admin, type Batch, type Consumer, type KafkaMessage, type Message, type Producer } from 'kafkajs';
import { pino, type Logger } from 'pino';
import type { z } from 'zod';
import { loadSchemas, topicNames, topicSettings, valueSchemaOf, type AvroSchema, type AvroTopic, type Stage, type TopicNames, type TopicValues } from '@gridstream/schemas';
import { backoffMs } from './backoff.js';
import { inputOffsetHeader, restorePartition } from './changelog.js';
import { parseConfig } from './config.js';
import { deadLetterHeaders } from './dead-letter.js';
import { PartitionClock, type EventTime } from './event-time.js';
import { UndecodableError, type DlqReason } from './errors.js';
import { kafkaLogger } from './kafka-logger.js';
import { stageMetrics, type StageMetrics } from './metrics.js';
import { startOpsServer } from './ops-server.js';
import { byteBoundedRuns, messageBytes, producerRequests } from './message-bytes.js';
import { PendingWrites } from './pending-writes.js';
import { qualityKey, qualityParts } from './quality-parts.js';
import { followTopic, type TopicFollower } from './read-to-end.js';
import { RegistrySerde } from './registry-serde.js';
import { groupConsumerOptions, runtimeConfigSchema, type FetchWait, type RuntimeConfig } from './runtime-config.js';
import type { SideInput } from './side-input.js';
import { ensureTopics } from './topics-admin.js';
import type { Output, StageContext, Transform } from './transform.js';

/** How a stateful stage keeps one entity's state in its changelog: the whole state as one record. */
export interface StateCodec<State> {
  initial(): State;
  encode(state: State): Buffer;
  decode(bytes: Buffer): State;
}

/**
 * A state kept in the changelog as named parts, each written only when it changes, under the key
 * `<entity>\u0000<part>`: for states too large to rewrite whole every batch, such as window's rows.
 */
export interface PartedStateCodec<State> {
  initial(): State;
  /** The parts changed since the last call (null: delete the part), forgetting them. */
  takeChanges(state: State): Array<[part: string, bytes: Buffer | null]>;
  fromParts(parts: Map<string, Buffer>): State;
}

const partSeparator = '\u0000';

function isParted<State>(codec: StateCodec<State> | PartedStateCodec<State>): codec is PartedStateCodec<State> {
  return 'takeChanges' in codec;
}

export interface StageDefinition<In extends keyof TopicValues, Out extends AvroTopic, Config, State> {
  stage: Stage;
  input: In;
  output: Out;
  /** The stage's own settings, parsed from the same environment as the runtime's. */
  config: z.ZodType<Config>;
  transform: Transform<TopicValues[In], State, Config, TopicValues[Out]>;
  /** More output topics the transform emits to with `emitTo`, e.g. clean's gaps. */
  outputs?: AvroTopic[];
  /** Per-entity state, restored from the stage's changelog; stateless stages leave it out. */
  state?: StateCodec<State> | PartedStateCodec<State>;
  /** For stages that work in event time: the runtime keeps each partition's watermark and flushes entities as it moves. */
  eventTime?: EventTime<State, Config, TopicValues[Out]>;
  /** A topic every instance reads whole, that entities may hold records back for; read to its end before the stage starts. */
  sideInput?: SideInput<State, Config, TopicValues[Out]>;
  /**
   * Something else the stage's process serves, e.g. ingest's HTTP endpoint: started after the
   * consumer with the parsed configs, closed first on stop.
   */
  attach?: (stage: AttachedContext<Config>) => Promise<{ close(): Promise<void> }>;
  /**
   * How long a fetch may wait to gather records; by default 100 ms at most. A stage off the latency
   * path can wait longer, for fewer and larger transactions: each costs the broker and the stage
   * the same whether it holds two records or two thousand.
   */
  fetch?: FetchWait;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Stop on SIGTERM/SIGINT and exit on a fatal consumer crash; off in tests, which call stop(). */
  handleSignals?: boolean;
}

export interface AttachedContext<Config> {
  config: Config;
  runtime: RuntimeConfig;
  log: Logger;
  /** The stage's metrics, for what the attached service takes in and passes on. */
  metrics: StageMetrics;
}

export interface RunningStage {
  opsPort: number;
  metrics: StageMetrics;
  /** Finishes the batch in flight, leaves the group and closes every connection. */
  stop(): Promise<void>;
}

/** One input partition's producer, state and retry bookkeeping. */
interface PartitionTask {
  partition: number;
  log: Logger;
  producer: Producer | null;
  /** Entity states; valid only while `committedOffset` matches the group's committed offset. */
  states: Map<string, unknown>;
  /** The input offset this instance committed last; null when its in-memory state cannot be trusted. */
  committedOffset: string | null;
  /** Assigned to this instance in the current generation. */
  assigned: boolean;
  prepared: boolean;
  failedAttempts: number;
  firstFailureMs: number | null;
  /** Event-time stages: the partition's watermark, and when each entity holding something open is due. */
  clock: PartitionClock | null;
  due: Map<string, number>;
  /** Stages with a side input: the entities holding records back for it. */
  holding: Set<string>;
  /** When a batch was last read, and whether the consumer had then reached the end of the partition. */
  lastReadMs: number;
  caughtUp: boolean;
  /** eachBatch returned without processing its batch (stale, preparing, failed): its end says nothing about our position. */
  batchUnprocessed: boolean;
  /** After a failure, not before this time: the backoff holds for a partition the tick would prepare too. */
  retryAtMs: number;
  /**
   * Set when the consumer skipped a stretch holding only transaction markers (or aborted
   * records), which eachBatch never sees: the offset after it, to be committed so lag reaches 0.
   */
  skippedUpTo: bigint | null;
  /** Batches and idle flushes of one partition take turns. */
  lock: Promise<unknown>;
}

/**
 * Runs a stage: consumes its input exactly once, applies the transform per record, and commits
 * outputs, dead letters, changelog and input offsets in one Kafka transaction per batch.
 */
export async function runStage<In extends keyof TopicValues, Out extends AvroTopic, Config, State = undefined>(
  definition: StageDefinition<In, Out, Config, State>,
): Promise<RunningStage> {
  const env = definition.env ?? process.env;
  const runtime = parseConfig(runtimeConfigSchema(definition.stage), env);
  const config = parseConfig(definition.config, env) as Config;
  const stage = new StageRunner(definition, runtime, config);
  try {
    await stage.start();
  } catch (error) {
    await stage.stop();
    throw error;
  }
  if (definition.handleSignals) stopOnSignals(() => stage.stop(), stage.log);
  return { opsPort: stage.opsPort, metrics: stage.metrics, stop: () => stage.stop() };
}

/** SIGTERM or SIGINT stops the service and exits: 0 when it stopped cleanly. For stages and sinks alike. */
export function stopOnSignals(stop: () => Promise<void>, log: Logger): void {
  const onSignal = (signal: string) => {
    log.info({ signal }, 'stopping');
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

class StageRunner<In extends keyof TopicValues, Out extends AvroTopic, Config, State> {
  readonly log: Logger;
  readonly metrics: StageMetrics;
  opsPort = 0;
  private readonly topics: TopicNames;
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly consumer: Consumer;
  private readonly serde: RegistrySerde;
  private readonly inputTopic: string;
  private readonly outputTopic: string;
  private readonly changelogTopic: string;
  private readonly inputReader: avro.Type | null;
  private readonly sideReader: avro.Type | null;
  private readonly outputTopicKeys: AvroTopic[];
  private readonly outputSchemas: Map<AvroTopic, AvroSchema>;
  private readonly outputSchemaIds = new Map<AvroTopic, number>();
  private readonly tasks = new Map<number, PartitionTask>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private opsServer: Awaited<ReturnType<typeof startOpsServer>>['server'] | null = null;
  private assigned = 0;
  private live = true;
  /** Set once everything, the attached service too, is up. */
  private started = false;
  private stopping: Promise<void> | null = null;
  private attached: { close(): Promise<void> } | null = null;
  private sideFollower: TopicFollower | null = null;
  /** A release pass over held records is running, and whether the side input moved on since it began. */
  private releasing: Promise<void> | null = null;
  private sideMoved = false;
  /** Since when this instance has read everything its partitions and the side input hold; null while it has not. */
  private currentSinceMs: number | null = null;
  /** Per source, the newest event time a quality figure named (the gauge must not go back). */
  private readonly newestEventMs = new Map<string, number>();

  constructor(
    private readonly definition: StageDefinition<In, Out, Config, State>,
    private readonly runtime: RuntimeConfig,
    private readonly config: Config,
  ) {
    this.metrics = stageMetrics(definition.stage);
    this.log = pino({ level: runtime.logLevel, base: { stage: definition.stage } });
    this.topics = topicNames(runtime.topicPrefix);
    this.inputTopic = this.topics[definition.input];
    this.outputTopic = this.topics[definition.output];
    this.changelogTopic = this.topics.changelog(definition.stage);
    this.kafka = new Kafka({
      clientId: `gridstream-${definition.stage}`,
      brokers: [...runtime.brokers],
      logCreator: kafkaLogger(this.log),
    });
    this.admin = this.kafka.admin();
    this.consumer = this.kafka.consumer(groupConsumerOptions(runtime, this.topics.group(definition.stage), definition.fetch));
    this.serde = new RegistrySerde(new SchemaRegistry({ host: runtime.registryUrl }));
    const schemas = loadSchemas();
    const schemaOf = (topic: AvroTopic) => schemas.get(valueSchemaOf[topic])!;
    this.inputReader = definition.input === 'ingestJson' ? null : avro.Type.forSchema(schemaOf(definition.input as AvroTopic) as avro.Schema);
    // Every stage may report data-quality figures, which go to <p>.quality.parts.
    this.outputTopicKeys = [...new Set<AvroTopic>([definition.output, ...(definition.outputs ?? []), 'qualityParts'])];
    this.outputSchemas = new Map(this.outputTopicKeys.map((key) => [key, schemaOf(key)]));
    this.sideReader = definition.sideInput ? avro.Type.forSchema(schemaOf(definition.sideInput.topic) as avro.Schema) : null;
  }

  async start(): Promise<void> {
    const ops = await startOpsServer(this.runtime.opsPort, this.metrics.registry, {
      live: () => this.live,
      ready: () => this.live && this.started && this.assigned > 0,
    }, this.runtime.opsHost);
    this.opsServer = ops.server;
    this.opsPort = ops.port;

    await this.admin.connect();
    const partitions = await ensureTopics(this.admin, [
      { topic: this.inputTopic, partitions: this.runtime.partitions },
      ...this.outputTopicKeys.map((key) => ({ topic: this.topics[key], partitions: this.runtime.partitions, config: topicSettings[key] })),
      { topic: this.topics.dlq, partitions: this.runtime.partitions, config: topicSettings.dlq },
      ...(this.definition.sideInput ? [{ topic: this.topics[this.definition.sideInput.topic], partitions: this.runtime.partitions }] : []),
    ]);
    if (this.definition.state) {
      // One changelog partition per input partition, so a partition's state moves with it.
      await ensureTopics(this.admin, [{ topic: this.changelogTopic, partitions: partitions.get(this.inputTopic)!, compacted: true }]);
    }
    for (const [key, schema] of this.outputSchemas) this.outputSchemaIds.set(key, await this.serde.register(this.topics.subject(this.topics[key]), schema));
    if (this.definition.sideInput) await this.followSideInput(this.definition.sideInput, this.sideReader!);

    const { GROUP_JOIN, CRASH, STOP, END_BATCH_PROCESS } = this.consumer.events;
    // Also fired for batches holding only transaction markers, so the end of a partition is seen.
    this.consumer.on(END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic !== this.inputTopic || this.stopping) return;
      const task = this.taskFor(payload.partition);
      if (payload.batchSize > 0 && task.batchUnprocessed) return;
      task.caughtUp = payload.offsetLag === '0';
      // A batch with nothing left after filtering (eachBatch never sees it) was fetched from the offset this instance committed.
      if (payload.batchSize === 0 && task.prepared) task.skippedUpTo = BigInt(payload.lastOffset) + 1n;
    });
    this.consumer.on(GROUP_JOIN, ({ payload }) => this.onAssigned(payload.memberAssignment[this.inputTopic] ?? []));
    this.consumer.on(STOP, () => (this.assigned = 0));
    this.consumer.on(CRASH, ({ payload }) => {
      this.assigned = 0;
      if (payload.restart) return;
      this.live = false;
      this.log.fatal({ err: payload.error }, 'consumer crashed and will not restart');
      if (this.definition.handleSignals) void this.stop().finally(() => process.exit(1));
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.inputTopic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.runtime.concurrentPartitions,
      eachBatch: (payload) => this.onBatch(payload.batch, payload.resolveOffset, payload.heartbeat, payload.pause, payload.isStale),
    });
    const idleMs = this.definition.eventTime?.idleMs(this.config) ?? Number.POSITIVE_INFINITY;
    const timer = setInterval(() => void this.onTick(idleMs), Math.min(1_000, Math.max(50, idleMs / 4)));
    timer.unref();
    this.timers.add(timer);
    if (this.definition.attach) this.attached = await this.definition.attach({ config: this.config, runtime: this.runtime, log: this.log, metrics: this.metrics });
    this.started = true;
    this.log.info({ input: this.inputTopic, output: this.outputTopic }, 'started');
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const timer of this.timers) clearTimeout(timer); // also clears intervals
      await this.sideFollower?.stop();
      await this.attached?.close().catch((error: unknown) => this.log.warn({ err: error }, 'closing failed'));
      await this.consumer.disconnect().catch((error: unknown) => this.log.warn({ err: error }, 'consumer disconnect failed'));
      await Promise.all([...this.tasks.values()].map((task) => this.dropProducer(task)));
      await this.admin.disconnect().catch(() => undefined);
      await new Promise<void>((resolve) => (this.opsServer ? this.opsServer.close(() => resolve()) : resolve()));
      this.log.info('stopped');
    })();
    return this.stopping;
  }

  /** Reads the side input to its end before the stage starts, then keeps following it; each side batch lets held records go. */
  private async followSideInput(sideInput: SideInput<State, Config, TopicValues[Out]>, reader: avro.Type): Promise<void> {
    const topic = this.topics[sideInput.topic];
    this.sideFollower = await followTopic(this.kafka, this.admin, topic, async (messages, partition) => {
      for (const message of messages) {
        try {
          sideInput.apply((await this.serde.decode(message.value ?? Buffer.alloc(0), reader)).value, Date.now());
        } catch (error) {
          this.log.warn({ err: error, topic, partition, offset: message.offset }, 'side record skipped: it does not decode');
        }
      }
      if (messages.length > 0) void this.releaseHeld(true);
    });
    await this.sideFollower.caughtUp;
    this.log.info({ topic }, 'side input read to its end');
  }

  /** Asks every entity holding records whether it can give them out now; one pass at a time, again if the side input moved meanwhile. */
  private releaseHeld(sideMoved: boolean): Promise<void> {
    if (sideMoved) this.sideMoved = true;
    this.releasing ??= (async () => {
      do {
        const moved = this.sideMoved;
        this.sideMoved = false;
        for (const task of this.tasks.values()) {
          if (this.stopping || !task.prepared || task.holding.size === 0 || (!moved && this.currentSinceMs === null)) continue;
          await this.withLock(task, () => this.releaseTask(task)).catch(async (error: unknown) => {
            task.log.warn({ err: error }, 'releasing held records failed');
            await this.resetTask(task);
          });
        }
      } while (this.sideMoved && !this.stopping);
    })().finally(() => (this.releasing = null));
    return this.releasing;
  }

  private async releaseTask(task: PartitionTask): Promise<void> {
    const sideInput = this.definition.sideInput!;
    if (!task.prepared) return;
    const writes = new PendingWrites();
    for (const stateKey of [...task.holding]) {
      const state = task.states.get(stateKey) as State;
      const results = sideInput.release(state, this.currentSinceMs, this.contextFor(task, task.committedOffset ?? '-1', stateKey || null));
      if (results.length === 0) continue;
      this.addOutputs(task, writes, results, null);
      writes.dirty.add(stateKey);
      this.trackHolding(task, stateKey, state);
    }
    if (writes.dirty.size > 0) await this.commit(task, writes, null);
  }

  private trackHolding(task: PartitionTask, stateKey: string, state: State): void {
    if (this.definition.sideInput!.holds(state)) task.holding.add(stateKey);
    else task.holding.delete(stateKey);
  }

  /** Each rebalance may have moved a partition elsewhere and back: every task re-checks its offset before the next batch. */
  private onAssigned(partitions: number[]): void {
    this.assigned = partitions.length;
    this.metrics.assignedPartitions.set({ stage: this.definition.stage }, partitions.length);
    const kept = new Set(partitions);
    for (const partition of partitions) this.taskFor(partition);
    for (const task of this.tasks.values()) {
      task.prepared = false;
      task.assigned = kept.has(task.partition);
      if (!task.assigned) void this.resetTask(task);
    }
    this.log.info({ topic: this.inputTopic, partitions }, 'assigned');
  }

  private async onBatch(
    batch: Batch,
    resolveOffset: (offset: string) => void,
    heartbeat: () => Promise<void>,
    pause: () => () => void,
    isStale: () => boolean,
  ): Promise<void> {
    if (this.stopping) return;
    if (isStale()) {
      this.taskFor(batch.partition).batchUnprocessed = true;
      return; // fetched before a seek: the sought offset is read next
    }
    const task = this.taskFor(batch.partition);
    task.lastReadMs = Date.now();
    task.batchUnprocessed = true;
    try {
      await this.withLock(task, async () => {
        if (isStale()) return; // the tick prepared the partition (and sought) while this batch waited
        if (!task.prepared) {
          await this.prepare(task, heartbeat);
          return; // prepare() sought to the committed offset; this batch may start elsewhere
        }
        if (batch.messages.length === 0) return;
        await this.process(task, batch, heartbeat);
        task.batchUnprocessed = false;
        resolveOffset(batch.lastOffset());
        task.failedAttempts = 0;
        task.firstFailureMs = null;
      });
      await heartbeat();
    } catch (error) {
      await this.recover(task, error, pause);
    }
  }

  private withLock<T>(task: PartitionTask, work: () => Promise<T>): Promise<T> {
    const run = task.lock.then(work);
    task.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Work between batches, in a transaction of its own: a partition that has reached its end and
   * read nothing for `idleMs` closes what it holds (DESIGN.md: idle partitions still close
   * windows; never while lagging, or a replay would close them early), and the offset moves
   * past trailing transaction markers.
   */
  private async onTick(idleMs: number): Promise<void> {
    // Held records of a current instance may stop waiting for a side input gone quiet.
    if (this.definition.sideInput) {
      const holding = [...this.tasks.values()].some((task) => task.holding.size > 0);
      const current = holding && (await this.isCurrent().catch(() => false));
      this.currentSinceMs = current ? (this.currentSinceMs ?? Date.now()) : null;
      if (current) await this.releaseHeld(false);
    }
    for (const task of this.tasks.values()) {
      if (this.stopping) continue;
      if (!task.prepared) {
        // A partition with nothing (or only markers) left to read gets no batch that would prepare it.
        if (!task.assigned || Date.now() < task.retryAtMs) continue;
        await this.withLock(task, async () => {
          if (!task.prepared) await this.prepare(task);
        }).catch((error: unknown) => task.log.warn({ err: error }, 'prepare failed'));
        continue;
      }
      const skipped = task.skippedUpTo !== null && task.skippedUpTo > BigInt(task.committedOffset ?? '0');
      const quiet = task.clock !== null && task.due.size > 0 && Date.now() - task.lastReadMs >= idleMs;
      // A fetch that finds nothing at all reports no batch, so the end of the partition is asked for.
      if (quiet && !task.caughtUp) task.caughtUp = await this.atEnd(task).catch(() => false);
      const idle = quiet && task.caughtUp;
      if (!skipped && !idle) continue;
      try {
        await this.withLock(task, async () => {
          if (!task.prepared) return;
          const writes = new PendingWrites();
          if (idle && task.clock!.advanceIdle(Date.now(), this.closedBy(task))) {
            this.flushDue(task, writes);
            task.log.info({ watermark: task.clock!.watermark }, 'idle partition closed what it held');
          }
          const nextOffset = task.skippedUpTo !== null && task.skippedUpTo > BigInt(task.committedOffset ?? '0') ? String(task.skippedUpTo) : null;
          if (writes.byTopic.size === 0 && nextOffset === null) return;
          await this.commit(task, writes, nextOffset);
          if (nextOffset !== null) task.committedOffset = nextOffset;
        });
      } catch (error) {
        // The next batch prepares the partition again; its state comes back from the changelog.
        task.log.warn({ err: error }, 'idle flush failed');
        await this.resetTask(task);
      }
    }
  }

  /**
   * Whether this instance has read everything its partitions and the side input hold now. Only
   * its own partitions: side data an instance elsewhere has yet to write is not seen.
   */
  private async isCurrent(): Promise<boolean> {
    const ends = await this.admin.fetchTopicOffsets(this.inputTopic);
    const tasks = [...this.tasks.values()].filter((task) => task.assigned);
    const partitionsCurrent = tasks.every((task) => {
      const end = ends.find((o) => o.partition === task.partition)?.high;
      return task.prepared && end !== undefined && task.committedOffset !== null && BigInt(end) <= BigInt(task.committedOffset);
    });
    return tasks.length > 0 && partitionsCurrent && (await this.sideFollower!.atEnd());
  }

  /** Whether this instance has committed everything the partition holds now. */
  private async atEnd(task: PartitionTask): Promise<boolean> {
    const end = (await this.admin.fetchTopicOffsets(this.inputTopic)).find((o) => o.partition === task.partition)?.high;
    return end !== undefined && task.committedOffset !== null && BigInt(end) <= BigInt(task.committedOffset);
  }

  private taskFor(partition: number): PartitionTask {
    let task = this.tasks.get(partition);
    if (!task) {
      task = {
        partition,
        log: this.log.child({ topic: this.inputTopic, partition }),
        producer: null,
        states: new Map(),
        committedOffset: null,
        assigned: true,
        prepared: false,
        failedAttempts: 0,
        firstFailureMs: null,
        clock: null,
        due: new Map(),
        holding: new Set(),
        lastReadMs: Date.now(),
        caughtUp: false,
        batchUnprocessed: false,
        retryAtMs: 0,
        skippedUpTo: null,
        lock: Promise.resolve(),
      };
      this.tasks.set(partition, task);
    }
    return task;
  }

  /**
   * Makes a partition ready: a fresh transactional producer (its init fences a zombie with the
   * same id and aborts the zombie's open transaction), then the group's committed offset, then
   * the state, restored from the changelog unless this instance made that commit itself.
   */
  private async prepare(task: PartitionTask, heartbeat?: () => Promise<void>): Promise<void> {
    if (!task.producer) {
      const producer = this.kafka.producer({
        transactionalId: `${this.topics.group(this.definition.stage)}.${task.partition}`,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: 60_000,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      task.producer = producer;
    }
    const committed = await this.committedOffset(task.partition);
    let seekOffset = committed ?? (await this.lowOffset(task.partition));
    if (this.definition.state && (committed === null || committed !== task.committedOffset)) {
      const started = performance.now();
      // Restoring inside eachBatch holds up the consumer's own heartbeats; a long restore must not cost the partition.
      const beat = heartbeat && setInterval(() => void heartbeat().catch(() => undefined), this.runtime.sessionTimeoutMs / 3);
      const restored = await restorePartition(this.kafka, this.admin, this.changelogTopic, task.partition).finally(() => clearInterval(beat));
      const clockBytes = restored.states.get(PartitionClock.changelogKey);
      restored.states.delete(PartitionClock.changelogKey);
      task.states = this.decodeStates(restored.states);
      const { eventTime } = this.definition;
      task.holding.clear();
      if (this.definition.sideInput) for (const [stateKey, state] of task.states) this.trackHolding(task, stateKey, state as State);
      if (eventTime) {
        task.clock = PartitionClock.decode(eventTime.graceMs(this.config), clockBytes);
        task.due.clear();
        for (const [stateKey, state] of task.states) this.trackDue(task, stateKey, state as State);
      }
      // Offsets and changelog are committed together, so this only matters if the offset commit was lost.
      if (restored.inputOffset >= BigInt(seekOffset)) seekOffset = String(restored.inputOffset + 1n);
      this.metrics.restoreDuration.observe({ stage: this.definition.stage }, (performance.now() - started) / 1000);
      this.metrics.restoredEntities.inc({ stage: this.definition.stage }, task.states.size);
      task.log.info({ entities: task.states.size, offset: seekOffset, ms: Math.round(performance.now() - started) }, 'state restored');
    }
    task.committedOffset = seekOffset;
    task.skippedUpTo = null;
    // Whatever was read before the seek says nothing about the end of the partition.
    task.caughtUp = false;
    task.lastReadMs = Date.now();
    task.prepared = true;
    this.consumer.seek({ topic: this.inputTopic, partition: task.partition, offset: seekOffset });
  }

  private async committedOffset(partition: number): Promise<string | null> {
    const [topic] = await this.admin.fetchOffsets({ groupId: this.topics.group(this.definition.stage), topics: [this.inputTopic] });
    const offset = topic?.partitions.find((p) => p.partition === partition)?.offset;
    return offset === undefined || offset === '-1' ? null : offset;
  }

  private async lowOffset(partition: number): Promise<string> {
    const offsets = await this.admin.fetchTopicOffsets(this.inputTopic);
    return offsets.find((o) => o.partition === partition)?.low ?? '0';
  }

  /**
   * A batch in transactions of at most GRIDSTREAM_MAX_BATCH_BYTES of input each (a larger record
   * alone): the broker hands over a whole record batch, however large, when it cannot send less.
   */
  private async process(task: PartitionTask, batch: Batch, heartbeat: () => Promise<void>): Promise<void> {
    const runs = byteBoundedRuns(batch.messages, this.runtime.maxBatchBytes, messageBytes);
    for (const [i, messages] of runs.entries()) {
      const last = i === runs.length - 1;
      // The batch may end in transaction markers after its last record: its last transaction commits past them.
      await this.processRun(task, messages, String(BigInt(last ? batch.lastOffset() : messages.at(-1)!.offset) + 1n));
      if (!last) await heartbeat();
    }
    this.metrics.offsetLag.set({ stage: this.definition.stage, partition: String(task.partition) }, Number(batch.offsetLag()));
  }

  /** Records in one transaction: outputs, dead letters, changelog and the next input offset. */
  private async processRun(task: PartitionTask, messages: KafkaMessage[], nextOffset: string): Promise<void> {
    const { stage, eventTime } = this.definition;
    const writes = new PendingWrites();
    let newestEventTs = Number.NEGATIVE_INFINITY;

    for (const message of messages) {
      const key = message.key?.toString() ?? null;
      let value: TopicValues[In];
      try {
        value = await this.decode(message.value);
      } catch (error) {
        if (codeOf(error) !== 'undecodable') throw error;
        this.addDeadLetter(task, writes, message, 'undecodable', (error as Error).name, (error as Error).message);
        continue;
      }
      const stateKey = key ?? '';
      const state = this.stateOf(task, stateKey);
      const ctx = this.contextFor(task, message.offset, key);
      let results: Output<TopicValues[Out]>[];
      try {
        results = this.definition.transform(value, state, ctx);
      } catch (error) {
        if ((error as { retriable?: unknown }).retriable === true) throw error;
        task.log.warn({ err: error, offset: message.offset, entity: key }, 'transform failed; dead-lettered');
        this.addDeadLetter(task, writes, message, 'unprocessable', (error as Error).name ?? 'Error', String((error as Error).message ?? error));
        continue;
      } finally {
        // The record moves the watermark after the transform saw the one before it.
        const ts = (value as { ts?: unknown }).ts;
        if (typeof ts === 'number') {
          if (ts > newestEventTs) newestEventTs = ts;
          task.clock?.observe(ts);
        }
      }
      this.addOutputs(task, writes, results, message);
      if (this.definition.state) writes.dirty.add(stateKey);
      if (eventTime) this.trackDue(task, stateKey, state);
      if (this.definition.sideInput) this.trackHolding(task, stateKey, state);
    }
    if (eventTime) this.flushDue(task, writes);

    await this.commit(task, writes, nextOffset);
    task.committedOffset = nextOffset;
    this.metrics.recordsIn.inc({ stage }, messages.length);
    this.metrics.batchSize.observe({ stage }, messages.length);
    const nowMs = Date.now();
    for (const message of messages) this.metrics.recordLatency.observe({ stage }, (nowMs - Number(message.timestamp)) / 1000);
    if (newestEventTs > Number.NEGATIVE_INFINITY) this.metrics.eventTimeLag.set({ stage, partition: String(task.partition) }, (nowMs - newestEventTs) / 1000);
  }

  /** The entity states of a restored changelog partition: whole records, or parts grouped by entity. */
  private decodeStates(records: Map<string, Buffer>): Map<string, unknown> {
    const codec = this.definition.state!;
    if (!isParted(codec)) return new Map([...records].map(([key, bytes]) => [key, codec.decode(bytes)]));
    const partsByEntity = new Map<string, Map<string, Buffer>>();
    for (const [key, bytes] of records) {
      const at = key.indexOf(partSeparator);
      if (at < 0) continue; // not a part: written by a whole-record codec before
      const entity = key.slice(0, at);
      let parts = partsByEntity.get(entity);
      if (!parts) partsByEntity.set(entity, (parts = new Map()));
      parts.set(key.slice(at + 1), bytes);
    }
    return new Map([...partsByEntity].map(([entity, parts]) => [entity, codec.fromParts(parts)]));
  }

  private stateOf(task: PartitionTask, stateKey: string): State {
    let state = task.states.get(stateKey) as State;
    if (this.definition.state && state === undefined) {
      state = this.definition.state.initial();
      task.states.set(stateKey, state);
    }
    return state;
  }

  private trackDue(task: PartitionTask, stateKey: string, state: State): void {
    const due = this.definition.eventTime!.dueAt(state);
    if (due === null) task.due.delete(stateKey);
    else task.due.set(stateKey, due);
  }

  /** Gives every entity whose due time the watermark has reached its chance to emit. */
  private flushDue(task: PartitionTask, writes: PendingWrites): void {
    const watermark = task.clock!.watermark;
    for (const [stateKey, due] of task.due) {
      if (due > watermark) continue;
      const state = task.states.get(stateKey) as State;
      const results = this.definition.eventTime!.flush(state, watermark, this.contextFor(task, task.committedOffset ?? '-1', stateKey || null));
      this.addOutputs(task, writes, results, null);
      writes.dirty.add(stateKey);
      this.trackDue(task, stateKey, state);
    }
  }

  /** The watermark that closes everything the partition's entities hold open. */
  private closedBy(task: PartitionTask): number {
    let closedBy = Number.NEGATIVE_INFINITY;
    for (const stateKey of task.due.keys()) {
      const entityClosedBy = this.definition.eventTime!.closedBy(task.states.get(stateKey) as State);
      if (entityClosedBy !== null && entityClosedBy > closedBy) closedBy = entityClosedBy;
    }
    return closedBy;
  }

  private addOutputs(task: PartitionTask, writes: PendingWrites, results: Output<TopicValues[Out]>[], message: KafkaMessage | null): void {
    for (const result of results) {
      if (result.kind === 'quality') {
        writes.quality.push(result);
        continue;
      }
      if (result.kind === 'dropped') {
        const key = `${result.reason}|${result.source}`;
        writes.dropped.set(key, (writes.dropped.get(key) ?? 0) + 1);
        continue;
      }
      if (result.kind === 'dead-letter') {
        if (!message) throw new Error(`${this.definition.stage}: a flush cannot dead-letter; only records can`);
        this.addDeadLetter(task, writes, message, result.reason, 'ContractViolation', result.message, result.fieldPath, result.headers);
        continue;
      }
      const topicKey = result.topic ?? this.definition.output;
      const schemaId = this.outputSchemaIds.get(topicKey);
      if (schemaId === undefined) throw new Error(`${this.definition.stage} emitted to ${topicKey}, which is not among its outputs`);
      writes.add(this.topics[topicKey], { key: result.key, value: this.serde.encode(schemaId, result.value) });
    }
  }

  private addDeadLetter(
    task: PartitionTask,
    writes: PendingWrites,
    message: KafkaMessage,
    reason: DlqReason,
    errorClass: string,
    text: string,
    fieldPath?: string,
    extraHeaders?: Record<string, string>,
  ): void {
    const nowMs = Date.now();
    const headers = deadLetterHeaders({
      topic: this.inputTopic,
      partition: task.partition,
      offset: message.offset,
      stage: this.definition.stage,
      reason,
      errorClass,
      message: text,
      firstFailureMs: task.firstFailureMs ?? nowMs,
      lastFailureMs: nowMs,
      attempts: task.failedAttempts + 1,
      ...(fieldPath === undefined ? {} : { fieldPath }),
    });
    writes.add(this.topics.dlq, { key: message.key, value: message.value, headers: { ...message.headers, ...extraHeaders, ...headers } });
    this.metrics.deadLettered.inc({ stage: this.definition.stage, reason });
  }

  /**
   * Writes outputs, dead letters and the changed states (with the partition clock) in one
   * transaction, with the input offset when a batch was read (an idle flush has none).
   */
  private async commit(task: PartitionTask, writes: PendingWrites, nextOffset: string | null): Promise<void> {
    const { stage } = this.definition;
    const reflectedOffset = String(BigInt(nextOffset ?? task.committedOffset ?? '0') - 1n);
    const partSchemaId = this.outputSchemaIds.get('qualityParts')!;
    const parts = qualityParts(stage, writes.quality, this.runtime.qualityWindowMs);
    for (const part of parts) writes.add(this.topics.qualityParts, { key: qualityKey(part), value: this.serde.encode(partSchemaId, part) });
    const codec = this.definition.state;
    for (const stateKey of writes.dirty) {
      const state = task.states.get(stateKey) as State;
      const records: Array<[string, Buffer | null]> = isParted(codec!)
        ? codec.takeChanges(state).map(([part, bytes]) => [`${stateKey}${partSeparator}${part}`, bytes])
        : [[stateKey, codec!.encode(state)]];
      for (const [key, value] of records) writes.add(this.changelogTopic, { key, value, partition: task.partition, headers: { [inputOffsetHeader]: reflectedOffset } });
    }
    if (task.clock) {
      writes.add(this.changelogTopic, {
        key: PartitionClock.changelogKey,
        value: task.clock.encode(),
        partition: task.partition,
        headers: { [inputOffsetHeader]: reflectedOffset },
      });
    }
    const transaction = await task.producer!.transaction();
    try {
      for (const request of producerRequests(writes.topicMessages())) await transaction.sendBatch({ topicMessages: request });
      if (nextOffset !== null) {
        await transaction.sendOffsets({
          consumerGroupId: this.topics.group(stage),
          topics: [{ topic: this.inputTopic, partitions: [{ partition: task.partition, offset: nextOffset }] }],
        });
      }
    } catch (error) {
      await transaction.abort().then(
        () => this.metrics.transactions.inc({ stage, outcome: 'aborted' }),
        () => undefined, // the producer is dropped either way
      );
      throw error;
    }
    try {
      await transaction.commit();
    } catch (error) {
      this.metrics.transactions.inc({ stage, outcome: 'uncertain' });
      throw error;
    }
    this.metrics.transactions.inc({ stage, outcome: 'committed' });
    for (const [topic, messages] of writes.byTopic) {
      if (topic !== this.topics.dlq && topic !== this.changelogTopic) this.metrics.recordsOut.inc({ stage, topic }, messages.length);
    }
    for (const part of parts) {
      for (const kind of qualityCountKinds) if (part[kind] > 0) this.metrics.qualityCounts.inc({ stage, source: part.source, kind }, part[kind]);
    }
    for (const { source, measure, amount, ts } of writes.quality) {
      if (measure === 'delay_ms') this.metrics.qualityDelay.observe({ stage, source }, amount / 1000);
      // Only figures of records with a usable ts: validate counts an invalid one at its arrival.
      if ((measure === 'valid' || measure === 'present') && ts > (this.newestEventMs.get(source) ?? Number.NEGATIVE_INFINITY)) {
        this.newestEventMs.set(source, ts);
        this.metrics.sourceEventTime.set({ stage, source }, ts / 1000);
      }
    }
    for (const [key, count] of writes.dropped) {
      const [reason, source] = key.split('|') as [string, string];
      this.metrics.dropped.inc({ stage, reason, source }, count);
    }
  }

  private async decode(bytes: Buffer | null): Promise<TopicValues[In]> {
    if (!this.inputReader) return (bytes ?? Buffer.alloc(0)) as unknown as TopicValues[In];
    if (bytes === null) throw new UndecodableError('a null value (tombstone) where a record belongs');
    return (await this.serde.decode(bytes, this.inputReader)).value as TopicValues[In];
  }

  private contextFor(task: PartitionTask, offset: string, key: string | null): StageContext<Config> {
    const watermark = task.clock?.watermark ?? Number.NEGATIVE_INFINITY;
    const { qualityWindowMs } = this.runtime;
    return { config: this.config, now: Date.now, topic: this.inputTopic, partition: task.partition, offset, key, watermark, qualityWindowMs, log: task.log };
  }

  /** After any failure the transaction's effects are gone: drop the producer and the state, pause, and retry later. */
  private async recover(task: PartitionTask, error: unknown, pause: () => () => void): Promise<void> {
    const code = codeOf(error) ?? 'unknown';
    task.failedAttempts += 1;
    task.firstFailureMs ??= Date.now();
    await this.resetTask(task);
    this.metrics.retries.inc({ stage: this.definition.stage, code });
    const delayMs = backoffMs(this.runtime.retry, task.failedAttempts);
    task.retryAtMs = Date.now() + delayMs;
    task.log.warn({ err: error, code, attempt: task.failedAttempts, delayMs }, 'batch failed; partition paused');
    const resume = pause();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      task.log.info('partition resumed');
      resume();
    }, delayMs);
    this.timers.add(timer);
  }

  /** Forgets what the task holds in memory; the next batch prepares it again from the committed offset and the changelog. */
  private async resetTask(task: PartitionTask): Promise<void> {
    task.prepared = false;
    task.committedOffset = null;
    task.states.clear();
    task.due.clear();
    task.holding.clear();
    task.clock = null;
    task.skippedUpTo = null;
    await this.dropProducer(task);
  }

  private async dropProducer(task: PartitionTask): Promise<void> {
    const producer = task.producer;
    task.producer = null;
    await producer?.disconnect().catch(() => undefined);
  }
}

/** The count fields of a QualityPart, exported as `gridstream_quality_counts_total{kind}`. */
const qualityCountKinds = ['entities', 'present', 'missing', 'imputed', 'outliers', 'duplicates', 'lateApplied', 'valid', 'invalid'] as const;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : (error as { type?: unknown } | null)?.type?.toString();
}
