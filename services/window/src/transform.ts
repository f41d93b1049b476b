import { deadLetter, dropped, emit, type Output, type Transform } from '@gridstream/runtime';
import type { FeatureVector, Sequence } from '@gridstream/schemas';
import { contracts } from '@gridstream/sources';
import type { WindowConfig } from './config.js';
import { StepRing } from './step-ring.js';
import { markHeaderChanged, markRowChanged, type WindowState } from './window-state.js';

/**
 * Adds a feature vector to its entity's rows and gives out every sequence the entity's data has
 * now reached the end of (docs/window.md). The entity's own newest ts is the watermark: feature
 * writes each entity in ts order, but not the entities of a partition in step with each other.
 */
export const sequences: Transform<FeatureVector, WindowState, WindowConfig, Sequence> = (vector, state, ctx) => {
  const contract = contracts[vector.featureSet.name];
  if (!contract) return [deadLetter('unknown_source', `no source "${vector.featureSet.name}" for feature set ${vector.featureSet.name} v${vector.featureSet.version}`, 'featureSet.name')];
  if (vector.values.length !== vector.names.length) {
    return [deadLetter('wrong_type', `${vector.values.length} values for ${vector.names.length} names`, 'values')];
  }
  const { seqLen, graceMs } = ctx.config;
  const cadenceMs = contract.cadenceMs;
  if (vector.ts % cadenceMs !== 0) return [deadLetter('out_of_range', `ts ${new Date(vector.ts).toISOString()} is not on the ${cadenceMs} ms cadence`, 'ts')];
  if (!sameLayout(state, vector, cadenceMs)) restart(state, vector, cadenceMs, ctx.config);
  const step = vector.ts / cadenceMs;

  if (state.maxTs !== null && vector.ts <= state.maxTs) {
    const behindMs = state.maxTs - vector.ts;
    if (behindMs > graceMs) return [deadLetter('late', `ts ${new Date(vector.ts).toISOString()} is ${behindMs} ms behind the entity's newest vector`, 'ts', { 'gridstream.late.by.ms': String(behindMs - graceMs) })];
    if (state.rows.equals(step, vector.values, vector.imputed)) return [dropped('duplicate', vector.featureSet.name)];
    state.rows.set(step, vector.values, vector.imputed);
    markRowChanged(state, step);
    return revise(vector.entity, state, vector.ts, ctx.config);
  }

  // Sequences ending at or before this vector do not contain it: give them out first, then drop what no sequence needs.
  const outputs = giveOut(vector.entity, state, vector.ts, ctx.config);
  state.maxTs = vector.ts;
  state.nextEnd ??= firstEnd(vector.ts, cadenceMs, ctx.config);
  const keepFrom = Math.min(state.nextEnd - seqLen * cadenceMs, state.maxTs - graceMs - seqLen * cadenceMs) / cadenceMs;
  for (const droppedStep of state.rows.dropBelow(Math.ceil(keepFrom))) markRowChanged(state, droppedStep);
  state.rows.set(step, vector.values, vector.imputed);
  markRowChanged(state, step);
  outputs.push(...giveOut(vector.entity, state, vector.ts + cadenceMs, ctx.config));
  state.emitted = state.emitted.filter(([end]) => end > state.maxTs! - graceMs); // no correction can reach them any more
  markHeaderChanged(state);
  return outputs;
};

function sameLayout(state: WindowState, vector: FeatureVector, cadenceMs: number): boolean {
  const set = state.featureSet;
  return (
    set !== null &&
    set.name === vector.featureSet.name &&
    set.version === vector.featureSet.version &&
    state.cadenceMs === cadenceMs &&
    state.names.length === vector.names.length &&
    state.names.every((name, i) => name === vector.names[i])
  );
}

/** A new feature set (or layout) starts the entity's sequences over: the old rows do not fit the new columns. */
function restart(state: WindowState, vector: FeatureVector, cadenceMs: number, config: WindowConfig): void {
  for (const step of state.rows.dropBelow(Number.POSITIVE_INFINITY)) markRowChanged(state, step);
  // Rows from the start of the next sequence, or from the grace back, to the newest: see keepFrom below.
  const maxSteps = config.seqLen + config.stride + Math.ceil(config.graceMs / cadenceMs) + 1;
  const rows = new StepRing(vector.names.length, maxSteps);
  Object.assign(state, { featureSet: vector.featureSet, names: [...vector.names], cadenceMs, maxTs: null, nextEnd: null, emitted: [], rows, maxSteps });
  markHeaderChanged(state);
}

/** The first end whose sequence starts at or after the entity's first step: ends are multiples of stride × cadence since the epoch. */
function firstEnd(firstTs: number, cadenceMs: number, config: WindowConfig): number {
  const strideMs = config.stride * cadenceMs;
  return Math.ceil((firstTs + config.seqLen * cadenceMs) / strideMs) * strideMs;
}

/** Every sequence ending at or before `upTo` not given out yet, skipping those without a row. */
function giveOut(entity: string, state: WindowState, upTo: number, config: WindowConfig): Output<Sequence>[] {
  const outputs: Output<Sequence>[] = [];
  if (state.nextEnd === null) return outputs;
  while (state.nextEnd <= upTo) {
    const sequence = sequenceEnding(entity, state, state.nextEnd, 0, config);
    if (sequence) {
      outputs.push(emit(entity, sequence));
      state.emitted.push([state.nextEnd, 0]);
    }
    state.nextEnd += config.stride * state.cadenceMs;
  }
  return outputs;
}

/** Gives out again, one revision up, every sequence given out that contains `ts`. */
function revise(entity: string, state: WindowState, ts: number, config: WindowConfig): Output<Sequence>[] {
  const outputs: Output<Sequence>[] = [];
  for (const entry of state.emitted) {
    const [end, revision] = entry;
    if (ts < end - config.seqLen * state.cadenceMs || ts >= end) continue;
    entry[1] = revision + 1;
    outputs.push(emit(entity, sequenceEnding(entity, state, end, entry[1], config)!));
  }
  if (outputs.length > 0) markHeaderChanged(state);
  return outputs;
}

/** The sequence of the `seqLen` steps before `end`, or null when none of them has a row. */
function sequenceEnding(entity: string, state: WindowState, end: number, revision: number, config: WindowConfig): Sequence | null {
  const { seqLen } = config;
  const width = state.names.length;
  const firstStep = end / state.cadenceMs - seqLen;
  // Checked before anything is allocated: after a long silence, many ends have no row at all.
  let hasRow = false;
  for (let i = 0; i < seqLen && !hasRow; i++) hasRow = state.rows.has(firstStep + i);
  if (!hasRow) return null;
  const values = new Float32Array(seqLen * width);
  const mask = Buffer.alloc(seqLen);
  for (let i = 0; i < seqLen; i++) mask[i] = state.rows.copyRow(firstStep + i, values, i * width);
  return {
    entity,
    featureSet: state.featureSet!,
    start: end - seqLen * state.cadenceMs,
    end,
    stepMs: state.cadenceMs,
    seqLen,
    names: state.names,
    values: littleEndian(values),
    mask,
    revision,
  };
}

/** float32 little-endian bytes whatever the machine's byte order. */
function littleEndian(values: Float32Array): Buffer {
  const bytes = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeFloatLE(values[i]!, i * 4);
  return bytes;
}
