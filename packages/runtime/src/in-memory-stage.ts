import type { AvroTopic } from '@gridstream/schemas';
import { PartitionClock, type EventTime } from './event-time.js';
import type { SideInput } from './side-input.js';
import { testContext } from './test-context.js';
import type { DeadLetter, Output, StageContext, Transform } from './transform.js';

export interface InMemoryStage<In, State, Config, Out> {
  transform: Transform<In, State, Config, Out>;
  state: { initial(): State };
  eventTime?: EventTime<State, Config, Out>;
  /** Fed with what the stage itself emits to the side topic, after each batch. */
  sideInput?: SideInput<State, Config, Out>;
  config: Config;
  /** The key of a record, as the producer would set it. */
  keyOf(record: In): string;
}

export interface InMemoryResult {
  /** Emitted values by output topic ('output' for the stage's main one), in emission order. */
  emitted: Map<AvroTopic | 'output', unknown[]>;
  deadLetters: Array<{ record: unknown; deadLetter: DeadLetter }>;
  /** Records dropped on purpose, by reason. */
  dropped: Map<string, number>;
  /** Quality figures summed by measure. */
  quality: Map<string, number>;
}

interface InMemoryPartition<State> {
  states: Map<string, State>;
  clock: PartitionClock;
}

/**
 * Runs a stage's transform over partitions held in memory the way runStage does: partitions take
 * turns batch by batch, the watermark moves record by record, due entities are flushed after every
 * `batchSize` records, side records are applied and held records released after each batch, and
 * at the end everything is closed as an idle, caught-up partition would be. For unit tests, and to
 * check that batch boundaries do not change results.
 */
export function runInMemory<In, State, Config, Out>(
  stage: InMemoryStage<In, State, Config, Out>,
  partitions: In[][],
  batchSize: number,
): InMemoryResult {
  const result: InMemoryResult = { emitted: new Map(), deadLetters: [], dropped: new Map(), quality: new Map() };
  const sideTopic = stage.sideInput?.topic;
  const sideRecords: unknown[] = [];
  const collect = (outputs: Output<Out>[], record: unknown) => {
    for (const output of outputs) {
      if (output.kind === 'dead-letter') result.deadLetters.push({ record, deadLetter: output });
      else if (output.kind === 'dropped') result.dropped.set(output.reason, (result.dropped.get(output.reason) ?? 0) + 1);
      else if (output.kind === 'quality') result.quality.set(output.measure, (result.quality.get(output.measure) ?? 0) + output.amount);
      else {
        const topic = output.topic ?? 'output';
        if (topic === sideTopic) sideRecords.push(output.value);
        const emitted = result.emitted.get(topic);
        if (emitted) emitted.push(output.value);
        else result.emitted.set(topic, [output.value]);
      }
    }
  };
  const base = testContext(stage.config); // one silent logger for all: creating one per record dominates the run
  const contextOf = (partition: number, key: string, watermark: number, offset = '-1'): StageContext<Config> => ({ ...base, key, offset, partition, watermark });
  const held: InMemoryPartition<State>[] = partitions.map(() => ({ states: new Map(), clock: new PartitionClock(stage.eventTime?.graceMs(stage.config) ?? 0) }));
  const flush = (partition: number) => {
    if (!stage.eventTime) return;
    const { states, clock } = held[partition]!;
    for (const [key, state] of states) {
      const due = stage.eventTime.dueAt(state);
      if (due === null || due > clock.watermark) continue;
      collect(stage.eventTime.flush(state, clock.watermark, contextOf(partition, key, clock.watermark)), null);
    }
  };
  const release = (currentSinceMs: number | null, ctxOf: (partition: number, key: string) => StageContext<Config>) => {
    if (!stage.sideInput) return;
    for (const record of sideRecords.splice(0)) stage.sideInput.apply(record, base.now());
    held.forEach(({ states }, partition) => {
      for (const [key, state] of states) if (stage.sideInput!.holds(state)) collect(stage.sideInput!.release(state, currentSinceMs, ctxOf(partition, key)), null);
    });
  };

  const longest = Math.max(0, ...partitions.map((records) => records.length));
  for (let start = 0; start < longest; start += batchSize) {
    partitions.forEach((records, partition) => {
      const { states, clock } = held[partition]!;
      records.slice(start, start + batchSize).forEach((record, i) => {
        const key = stage.keyOf(record);
        let state = states.get(key);
        if (state === undefined) {
          state = stage.state.initial();
          states.set(key, state);
        }
        collect(stage.transform(record, state, contextOf(partition, key, clock.watermark, String(start + i))), record);
        const ts = (record as { ts?: unknown }).ts;
        if (typeof ts === 'number') clock.observe(ts);
      });
      flush(partition);
    });
    release(null, (partition, key) => contextOf(partition, key, held[partition]!.clock.watermark));
  }
  if (stage.eventTime) {
    held.forEach(({ states, clock }, partition) => {
      const closedBy = Math.max(...[...states.values()].map((state) => stage.eventTime!.closedBy(state) ?? Number.NEGATIVE_INFINITY));
      if (clock.advanceIdle(Number.POSITIVE_INFINITY, closedBy)) flush(partition);
    });
  }
  // Caught up and quiet for ever: whatever still waits for side data stops waiting.
  release(Number.NEGATIVE_INFINITY, (partition, key) => ({ ...contextOf(partition, key, held[partition]!.clock.watermark), now: () => Number.POSITIVE_INFINITY }));
  return result;
}
