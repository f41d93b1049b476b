import type { AvroTopic } from '@gridstream/schemas';
import type { Output, StageContext } from './transform.js';

/**
 * A topic every instance of a stage reads whole, besides its own input partitions: the way a
 * record can wait for data keyed elsewhere (feature's as-of join of weather onto load).
 * Entities hold records in their state until the side input lets them go; the runtime asks
 * them after every side batch and every tick, and commits what they give out like a batch.
 */
export interface SideInput<State, Config, Out> {
  topic: AvroTopic;
  /** Takes one side record in, in offset order per partition, with the wall-clock time it arrived. */
  apply(value: unknown, nowMs: number): void;
  /** Whether the entity's state holds records back. */
  holds(state: State): boolean;
  /**
   * What the entity can give out now. `currentSinceMs` is the wall-clock time since which this
   * instance has read everything its input partitions and the side input hold, null while it has
   * not: only a current instance may stop waiting for side data gone quiet, or a replay would
   * release records before their side data was read.
   */
  release(state: State, currentSinceMs: number | null, ctx: StageContext<Config>): Output<Out>[];
}
