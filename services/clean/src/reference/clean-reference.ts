import { createHash } from 'node:crypto';
import type { CleanMeasurement, Gap, Measurement } from '@gridstream/schemas';
import { aggregationOf, contracts, toCanonical, variableContract, type SourceContract, type VariableContract } from '@gridstream/sources';
import type { CleanConfig } from '../config.js';

/** What the clean stage produces from a whole data set (docs/clean.md). */
export interface CleanReferenceResult {
  clean: CleanMeasurement[];
  gaps: Gap[];
  /** Late records dead-lettered. */
  late: Array<{ measurement: Measurement; lateByMs: number }>;
  /** Late records applied (CLEAN_LATE_POLICY=apply). */
  lateApplied: Measurement[];
}

/**
 * The batch reference of the clean stage: docs/clean.md computed over whole series, to check the streaming service against.
 * `partitions[i]` is partition i of <p>.valid in offset order. Everything received is closed at the end (as an idle partition would be).
 * Outputs are sorted by entity, then ts (gaps by entity, start); late records by entity, then ts, then arrival.
 */
export function cleanReference(partitions: Measurement[][], config: CleanConfig): CleanReferenceResult {
  const { accepted, late, lateApplied } = admit(partitions, config);
  const clean: CleanMeasurement[] = [];
  const gaps: Gap[] = [];
  for (const records of groupByEntity(accepted).values()) {
    const series = cleanSeries(records, config);
    clean.push(...series.clean);
    gaps.push(...series.gaps);
  }
  return {
    clean: clean.sort((a, b) => compareStrings(a.entity, b.entity) || a.ts - b.ts),
    gaps: gaps.sort((a, b) => compareStrings(a.entity, b.entity) || a.start - b.start),
    late: late.sort((a, b) => compareStrings(a.measurement.entity, b.measurement.entity) || a.measurement.ts - b.measurement.ts),
    lateApplied,
  };
}

/**
 * Items 3-5: decides per record, in offset order, whether it is a duplicate, late (dead-lettered or applied) or accepted.
 * Accepted records, applied late ones included, keep arrival order.
 */
function admit(partitions: Measurement[][], config: CleanConfig): Omit<CleanReferenceResult, 'clean' | 'gaps'> & { accepted: Measurement[] } {
  const accepted: Measurement[] = [];
  const late: CleanReferenceResult['late'] = [];
  const lateApplied: Measurement[] = [];
  for (const partition of partitions) {
    let maxTs = Number.NEGATIVE_INFINITY;
    // (entity, ts) of the accepted records; an entity is the partition key, so it lives in one partition.
    const seen = new Set<string>();
    const acceptedSteps = new Map<string, number[]>();
    for (const m of partition) {
      const watermark = maxTs - config.graceMs;
      maxTs = Math.max(maxTs, m.ts);
      const { cadenceMs } = contractOf(m.source);
      const key = `${m.ts}|${m.entity}`;
      if (seen.has(key) && !(watermark - m.ts > config.graceMs + 2 * cadenceMs)) continue;
      const stepEnd = stepOf(m.ts, cadenceMs) + cadenceMs;
      let steps = acceptedSteps.get(m.entity);
      if (!steps) acceptedSteps.set(m.entity, (steps = []));
      if (stepEnd <= watermark) {
        // Applied only if no step with data at or after its own has closed: it then changes nothing given out.
        const closed = steps.filter((step) => step + cadenceMs <= watermark);
        if (config.latePolicy === 'dlq' || closed.some((step) => step >= stepEnd - cadenceMs)) {
          late.push({ measurement: m, lateByMs: watermark - stepEnd });
          continue;
        }
        lateApplied.push(m);
      }
      seen.add(key);
      accepted.push(m);
      steps.push(stepEnd - cadenceMs);
    }
  }
  return { accepted, late, lateApplied };
}

function groupByEntity(records: Measurement[]): Map<string, Measurement[]> {
  const byEntity = new Map<string, Measurement[]>();
  for (const m of records) {
    const series = byEntity.get(m.entity);
    if (series) series.push(m);
    else byEntity.set(m.entity, [m]);
  }
  return byEntity;
}

/** Items 6-10 for one entity: resample all steps, then walk the present steps in ts order for outliers, gaps and interpolation. */
function cleanSeries(records: Measurement[], config: CleanConfig): { clean: CleanMeasurement[]; gaps: Gap[] } {
  const contract = contractOf(records[0]!.source);
  const { cadenceMs } = contract;
  // Array.prototype.sort is stable, so records with equal ts stay in arrival order.
  const sorted = [...records].sort((a, b) => a.ts - b.ts);
  const resampled = bucketBySteps(sorted, cadenceMs).map((step) => resample(step, contract));
  const clean: CleanMeasurement[] = [];
  const gaps: Gap[] = [];
  let previous: CleanMeasurement | undefined;
  resampled.forEach((step, i) => {
    // The window holds resampled values, never replaced ones: `resampled` is not modified.
    const present = flagOutliers(step, resampled.slice(Math.max(0, i - config.hampelWindowSteps), i), previous?.outliers ?? [], contract, config);
    if (previous) {
      const missingSteps = (present.ts - previous.ts) / cadenceMs - 1;
      if (missingSteps >= 1) {
        const fill = missingSteps <= config.maxInterpolateSteps;
        gaps.push({
          source: present.source,
          entity: present.entity,
          start: previous.ts + cadenceMs,
          end: present.ts,
          stepMs: cadenceMs,
          missingSteps,
          imputedSteps: fill ? missingSteps : 0,
        });
        if (fill) clean.push(...interpolate(previous, present, missingSteps, contract));
      }
    }
    clean.push(present);
    previous = present;
  });
  return { clean, gaps };
}

/** Splits ts-sorted records into runs that share a step. */
function bucketBySteps(sorted: Measurement[], cadenceMs: number): Measurement[][] {
  const steps: Measurement[][] = [];
  let currentStep = Number.NaN;
  for (const m of sorted) {
    const step = stepOf(m.ts, cadenceMs);
    if (step === currentStep) steps.at(-1)!.push(m);
    else steps.push([m]);
    currentStep = step;
  }
  return steps;
}

/** Item 6 (with item 1): one step from its ts-sorted records, values in canonical units. */
function resample(records: Measurement[], contract: SourceContract): CleanMeasurement {
  const first = records[0]!;
  const latest = records.at(-1)!;
  const valuesByName = new Map<string, number[]>();
  const convertedFrom: Record<string, string> = {};
  for (const m of records) {
    for (const [name, raw] of Object.entries(m.values)) {
      const variable = variableOf(contract, name);
      const unit = m.units[name] ?? '';
      const value = toCanonical(variable, raw, unit);
      if (value === undefined) throw new Error(`${m.entity} ${name} in "${unit}": validate should have rejected this unit`);
      if (unit !== variable.unit) convertedFrom[name] = unit; // a later record's unit wins
      const present = valuesByName.get(name);
      if (present) present.push(value);
      else valuesByName.set(name, [value]);
    }
  }
  const values: Record<string, number> = {};
  const units: Record<string, string> = {};
  for (const name of [...valuesByName.keys()].sort()) {
    const variable = variableOf(contract, name);
    const present = valuesByName.get(name)!;
    // Added in ts order, starting from the first value (not 0), so both implementations agree to the bit.
    const sum = present.reduce((total, v) => total + v);
    values[name] = aggregationOf(variable.quantity) === 'sum' ? sum : sum / present.length;
    units[name] = variable.unit;
  }
  return {
    source: first.source,
    entity: first.entity,
    ts: stepOf(first.ts, contract.cadenceMs),
    values,
    units,
    tags: latest.tags,
    eventId: latest.eventId,
    ingestedAt: Math.max(...records.map((m) => m.ingestedAt)),
    imputed: [],
    outliers: [],
    convertedFrom: sortedKeys(convertedFrom),
    resampledFrom: records.length,
  };
}

/** Item 7: Hampel filter of each variable against its values in the preceding present steps, and the rate-of-change limit. */
function flagOutliers(step: CleanMeasurement, window: CleanMeasurement[], previousOutliers: string[], contract: SourceContract, config: CleanConfig): CleanMeasurement {
  const values = { ...step.values };
  const outliers: string[] = [];
  for (const [name, value] of Object.entries(step.values)) {
    const variable = variableOf(contract, name);
    // Rate of change against the previous present step, scaled by the steps between them.
    const previous = window[window.length - 1];
    const previousValue = previous?.values[name];
    // Not after an outlier: coming back from one is as steep as going there.
    const tooSteep =
      variable.maxStepChange !== undefined && previous !== undefined && previousValue !== undefined && !previousOutliers.includes(name)
        ? Math.abs(value - previousValue) > (variable.maxStepChange * (step.ts - previous.ts)) / contract.cadenceMs
        : false;
    // The window is the entity's last present steps; a variable missing from some of them has fewer values.
    const history = window.flatMap((s) => s.values[name] ?? []);
    const hampelRuns = variable.hampel !== false && history.length >= config.hampelMinSteps;
    const center = hampelRuns ? median(history) : Number.NaN;
    let farFromMedian = false;
    if (hampelRuns) {
      const mad = median(history.map((v) => Math.abs(v - center)));
      const scale = Math.max(1.4826 * mad, variable.noiseFloor ?? 0, 0.05 * Math.abs(center));
      farFromMedian = Math.abs(value - center) > config.hampelThreshold * scale;
    }
    if (farFromMedian || tooSteep) {
      outliers.push(name);
      if (hampelRuns && config.replaceOutliers.includes(name)) values[name] = center;
    }
  }
  return { ...step, values, outliers: outliers.sort() };
}

/** The median; of an even count, the mean of the two middle values, `(a + b) / 2`. */
function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Item 9: the n missing steps between present steps p and s, from the variables both have (after replacement). */
function interpolate(p: CleanMeasurement, s: CleanMeasurement, n: number, contract: SourceContract): CleanMeasurement[] {
  const shared = Object.keys(p.values)
    .filter((name) => name in s.values)
    .sort();
  const filled: CleanMeasurement[] = [];
  for (let k = 1; k <= n; k++) {
    const ts = p.ts + k * contract.cadenceMs;
    const values: Record<string, number> = {};
    const units: Record<string, string> = {};
    for (const name of shared) {
      const variable = variableOf(contract, name);
      const pv = p.values[name]!;
      const sv = s.values[name]!;
      values[name] = variable.interpolation === 'carry-forward' ? pv : pv + ((sv - pv) * k) / (n + 1);
      units[name] = variable.unit;
    }
    filled.push({
      source: p.source,
      entity: p.entity,
      ts,
      values,
      units,
      tags: p.tags,
      eventId: createHash('sha256').update(`${p.entity}@${ts}`).digest('hex'),
      ingestedAt: s.ingestedAt,
      imputed: [...shared],
      outliers: [],
      convertedFrom: {},
      resampledFrom: 0,
    });
  }
  return filled;
}

function stepOf(ts: number, cadenceMs: number): number {
  return Math.floor(ts / cadenceMs) * cadenceMs;
}

function contractOf(source: string): SourceContract {
  const contract = contracts[source];
  if (!contract) throw new Error(`no contract for source "${source}": validate should have rejected it`);
  return contract;
}

function variableOf(contract: SourceContract, name: string): VariableContract {
  const variable = variableContract(contract, name);
  if (!variable) throw new Error(`no contract for variable "${name}": validate should have rejected it`);
  return variable;
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareStrings(a, b)));
}

/** Code-unit order, as Array.prototype.sort() without a comparator. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
