import type { Output, StageContext } from './transform.js';

/** A stateful stage that works in event time: the runtime keeps each partition's watermark and tells the stage when it moves. */
export interface EventTime<State, Config, Out> {
  graceMs(config: Config): number;
  /** A caught-up partition that has read nothing for this long closes everything it holds (see PartitionClock.advanceIdle). */
  idleMs(config: Config): number;
  /** The event time at which the entity's state has something to give out, or null when it holds nothing open. */
  dueAt(state: State): number | null;
  /** The watermark that closes everything the entity's state holds open, or null when it holds nothing. */
  closedBy(state: State): number | null;
  /** The outputs of an entity whose due time the watermark has reached. */
  flush(state: State, watermark: number, ctx: StageContext<Config>): Output<Out>[];
}

/**
 * One partition's event-time clock: the greatest event time read, and how far an idle spell
 * moved the watermark. Stored in the changelog under `changelogKey`, so it survives restarts
 * with the states it belongs to.
 */
export class PartitionClock {
  static readonly changelogKey = '\u0000watermark';

  constructor(
    private readonly graceMs: number,
    private maxTs = Number.NEGATIVE_INFINITY,
    private idleWatermark = Number.NEGATIVE_INFINITY,
  ) {}

  static decode(graceMs: number, bytes: Buffer | undefined): PartitionClock {
    if (!bytes) return new PartitionClock(graceMs);
    const { maxTs, idleWatermark } = JSON.parse(bytes.toString()) as { maxTs: number | null; idleWatermark: number | null };
    return new PartitionClock(graceMs, maxTs ?? Number.NEGATIVE_INFINITY, idleWatermark ?? Number.NEGATIVE_INFINITY);
  }

  encode(): Buffer {
    // JSON has no -Infinity: null stands for "nothing seen yet".
    const finite = (n: number) => (Number.isFinite(n) ? n : null);
    return Buffer.from(JSON.stringify({ maxTs: finite(this.maxTs), idleWatermark: finite(this.idleWatermark) }));
  }

  get watermark(): number {
    return Math.max(this.maxTs - this.graceMs, this.idleWatermark);
  }

  observe(ts: number): void {
    if (ts > this.maxTs) this.maxTs = ts;
  }

  /**
   * After an idle spell: far enough to close everything held open (`closedBy`, from the
   * states), never past wall-clock time minus the grace. Whether it moved.
   */
  advanceIdle(nowMs: number, closedBy: number): boolean {
    const target = Math.min(closedBy, nowMs - this.graceMs);
    if (target <= this.watermark) return false;
    this.idleWatermark = target;
    return true;
  }
}
