import type { Logger } from 'pino';
import type { AvroTopic, TopicValues } from '@gridstream/schemas';
import type { DlqReason } from './errors.js';

/** What a transform sees besides the record: its config, the clock and where the record came from. */
export interface StageContext<Config> {
  readonly config: Config;
  /** Wall-clock time in epoch milliseconds; tests fix it, so transforms never call Date.now(). */
  now(): number;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The record's message key (the entity id), or null when the producer sent none. */
  readonly key: string | null;
  /** The partition's event-time watermark before this record (-Infinity for stages without event time). */
  readonly watermark: number;
  /** The event-time window data-quality figures are reported by (GRIDSTREAM_QUALITY_WINDOW_MS). */
  readonly qualityWindowMs: number;
  readonly log: Logger;
}

/** A record for the stage's output topic, keyed by entity. */
export interface Emit<Out> {
  kind: 'emit';
  key: string;
  value: Out;
  topic?: undefined;
}

/** A record for another of the stage's output topics (listed in its `outputs`). */
export interface EmitTo {
  kind: 'emit';
  key: string;
  value: unknown;
  topic: AvroTopic;
}

/** A record the stage cannot use: its original bytes go to the DLQ with this reason. */
export interface DeadLetter {
  kind: 'dead-letter';
  reason: DlqReason;
  message: string;
  /** Where in the record the problem is, e.g. `values.load`. */
  fieldPath?: string;
  /** More context for the DLQ record, e.g. `gridstream.late.by.ms`. */
  headers?: Record<string, string>;
}

/** A record the stage drops on purpose, e.g. a repeat of an (entity, ts): nothing is written, it is counted. */
export interface Dropped {
  kind: 'dropped';
  reason: 'duplicate';
  /** The record's source, a metric label (bounded by the source contracts). */
  source: string;
}

/**
 * A data-quality figure of a source at an event time: the runtime adds a transaction's figures up
 * per source and window into QualityPart records on `<p>.quality.parts` (written in the same
 * transaction) and exports them as metrics once it commits.
 */
export interface Quality {
  kind: 'quality';
  source: string;
  measure: QualityMeasure;
  /** Steps, records or entities; milliseconds for `delay_ms`. */
  amount: number;
  /** The event time the figure belongs to: it picks the window. */
  ts: number;
}

/**
 * entity: an entity seen for the first time in a window; present, missing, imputed, outlier: steps;
 * duplicate, lateApplied (later than the grace, still used), valid, invalid: records; delay_ms: one
 * record's event-to-ingest delay.
 */
export type QualityMeasure = 'entity' | 'present' | 'missing' | 'imputed' | 'outlier' | 'duplicate' | 'lateApplied' | 'valid' | 'invalid' | 'delay_ms';

export type Output<Out> = Emit<Out> | EmitTo | DeadLetter | Dropped | Quality;

/**
 * A stage's pure transform: one input record and the state of its entity (mutated in place) in,
 * outputs out. Bad data becomes a DeadLetter output, not an exception; a thrown error with
 * `retriable: true` pauses the partition and retries, any other is dead-lettered as
 * `unprocessable`.
 */
export type Transform<In, State, Config, Out> = (record: In, state: State, ctx: StageContext<Config>) => Output<Out>[];

export function emit<Out>(key: string, value: Out): Emit<Out> {
  return { kind: 'emit', key, value };
}

export function emitTo<T extends AvroTopic>(topic: T, key: string, value: TopicValues[T]): EmitTo {
  return { kind: 'emit', key, value, topic };
}

export function dropped(reason: Dropped['reason'], source: string): Dropped {
  return { kind: 'dropped', reason, source };
}

export function quality(source: string, measure: QualityMeasure, amount: number, ts: number): Quality {
  return { kind: 'quality', source, measure, amount, ts };
}

export function deadLetter(reason: DlqReason, message: string, fieldPath?: string, headers?: Record<string, string>): DeadLetter {
  return {
    kind: 'dead-letter',
    reason,
    message,
    ...(fieldPath === undefined ? {} : { fieldPath }),
    ...(headers === undefined ? {} : { headers }),
  };
}
