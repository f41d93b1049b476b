/**
 * One entity's feature rows by step number (ts / cadence): a circular buffer of float32 rows that
 * grows by doubling as the span of kept steps does, but not past `maxSteps` (what the sequences
 * can need), so it holds what the data needs and never a copy per sequence.
 */
export class StepRing {
  private capacity: number;
  /** The step each slot holds, NaN when empty. */
  private slotSteps: Float64Array;
  /** 1 when the row was imputed. */
  private slotImputed: Uint8Array;
  private slotValues: Float32Array;
  /** No row below this step is kept. */
  private lowStep = Number.NEGATIVE_INFINITY;
  /**
   * The lowest and highest steps held: what the capacity must span. Not `lowStep`, which window
   * sets to the start of the next sequence, up to a week before the first row: sized from there,
   * every ring grew to the full sequence length at its first rows (183 MB at 10k entities with 4 h
   * of data each, in bench/pipeline.ts).
   */
  private lowestHeld = Number.POSITIVE_INFINITY;
  private highestHeld = Number.NEGATIVE_INFINITY;

  constructor(
    readonly width: number,
    readonly maxSteps = Number.POSITIVE_INFINITY,
    initialCapacity = Math.min(16, maxSteps),
  ) {
    this.capacity = initialCapacity;
    this.slotSteps = new Float64Array(initialCapacity).fill(Number.NaN);
    this.slotImputed = new Uint8Array(initialCapacity);
    this.slotValues = new Float32Array(initialCapacity * width);
  }

  /** Bytes held, for the memory figures. */
  get bytes(): number {
    return this.slotSteps.byteLength + this.slotImputed.byteLength + this.slotValues.byteLength;
  }

  has(step: number): boolean {
    return this.slotSteps[this.slotOf(step)] === step;
  }

  set(step: number, values: ArrayLike<number>, imputed: boolean): void {
    if (step < this.lowStep) throw new Error(`step ${step} is below the kept range (from ${this.lowStep})`);
    if (this.lowStep === Number.NEGATIVE_INFINITY) this.lowStep = step;
    this.lowestHeld = Math.min(this.lowestHeld, step);
    this.highestHeld = Math.max(this.highestHeld, step);
    if (this.highestHeld - this.lowestHeld >= this.capacity) this.grow(this.highestHeld - this.lowestHeld + 1);
    const slot = this.slotOf(step);
    this.slotSteps[slot] = step;
    this.slotImputed[slot] = imputed ? 1 : 0;
    for (let i = 0; i < this.width; i++) this.slotValues[slot * this.width + i] = values[i]!;
  }

  /** Whether the row at `step` holds exactly these values (as float32) and flag. */
  equals(step: number, values: ArrayLike<number>, imputed: boolean): boolean {
    const slot = this.slotOf(step);
    if (this.slotSteps[slot] !== step || this.slotImputed[slot] !== (imputed ? 1 : 0)) return false;
    for (let i = 0; i < this.width; i++) {
      if (!Object.is(this.slotValues[slot * this.width + i], Math.fround(values[i]!))) return false;
    }
    return true;
  }

  /** Forgets every row below `step` and returns their steps. */
  dropBelow(step: number): number[] {
    const dropped: number[] = [];
    if (step <= this.lowStep) return dropped;
    this.lowestHeld = Number.POSITIVE_INFINITY;
    this.highestHeld = Number.NEGATIVE_INFINITY;
    for (let slot = 0; slot < this.capacity; slot++) {
      const held = this.slotSteps[slot]!;
      if (held < step) {
        dropped.push(held);
        this.slotSteps[slot] = Number.NaN;
      } else if (!Number.isNaN(held)) {
        this.lowestHeld = Math.min(this.lowestHeld, held);
        this.highestHeld = Math.max(this.highestHeld, held);
      }
    }
    this.lowStep = step;
    return dropped.sort((a, b) => a - b);
  }

  /** Copies the row at `step` into `out` from `offset` and returns its mask byte: 0 observed, 1 imputed, 2 missing (NaN values). */
  copyRow(step: number, out: Float32Array, offset: number): number {
    const slot = this.slotOf(step);
    if (this.slotSteps[slot] !== step) {
      out.fill(Number.NaN, offset, offset + this.width);
      return 2;
    }
    out.set(this.slotValues.subarray(slot * this.width, (slot + 1) * this.width), offset);
    return this.slotImputed[slot]!;
  }

  /** The row at `step` as [imputed, values], for the changelog. */
  row(step: number): { imputed: boolean; values: Float32Array } | null {
    const slot = this.slotOf(step);
    if (this.slotSteps[slot] !== step) return null;
    return { imputed: this.slotImputed[slot] === 1, values: this.slotValues.slice(slot * this.width, (slot + 1) * this.width) };
  }

  private slotOf(step: number): number {
    return ((step % this.capacity) + this.capacity) % this.capacity;
  }

  /** To twice the capacity, within `maxSteps` unless `span` needs more. */
  private grow(span: number): void {
    const old = { steps: this.slotSteps, imputed: this.slotImputed, values: this.slotValues, capacity: this.capacity };
    let capacity = this.capacity;
    while (capacity < span) capacity *= 2;
    this.capacity = Math.max(span, Math.min(capacity, this.maxSteps));
    this.slotSteps = new Float64Array(this.capacity).fill(Number.NaN);
    this.slotImputed = new Uint8Array(this.capacity);
    this.slotValues = new Float32Array(this.capacity * this.width);
    for (let slot = 0; slot < old.capacity; slot++) {
      const step = old.steps[slot]!;
      if (Number.isNaN(step)) continue;
      const to = this.slotOf(step);
      this.slotSteps[to] = step;
      this.slotImputed[to] = old.imputed[slot]!;
      this.slotValues.set(old.values.subarray(slot * this.width, (slot + 1) * this.width), to * this.width);
    }
  }
}
