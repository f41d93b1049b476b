import { checkConfig, type SimulationConfig } from './config.js';
import { planFaults, render, type FaultKind } from './faults.js';
import { firstStepTs, gapMask, stepCount } from './gaps.js';
import { integerBetween, randomStream } from './random.js';
import { SendQueue } from './send-queue.js';
import { simulatedEntities } from './sources.js';

/** What a sent line really is. Gaps are not sent, so their truth comes from gapsOf. */
export interface GroundTruth {
  entity: string;
  /** The true event time, also for a future_ts line and one whose ts is unreadable. */
  ts: number;
  /** [] for a clean record. */
  kinds: FaultKind[];
  /** The variable an outlier or unit change altered. */
  variable?: string;
}

export interface SimulatedEvent {
  /** The JSON text as sent; a malformed one does not parse or lacks a required field. */
  line: string;
  /** The entity, the Kafka key; null when the line lost its entity. */
  key: string | null;
  /** 0, 1, 2, … in the order the generator yields. */
  sendOrder: number;
  truth: GroundTruth;
}

type Unsent = Omit<SimulatedEvent, 'sendOrder'>;

/**
 * Every event of a run in send order, one step at a time across all entities, so millions of events
 * never sit in memory. Delayed records wait in a queue until the stream reaches their event time
 * plus delay. The same config yields the same lines, byte for byte.
 */
export function* simulate(config: SimulationConfig): Generator<SimulatedEvent> {
  checkConfig(config);
  const { faults } = config;
  const entities = simulatedEntities(config).map((entity) => ({
    entity,
    missing: gapMask(config, entity.entity, stepCount(config, entity.stepMs)),
  }));
  if (entities.length === 0) return;
  const tickMs = entities.map(({ entity }) => entity.stepMs).reduce(greatestCommonDivisor);
  const random = randomStream(config.seed, 'faults');
  // At least one tick, so records with later event times really are sent first (when outOfOrderMaxMs allows).
  const outOfOrderDelayMs = () => integerBetween(random, Math.min(tickMs, faults.outOfOrderMaxMs), faults.outOfOrderMaxMs);
  const queue = new SendQueue<Unsent>();
  let sendOrder = 0;
  const send = (unsent: Unsent): SimulatedEvent => ({ ...unsent, sendOrder: sendOrder++ });

  const endTs = config.startTs + config.durationMs;
  for (let ts = firstStepTs(config.startTs, tickMs); ts < endTs; ts += tickMs) {
    // A delayed record goes out after every on-time record whose ts is at or before its send position.
    while (queue.nextSendAtTs() < ts) yield send(queue.pop());
    for (const { entity, missing } of entities) {
      if (ts % entity.stepMs !== 0) continue;
      const reading = entity.sample(ts); // also in a gap, so values do not depend on the gap share
      if (missing.next().value) continue;
      const plan = planFaults(random, faults, entity.source);
      const { line, key, variable } = render(reading, plan.content, entity, random);
      const contentKinds = plan.content === null ? [] : [plan.content];
      const truth = (kinds: FaultKind[]): GroundTruth =>
        variable === undefined ? { entity: entity.entity, ts, kinds } : { entity: entity.entity, ts, kinds, variable };
      const delayMs = plan.timing === 'late' ? faults.lateByMs : plan.timing === 'out_of_order' ? outOfOrderDelayMs() : 0;
      // Sent past the end of the run, nothing later would precede it: it would be neither late nor out of order.
      const timing = plan.timing === 'on_time' || delayMs === 0 || ts + delayMs >= endTs ? null : plan.timing;
      if (timing === null) yield send({ line, key, truth: truth(contentKinds) });
      else queue.push(ts + delayMs, { line, key, truth: truth([...contentKinds, timing]) });
      if (plan.duplicate) {
        const originalSendAtTs = timing === null ? ts : ts + delayMs;
        queue.push(Math.max(originalSendAtTs, ts + outOfOrderDelayMs()), { line, key, truth: truth(['duplicate', ...contentKinds]) });
      }
    }
  }
  while (queue.size > 0) yield send(queue.pop());
}

/** One NDJSON line of ground truth for a sent event, for writing beside the events. */
export function groundTruthLine(event: SimulatedEvent): string {
  return JSON.stringify({ sendOrder: event.sendOrder, key: event.key, ...event.truth });
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}
