// Run from the repository root: node --import tsx bench/outlier-quality.ts [--start 2026-07-01]
// Precision and recall of clean's outlier detector (docs/clean.md, item 7) against the outliers the simulator
// injects. Simulated lines go through validate's transform and clean's batch reference: no servers.
import { parseArgs } from 'node:util';
import { testContext } from '@gridstream/runtime';
import type { CleanMeasurement, Measurement } from '@gridstream/schemas';
// Relative imports: bench/package.json does not depend on these workspace packages.
import { defaultSimulationConfig, simulate } from '../packages/simulator/src/index.js';
import { contracts, variableContract } from '../packages/sources/src/contracts.js';
import { CleanConfig } from '../services/clean/src/config.js';
import { cleanReference } from '../services/clean/src/reference/clean-reference.js';
import { validate } from '../services/validate/src/transform.js';

const DAY_MS = 86_400_000;
const PARTITIONS = 3;
const THRESHOLDS = [3, 4, 5];
/** CleanConfig's defaults; only the threshold varies. */
const defaultConfig: CleanConfig = CleanConfig.parse({});

/** One injected outlier: the variable of an entity's step, however many times its line was sent. */
interface Injected {
  source: string;
  entity: string;
  stepTs: number;
  variable: string;
  eventIds: string[];
  /** Validate's dead-letter message, when it rejected the line. */
  rejectedBy?: string;
}

const { values: args } = parseArgs({ options: { start: { type: 'string', default: '2026-01-01' } } });
const startTs = Date.parse(`${args.start}T00:00:00Z`);
if (!Number.isFinite(startTs)) {
  console.error(`--start: expected a date, got "${args.start}"; e.g. --start 2026-07-01`);
  process.exit(2);
}

const simulation = defaultSimulationConfig({
  startTs,
  durationMs: 7 * DAY_MS,
  meters: 50,
  regions: 4,
  weatherStations: 4,
  tepUnits: 1,
  faults: { outlierShare: 0.01 },
});

// Validate's own settings, at a clock far ahead: only its contract checks reject anything here.
const validateContext = testContext({ maxFutureSkewMs: 5 * 60_000 }, { nowMs: Date.UTC(2100, 0, 1) });
const injected = new Map<string, Injected>();
const partitions: Measurement[][] = Array.from({ length: PARTITIONS }, () => []);
let sentEvents = 0;
let skippedEvents = 0;
let rejectedEvents = 0;
for (const event of simulate(simulation)) {
  sentEvents++;
  const { truth } = event;
  // Ingest stops these before clean: they never reach it.
  if (truth.kinds.includes('malformed') || truth.kinds.includes('future_ts')) {
    skippedEvents++;
    continue;
  }
  const parsed = JSON.parse(event.line) as Omit<Measurement, 'eventId' | 'ingestedAt' | 'batch'>;
  const m: Measurement = { ...parsed, units: parsed.units ?? {}, eventId: String(event.sendOrder), ingestedAt: 0, batch: null };
  let outlier: Injected | undefined;
  if (truth.kinds.includes('outlier')) {
    if (truth.variable === undefined) throw new Error(`event ${event.sendOrder}: an outlier without its variable`);
    const stepTs = stepOf(m.source, truth.ts);
    const key = flagKey(truth.entity, stepTs, truth.variable);
    outlier = injected.get(key) ?? { source: m.source, entity: truth.entity, stepTs, variable: truth.variable, eventIds: [] };
    outlier.eventIds.push(m.eventId);
    injected.set(key, outlier);
  }
  const [output] = validate(m, undefined, validateContext);
  if (output!.kind === 'dead-letter') {
    rejectedEvents++;
    if (outlier) outlier.rejectedBy = output!.message;
    continue;
  }
  partitions[partitionOf(m.entity)]!.push(m);
}

const sources = Object.keys(contracts);
const tep = simulation.tepFault;
console.log('# Outlier detection against the simulator\'s ground truth\n');
console.log(
  `Simulation: seed ${simulation.seed}, 7 days from ${args.start}, ${simulation.meters} meters, ${simulation.regions} EIA regions, ` +
    `${simulation.weatherStations} weather stations, ${simulation.tepUnits} TEP unit${tep ? ` (IDV(${tep.fault}) from step ${tep.fromStep})` : ''}, ` +
    `outlierShare ${simulation.faults.outlierShare}, other faults at their defaults. ${sentEvents} lines sent: ${skippedEvents} malformed or ` +
    `far-future ones skipped, ${rejectedEvents} rejected by validate, the rest in ${PARTITIONS} partitions by entity into clean's batch reference ` +
    `(window ${defaultConfig.hampelWindowSteps} steps, at least ${defaultConfig.hampelMinSteps}).\n`,
);
console.log('An outlier is an (entity, step, variable). Recall counts every injected one; "recall in clean" only those that reached clean.\n');

const runs = THRESHOLDS.map((hampelThreshold) => scoreThreshold({ ...defaultConfig, hampelThreshold }));
console.log('| threshold | flagged | true positives | precision | recall | recall in clean |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
for (const { config, overall } of runs) {
  console.log(`| ${config.hampelThreshold} | ${overall.flagged} | ${overall.truePositives} | ${share(overall.truePositives, overall.flagged)} | ${share(overall.truePositives, overall.injected)} | ${share(overall.truePositives, overall.reached)} |`);
}

for (const { config, bySource, overall, missed, falsePositives } of runs) {
  const isDefault = config.hampelThreshold === defaultConfig.hampelThreshold;
  console.log(`\n## hampelThreshold ${config.hampelThreshold}${isDefault ? ' (default)' : ''}\n`);
  console.log('| source | injected | reached clean | flagged | true positives | precision | recall | recall in clean |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [source, c] of [...bySource, ['all', overall] as const]) {
    console.log(
      `| ${source} | ${c.injected} | ${c.reached} | ${c.flagged} | ${c.truePositives} | ${share(c.truePositives, c.flagged)} | ${share(c.truePositives, c.injected)} | ${share(c.truePositives, c.reached)} |`,
    );
  }
  const reasons = countBy(missed, (miss) => miss.reason);
  console.log(`\nMissed: ${missed.length}${reasons.size > 0 ? ` (${[...reasons].map(([reason, n]) => `${n} ${reason}`).join(', ')})` : ''}.`);
  const fpByVariable = [...countBy(falsePositives, (f) => `${f.source} ${f.variable}`)].sort((a, b) => b[1] - a[1]);
  console.log(`False positives by variable: ${fpByVariable.length === 0 ? 'none' : fpByVariable.map(([variable, n]) => `${variable} ${n}`).join(', ')}.`);
  if (!isDefault) continue;
  console.log('\n| missed outlier | step (UTC) | variable | why |');
  console.log('| --- | --- | --- | --- |');
  for (const miss of missed) console.log(`| ${miss.outlier.entity} | ${new Date(miss.outlier.stepTs).toISOString()} | ${miss.outlier.variable} | ${miss.detail} |`);
}

interface Counts {
  injected: number;
  reached: number;
  flagged: number;
  truePositives: number;
}

/** Runs clean's reference at one setting and compares what it flags with what was injected. */
function scoreThreshold(config: CleanConfig) {
  const reference = cleanReference(partitions, config);
  const lateEventIds = new Set(reference.late.map((l) => l.measurement.eventId));
  const flagged = new Map<string, { source: string; variable: string }>();
  const presentSteps = new Map<string, CleanMeasurement[]>(); // per entity, in ts order: the detector's window
  for (const c of reference.clean) {
    for (const variable of c.outliers) flagged.set(flagKey(c.entity, c.ts, variable), { source: c.source, variable });
    if (c.resampledFrom === 0) continue;
    const steps = presentSteps.get(c.entity);
    if (steps) steps.push(c);
    else presentSteps.set(c.entity, [c]);
  }

  const counts = new Map<string, Counts>(sources.map((source) => [source, { injected: 0, reached: 0, flagged: 0, truePositives: 0 }]));
  for (const { source } of flagged.values()) counts.get(source)!.flagged++;
  const missed: Array<{ outlier: Injected; reason: string; detail: string }> = [];
  for (const [key, outlier] of injected) {
    const c = counts.get(outlier.source)!;
    c.injected++;
    if (outlier.rejectedBy !== undefined) {
      missed.push({ outlier, reason: 'rejected by validate', detail: `rejected by validate: ${outlier.rejectedBy}` });
      continue;
    }
    if (outlier.eventIds.every((id) => lateEventIds.has(id))) {
      missed.push({ outlier, reason: 'late', detail: 'late: clean dead-lettered it' });
      continue;
    }
    c.reached++;
    const found = flagged.has(key);
    if (found) c.truePositives++;
    if (found) continue;
    // The rate-of-change limit only adds flags, so a miss must be a miss of the Hampel test too.
    const diagnosis = diagnose(outlier, presentSteps.get(outlier.entity) ?? [], config);
    if (diagnosis.flagged) throw new Error(`${key}: the reference did not flag it, item 7 of docs/clean.md says it should`);
    missed.push({ outlier, reason: diagnosis.reason, detail: diagnosis.detail });
  }
  const falsePositives = [...flagged].filter(([key]) => !injected.has(key)).map(([, f]) => f);
  const overall = [...counts.values()].reduce((sum, c) => ({
    injected: sum.injected + c.injected,
    reached: sum.reached + c.reached,
    flagged: sum.flagged + c.flagged,
    truePositives: sum.truePositives + c.truePositives,
  }));
  return { config, bySource: counts, overall, missed, falsePositives };
}

/** Why the detector did or did not flag an outlier that reached clean: docs/clean.md item 7 recomputed from the reference's present steps. */
function diagnose(outlier: Injected, steps: CleanMeasurement[], config: CleanConfig): { flagged: boolean; reason: string; detail: string } {
  const at = steps.findIndex((s) => s.ts === outlier.stepTs);
  const value = steps[at]?.values[outlier.variable];
  if (value === undefined) throw new Error(`${outlier.entity} ${outlier.variable} at ${outlier.stepTs}: not among clean's present steps`);
  const history = steps.slice(Math.max(0, at - config.hampelWindowSteps), at).flatMap((s) => s.values[outlier.variable] ?? []);
  if (history.length < config.hampelMinSteps) {
    return { flagged: false, reason: 'too little history', detail: `too little history: ${history.length} earlier step${history.length === 1 ? '' : 's'}, fewer than ${config.hampelMinSteps}` };
  }
  const center = median(history);
  const mad = median(history.map((v) => Math.abs(v - center)));
  const noiseFloor = variableContract(contracts[outlier.source]!, outlier.variable)!.noiseFloor ?? 0;
  const scale = Math.max(1.4826 * mad, noiseFloor, 0.05 * Math.abs(center));
  const scales = Math.abs(value - center) / scale;
  return { flagged: scales > config.hampelThreshold, reason: 'within the threshold', detail: `${value} is ${scales.toFixed(1)} scales from the median ${center}` };
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function stepOf(source: string, ts: number): number {
  const { cadenceMs } = contracts[source]!;
  return Math.floor(ts / cadenceMs) * cadenceMs;
}

function flagKey(entity: string, stepTs: number, variable: string): string {
  return `${entity}|${stepTs}|${variable}`;
}

/** A stable hash of the entity, as a key-partitioned topic would place it. */
function partitionOf(entity: string): number {
  return [...entity].reduce((hash, c) => (hash * 31 + c.charCodeAt(0)) % PARTITIONS, 0);
}

function countBy<T>(items: T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
}

function share(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)} %`;
}
