import type { AvroTopic } from '@gridstream/schemas';
import { PartitionClock, type EventTime } from './event-time.js';
import { testContext } from './test-context.js';
import type { DeadLetter, Output, Transform } from './transform.js';

export interface InMemoryStage<In, State, Config, Out> {
  transform: Transform<In, State, Config, Out>;
  state: { initial(): State };
  eventTime?: EventTime<State, Config, Out>;
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

/**
 * Runs a stage's transform over partitions held in memory the way runStage does: the watermark
 * moves record by record, due entities are flushed after every `batchSize` records, and at the
 * end everything is closed as an idle partition would be. For unit tests, and to check that
 * batch boundaries do not change results.
 */
export function runInMemory<In, State, Config, Out>(
  stage: InMemoryStage<In, State, Config, Out>,
  partitions: In[][],
  batchSize: number,
): InMemoryResult {
  const result: InMemoryResult = { emitted: new Map(), deadLetters: [], dropped: new Map(), quality: new Map() };
  const collect = (outputs: Output<Out>[], record: unknown) => {
    for (const output of outputs) {
      if (output.kind === 'dead-letter') result.deadLetters.push({ record, deadLetter: output });
      else if (output.kind === 'dropped') result.dropped.set(output.reason, (result.dropped.get(output.reason) ?? 0) + 1);
      else if (output.kind === 'quality') result.quality.set(output.measure, (result.quality.get(output.measure) ?? 0) + output.amount);
      else {
        const topic = output.topic ?? 'output';
        const emitted = result.emitted.get(topic);
        if (emitted) emitted.push(output.value);
        else result.emitted.set(topic, [output.value]);
      }
    }
  };
  const base = testContext(stage.config); // one silent logger for all: creating one per record dominates the run
  for (const [partition, records] of partitions.entries()) {
    const states = new Map<string, State>();
    const clock = new PartitionClock(stage.eventTime?.graceMs(stage.config) ?? 0);
    const flush = () => {
      if (!stage.eventTime) return;
      for (const [key, state] of states) {
        const due = stage.eventTime.dueAt(state);
        if (due === null || due > clock.watermark) continue;
        collect(stage.eventTime.flush(state, clock.watermark, { ...base, key, partition, watermark: clock.watermark }), null);
      }
    };
    records.forEach((record, index) => {
      const key = stage.keyOf(record);
      let state = states.get(key);
      if (state === undefined) {
        state = stage.state.initial();
        states.set(key, state);
      }
      const ctx = { ...base, key, offset: String(index), partition, watermark: clock.watermark };
      collect(stage.transform(record, state, ctx), record);
      const ts = (record as { ts?: unknown }).ts;
      if (typeof ts === 'number') clock.observe(ts);
      if ((index + 1) % batchSize === 0) flush();
    });
    flush();
    if (stage.eventTime) {
      const closedBy = Math.max(...[...states.values()].map((state) => stage.eventTime!.closedBy(state) ?? Number.NEGATIVE_INFINITY));
      if (clock.advanceIdle(Number.POSITIVE_INFINITY, closedBy)) flush();
    }
  }
  return result;
}
