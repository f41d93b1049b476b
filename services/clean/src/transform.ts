import { createHash } from 'node:crypto';
import { deadLetter, dropped, emit, emitTo, quality, type EventTime, type Output, type Transform } from '@gridstream/runtime';
import type { CleanMeasurement, Gap, Measurement } from '@gridstream/schemas';
import { aggregationOf, contracts, toCanonical, variableContract, type SourceContract } from '@gridstream/sources';
import type { CleanState, StepRecord } from './clean-state.js';
import type { CleanConfig } from './config.js';

/** Takes a valid measurement into its entity's open step, or drops it as a duplicate, or dead-letters it as late (docs/clean.md 1-5). */
export const clean: Transform<Measurement, CleanState, CleanConfig, CleanMeasurement> = (m, state, ctx) => {
  const contract = contractOf(m.source);
  const cadenceMs = contract.cadenceMs;
  state.source = m.source;
  const watermark = ctx.watermark;
  const repeatHorizon = watermark - ctx.config.graceMs - 2 * cadenceMs;
  // Most records find nothing to forget: no new array for them.
  if (state.seen.some((ts) => ts < repeatHorizon)) state.seen = state.seen.filter((ts) => ts >= repeatHorizon);
  if (m.ts >= repeatHorizon && state.seen.includes(m.ts)) {
    ctx.log.debug({ entity: m.entity, ts: m.ts, offset: ctx.offset }, 'duplicate dropped');
    return [dropped('duplicate', m.source), quality(m.source, 'duplicate', 1, m.ts)];
  }
  const step = Math.floor(m.ts / cadenceMs) * cadenceMs;
  const lateByMs = watermark - (step + cadenceMs);
  const outputs: Output<CleanMeasurement>[] = [];
  if (lateByMs >= 0) {
    if (ctx.config.latePolicy === 'dlq' || lastClosedStep(state, cadenceMs, watermark) >= step) {
      return [deadLetter('late', `ts ${new Date(m.ts).toISOString()}: its step closed ${lateByMs} ms before it arrived`, 'ts', { 'gridstream.late.by.ms': String(lateByMs) })];
    }
    outputs.push(quality(m.source, 'lateApplied', 1, m.ts));
  }
  state.seen.push(m.ts);
  const record = toStepRecord(m, contract);
  const timeliness = quality(m.source, 'delay_ms', Math.max(0, m.ingestedAt - m.ts), m.ts);
  const open = state.open.find((o) => o.step === step);
  if (open) open.records.push(record);
  else {
    state.open.push({ step, records: [record] });
    state.open.sort((a, b) => a.step - b.step);
  }
  outputs.push(timeliness);
  return outputs;
};

/**
 * The newest step with data the watermark has closed, given out or not yet (docs/clean.md 5): a
 * late record before it would change what the entity already gave out. Counting steps still open
 * but due keeps the answer independent of when the batch ends flush.
 */
function lastClosedStep(state: CleanState, cadenceMs: number, watermark: number): number {
  let last = state.last?.ts ?? Number.NEGATIVE_INFINITY;
  for (const { step } of state.open) if (step + cadenceMs <= watermark && step > last) last = step;
  return last;
}

/** Closes the entity's steps the watermark has passed, oldest first (docs/clean.md 6-10). */
export const cleanEventTime: EventTime<CleanState, CleanConfig, CleanMeasurement> = {
  graceMs: (config) => config.graceMs,
  idleMs: (config) => config.idleMs,
  dueAt: (state) => (state.open.length === 0 ? null : state.open[0]!.step + contractOf(state.source).cadenceMs),
  closedBy: (state) => (state.open.length === 0 ? null : state.open[state.open.length - 1]!.step + contractOf(state.source).cadenceMs),
  flush(state, watermark, ctx) {
    const contract = contractOf(state.source);
    const outputs: Output<CleanMeasurement>[] = [];
    while (state.open.length > 0 && state.open[0]!.step + contract.cadenceMs <= watermark) {
      const { step, records } = state.open.shift()!;
      outputs.push(...closeStep(state, ctx.key ?? '', contract, step, records, ctx.config, ctx.qualityWindowMs));
    }
    return outputs;
  },
};

function closeStep(
  state: CleanState,
  entity: string,
  contract: SourceContract,
  step: number,
  records: StepRecord[],
  config: CleanConfig,
  qualityWindowMs: number,
): Output<CleanMeasurement>[] {
  const { source } = state;
  const present = resample(entity, source, contract, step, records);
  const raw = { ...present.values };
  flagOutliers(present, state, contract, config);
  state.history.push(raw);
  if (state.history.length > config.hampelWindowSteps) state.history.shift();

  const outputs: Output<CleanMeasurement>[] = [];
  const last = state.last;
  if (last && step - last.ts > contract.cadenceMs) {
    const missingSteps = (step - last.ts) / contract.cadenceMs - 1;
    const filled = missingSteps <= config.maxInterpolateSteps;
    const gap: Gap = { source, entity, start: last.ts + contract.cadenceMs, end: step, stepMs: contract.cadenceMs, missingSteps, imputedSteps: filled ? missingSteps : 0 };
    outputs.push(emitTo('gaps', entity, gap));
    // Per step: a long gap's steps may fall into several quality windows.
    for (let k = 1; k <= missingSteps; k++) {
      const missingTs = last.ts + k * contract.cadenceMs;
      outputs.push(quality(source, 'missing', 1, missingTs));
      if (filled) outputs.push(emit(entity, imputedStep(entity, source, contract, last, present, k, missingSteps)), quality(source, 'imputed', 1, missingTs));
    }
  }
  outputs.push(emit(entity, present), quality(source, 'present', 1, step));
  if (present.outliers.length > 0) outputs.push(quality(source, 'outlier', 1, step));
  const window = Math.floor(step / qualityWindowMs) * qualityWindowMs;
  if (state.qualityWindow !== window) {
    state.qualityWindow = window;
    outputs.push(quality(source, 'entity', 1, step));
  }
  state.last = { ts: step, values: present.values, tags: present.tags, outliers: present.outliers };
  return outputs;
}

/** Sums energy and averages the rest over the step's records, added in event-time order. */
function resample(entity: string, source: string, contract: SourceContract, step: number, records: StepRecord[]): CleanMeasurement {
  // Most steps hold one record, whose names toStepRecord already put in order.
  const single = records.length === 1;
  const sorted = single ? records : [...records].sort((a, b) => a.ts - b.ts);
  const newest = sorted[sorted.length - 1]!;
  const names = single ? Object.keys(newest.values) : [...new Set(sorted.flatMap((r) => Object.keys(r.values)))].sort();
  const values: Record<string, number> = {};
  const units: Record<string, string> = {};
  for (const name of names) {
    const variable = variableContract(contract, name)!;
    let sum = 0;
    let count = 0;
    for (const record of sorted) {
      const value = record.values[name];
      if (value === undefined) continue;
      sum += value;
      count += 1;
    }
    values[name] = aggregationOf(variable.quantity) === 'sum' ? sum : sum / count;
    units[name] = variable.unit;
  }
  const convertedFrom = single ? { ...newest.convertedFrom } : sortedKeys(Object.assign({}, ...sorted.map((r) => r.convertedFrom)) as Record<string, string>);
  return {
    source,
    entity,
    ts: step,
    values,
    units,
    tags: newest.tags,
    eventId: newest.eventId,
    ingestedAt: single ? newest.ingestedAt : Math.max(...sorted.map((r) => r.ingestedAt)),
    imputed: [],
    outliers: [],
    convertedFrom,
    resampledFrom: sorted.length,
  };
}

/**
 * Hampel's test against the last present steps, and the contract's limit on the change since the
 * previous present step; flagged values of variables set to be replaced become the median.
 */
function flagOutliers(present: CleanMeasurement, state: CleanState, contract: SourceContract, config: CleanConfig): void {
  const previous = state.history[state.history.length - 1];
  for (const name of Object.keys(present.values)) {
    const variable = variableContract(contract, name)!;
    const value = present.values[name]!;
    const previousValue = previous?.[name];
    // Not after an outlier: coming back from one is as steep as going there.
    const tooSteep =
      variable.maxStepChange !== undefined &&
      previousValue !== undefined &&
      !state.last!.outliers.includes(name) &&
      Math.abs(value - previousValue) > (variable.maxStepChange * (present.ts - state.last!.ts)) / contract.cadenceMs;
    if (scratch.length < state.history.length) scratch = new Float64Array(2 * state.history.length);
    let count = 0;
    for (const step of state.history) {
      const earlier = step[name];
      if (earlier !== undefined) scratch[count++] = earlier;
    }
    const hampelRuns = variable.hampel !== false && count >= config.hampelMinSteps;
    const center = hampelRuns ? medianInPlace(scratch, count) : Number.NaN;
    let farFromMedian = false;
    if (hampelRuns) {
      for (let i = 0; i < count; i++) scratch[i] = Math.abs(scratch[i]! - center);
      const mad = medianInPlace(scratch, count);
      const scale = Math.max(1.4826 * mad, variable.noiseFloor ?? 0, 0.05 * Math.abs(center));
      farFromMedian = Math.abs(value - center) > config.hampelThreshold * scale;
    }
    if (!farFromMedian && !tooSteep) continue;
    present.outliers.push(name);
    if (hampelRuns && config.replaceOutliers.includes(name)) present.values[name] = center;
  }
}

function imputedStep(
  entity: string,
  source: string,
  contract: SourceContract,
  before: NonNullable<CleanState['last']>,
  after: CleanMeasurement,
  k: number,
  missingSteps: number,
): CleanMeasurement {
  const ts = before.ts + k * contract.cadenceMs;
  const names = Object.keys(before.values)
    .filter((name) => after.values[name] !== undefined)
    .sort();
  const values: Record<string, number> = {};
  const units: Record<string, string> = {};
  for (const name of names) {
    const variable = variableContract(contract, name)!;
    const p = before.values[name]!;
    values[name] = variable.interpolation === 'carry-forward' ? p : p + ((after.values[name]! - p) * k) / (missingSteps + 1);
    units[name] = variable.unit;
  }
  return {
    source,
    entity,
    ts,
    values,
    units,
    tags: before.tags,
    eventId: createHash('sha256').update(`${entity}@${ts}`).digest('hex'),
    ingestedAt: after.ingestedAt,
    imputed: names,
    outliers: [],
    convertedFrom: {},
    resampledFrom: 0,
  };
}

function toStepRecord(m: Measurement, contract: SourceContract): StepRecord {
  const values: Record<string, number> = {};
  const convertedFrom: Record<string, string> = {};
  for (const name of Object.keys(m.values).sort()) {
    const variable = variableContract(contract, name)!;
    const unit = m.units[name] ?? '';
    values[name] = toCanonical(variable, m.values[name]!, unit)!;
    if (unit !== variable.unit) convertedFrom[name] = unit;
  }
  return { ts: m.ts, values, convertedFrom, tags: m.tags, eventId: m.eventId, ingestedAt: m.ingestedAt };
}

/** The earlier values of one variable, then their deviations from the median; reused, as clean runs one record at a time. */
let scratch = new Float64Array(64);

/**
 * The median of the first `count` values, which it sorts in place; of an even count, the mean of
 * the two middle values. Insertion sort: a window holds a few dozen values, and sorting a copy with
 * a comparator, twice per variable and step, was clean's hottest function.
 */
function medianInPlace(values: Float64Array, count: number): number {
  for (let i = 1; i < count; i++) {
    const value = values[i]!;
    let j = i - 1;
    for (; j >= 0 && values[j]! > value; j--) values[j + 1] = values[j]!;
    values[j + 1] = value;
  }
  const middle = count >> 1;
  return count % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
}

function sortedKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function contractOf(source: string): SourceContract {
  const contract = contracts[source];
  if (!contract) throw new Error(`no contract for source ${source}; validate lets only known sources through`);
  return contract;
}
