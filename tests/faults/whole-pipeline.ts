// The whole pipeline on the real stack for fault tests: every service as its own process on
// topics of its own, fed a seeded simulation while faults happen, then held to an uninterrupted
// run: <p>.valid and the dead letters to a golden ingest → validate run of the same input, clean,
// feature, window, quality and both stores to the batch references computed from <p>.valid.
import { expect } from 'vitest';
import { featureReference } from '@gridstream/feature/reference';
import { windowReference } from '@gridstream/window/reference';
import type { CleanMeasurement, FeatureVector, Gap, Measurement, Stage } from '@gridstream/schemas';
import { simulate, type SimulationConfig } from '@gridstream/simulator';
import { freePort, waitUntil, type ServiceProcess, type StackEnv } from '@gridstream/test-kit';
import { countsFromTopics, expectInfluxSeries, expectOnlineStore, lastRevisions, latestReports } from './pipeline-checks.js';
import { cleanConfig, cleanSettings, PipelineFixture } from './pipeline-fixture.js';

/** Longer than a restart takes (a killed member holds its partitions until its 6 s session ends), so no idle close comes early. */
export const IDLE_MS = 25_000;
/** Feature waits twice as long for a quiet station as clean waits before its idle close, as docs/feature.md advises:
 * with equal waits, the last hour's load could join the hour before's weather. */
export const WEATHER_IDLE_MS = 2 * IDLE_MS;
export const stageSettings: Record<Stage, Record<string, string>> = {
  ingest: { INGEST_TOKEN: 'fault-test-token-0123' },
  validate: { GRIDSTREAM_MAX_BATCH_BYTES: '16384' },
  clean: { ...cleanSettings, CLEAN_IDLE_MS: String(IDLE_MS), GRIDSTREAM_MAX_BATCH_BYTES: '8192' },
  feature: { FEATURE_WEATHER_IDLE_MS: String(WEATHER_IDLE_MS), GRIDSTREAM_MAX_BATCH_BYTES: '16384' },
  window: { WINDOW_SEQ_LEN: '24', WINDOW_STRIDE: '6', GRIDSTREAM_MAX_BATCH_BYTES: '16384' },
  quality: { GRIDSTREAM_MAX_BATCH_BYTES: '4096' },
  'redis-sink': { GRIDSTREAM_MAX_BATCH_BYTES: '8192' },
  'influx-sink': { GRIDSTREAM_MAX_BATCH_BYTES: '16384' },
};
export const stages = Object.keys(stageSettings) as Stage[];

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** A stage's current instance, restarted on demand, with how long each restart took to be ready again. */
export class Supervised {
  current!: ServiceProcess;
  port = 0;
  readonly recoveryMs: number[] = [];
  constructor(
    private readonly pipeline: PipelineFixture,
    readonly stage: Stage,
    private readonly settings: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    this.port = await freePort();
    const extra = this.stage === 'ingest' ? { INGEST_HTTP_PORT: String(await freePort()) } : {};
    this.current = this.pipeline.run(this.stage, { ...this.settings, ...extra, GRIDSTREAM_OPS_PORT: String(this.port) });
  }

  ready = async () => (await fetch(`http://127.0.0.1:${this.port}/readyz`).catch(() => null))?.status === 200;

  /** SIGKILL, start a new instance at once, and time it until it is ready (assigned partitions, state restored). */
  async killAndRestart(): Promise<void> {
    await waitUntil(`${this.stage} to be ready before it is killed`, this.ready, 120_000, 100);
    const killedMs = Date.now();
    this.current.child.kill('SIGKILL');
    expect(await this.current.exited).toBe('SIGKILL');
    await this.start();
    await this.pipeline.withLogsOf([this.stage], waitUntil(`${this.stage} to be ready after a kill`, this.ready, 120_000, 100));
    this.recoveryMs.push(Date.now() - killedMs);
  }
}

export class WholePipeline {
  readonly pipeline: PipelineFixture;
  readonly golden: PipelineFixture;
  services: Supervised[] = [];
  /** The simulation's events as <p>.ingest.json records, in order. */
  records: Array<{ key: string | null; value: string }> = [];
  private goldenRun: Promise<unknown> = Promise.resolve(null);

  constructor(stack: StackEnv, name: string) {
    this.pipeline = new PipelineFixture(stack, name);
    this.golden = new PipelineFixture(stack, `${name}-golden`);
  }

  connect = () => Promise.all([this.pipeline.connect(), this.golden.connect()]);
  close = () => Promise.all([this.pipeline.close(), this.golden.close()]);

  /** Starts the golden run and every service (`settings` added to `stageSettings`), and waits until all are ready. */
  async start(simulation: SimulationConfig, settings: Partial<Record<Stage, Record<string, string>>> = {}): Promise<void> {
    this.records = [...simulate(simulation)].map((e) => ({ key: e.key, value: e.line }));
    // Settled at once, awaited later: a failure meanwhile must not surface as an unhandled rejection.
    this.goldenRun = this.golden.validSimulation(simulation).then(() => null, (error: unknown) => error);
    await this.pipeline.client.ensureTopics([{ topic: this.pipeline.t.ingestJson, partitions: 3 }]);
    this.services = stages.map((stage) => new Supervised(this.pipeline, stage, { ...stageSettings[stage], ...settings[stage] }));
    await Promise.all(this.services.map((s) => s.start()));
    await this.pipeline.withLogsOf(stages, Promise.all(this.services.map((s) => waitUntil(`${s.stage} to be ready`, s.ready, 180_000, 250))));
  }

  /** Waits for the golden run to finish (it competes for the CPU while it runs). */
  async goldenFinished(): Promise<void> {
    const failure = await this.goldenRun;
    if (failure) throw failure;
  }

  /** Publishes the input in `parts` parts, `pauseMs` apart; resolves with the error instead of rejecting. */
  feed(parts: number, pauseMs: number): Promise<unknown> {
    const { records } = this;
    return (async () => {
      for (let i = 0; i < parts; i++) {
        await this.pipeline.client.publish([{ topic: this.pipeline.t.ingestJson, records: records.slice(Math.floor((i * records.length) / parts), Math.floor(((i + 1) * records.length) / parts)) }]);
        await sleep(pauseMs);
      }
    })().then(() => null, (error: unknown) => error);
  }

  /** Waits for every stage to finish, prints `title`, the counts per output and `figures`, then holds every output to the uninterrupted run. */
  async expectUninterrupted(title: string, figures: string[]): Promise<void> {
    await this.goldenFinished();
    const { pipeline, golden } = this;
    const { t } = pipeline;
    // Ingest and validate: the same records and dead letters as the golden run.
    const caughtUp = async (stage: Stage, topic: string) => (await pipeline.lag(stage, topic)) === 0;
    await pipeline.withLogsOf(['ingest', 'validate'], waitUntil('ingest and validate to catch up', async () => (await caughtUp('ingest', t.ingestJson)) && (await caughtUp('validate', t.raw)), 180_000, 500));
    const validOf = async (fixture: PipelineFixture) =>
      (await fixture.sorted<Measurement>('valid', (m) => m.ts)).map(({ ingestedAt: _i, batch: _b, ...m }) => JSON.stringify(m)).sort();
    // Ingest's dead letters are the input lines themselves; validate's carry each run's ingest time, so they are told apart by key.
    const deadLettersOf = async (fixture: PipelineFixture) =>
      (await fixture.client.readAll(fixture.t.dlq))
        .map((d) => `${d.headers['__connect.errors.stage']} ${d.headers['gridstream.reason']} ${d.key} ${d.headers['__connect.errors.stage'] === 'ingest' ? d.value?.toString('hex') : ''}`)
        .sort();
    const [valid, goldenValid] = await Promise.all([validOf(pipeline), validOf(golden)]);
    const report: Array<[string, number, number, number, number]> = [['valid', goldenValid.length, valid.length, missingFrom(valid, goldenValid), missingFrom(goldenValid, valid)]];

    // Clean, feature, window and quality against the batch references of <p>.valid as written.
    const reference = await pipeline.cleanReference({ ...cleanConfig, idleMs: IDLE_MS });
    await pipeline.withLogsOf(['clean'], pipeline.waitForClean(reference.clean.length));
    const expectedVectors = featureReference(reference.clean, { ewmaAlpha: 0.1, tepReferenceSteps: 100, weatherMaxStalenessMs: 3 * 3_600_000, weatherIdleMs: WEATHER_IDLE_MS });
    await pipeline.withLogsOf(['feature'], waitUntil('feature to give out every vector', async () => (await caughtUp('feature', t.clean)) && (await pipeline.client.readAll(t.features)).length >= expectedVectors.length, 180_000, 1_000));
    const features = (await pipeline.client.readAll(t.features)).sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    const expectedSequences = windowReference(await Promise.all(features.map(async (r) => (await pipeline.client.decodeAvro('features', r.value!)) as FeatureVector)), { seqLen: 24, stride: 6, graceMs: 3_600_000 });
    const sinkInputs: Array<[Stage, string]> = [
      ['window', t.features],
      ['quality', t.qualityParts],
      ['redis-sink', t.features],
      ['redis-sink', t.sequences],
      ...[t.clean, t.features, t.gaps, t.quality].map((topic): [Stage, string] => ['influx-sink', topic]),
    ];
    await pipeline.withLogsOf(['window', 'quality', 'redis-sink', 'influx-sink'], waitUntil('window, quality and the sinks to catch up', async () => (await Promise.all(sinkInputs.map(([stage, topic]) => caughtUp(stage, topic)))).every(Boolean), 180_000, 500));

    const clean = await pipeline.sorted<CleanMeasurement>('clean', (c) => c.ts);
    const vectors = await pipeline.sorted<FeatureVector>('features', (v) => v.ts);
    const sequences = await lastRevisions(pipeline);
    const keyed = (values: unknown[]) => values.map((v) => JSON.stringify(v)).sort();
    report.push(
      ['clean', reference.clean.length, clean.length, missingFrom(keyed(clean), keyed(reference.clean)), missingFrom(keyed(reference.clean), keyed(clean))],
      ['features', expectedVectors.length, vectors.length, missingFrom(keyed(vectors), keyed(expectedVectors)), missingFrom(keyed(expectedVectors), keyed(vectors))],
      ['sequences', expectedSequences.length, sequences.length, missingFrom(keyed(sequences), keyed(expectedSequences)), missingFrom(keyed(expectedSequences), keyed(sequences))],
    );
    console.log(
      [
        `${title}, ${this.records.length} input events`,
        'output      expected    written  lost  extra',
        ...report.map(([name, expected, written, lost, extra]) => `${name.padEnd(10)} ${String(expected).padStart(9)} ${String(written).padStart(10)} ${String(lost).padStart(5)} ${String(extra).padStart(6)}`),
        ...figures,
      ].join('\n'),
    );

    expect(valid).toEqual(goldenValid);
    expect(await deadLettersOf(pipeline)).toEqual(await deadLettersOf(golden));
    expect(clean).toEqual(reference.clean);
    expect(await pipeline.sorted<Gap>('gaps', (g) => g.start)).toEqual(reference.gaps);
    expect(vectors).toEqual(expectedVectors);
    expect(sequences).toEqual(expectedSequences);
    const reports = await latestReports(pipeline);
    for (const [key, counts] of Object.entries(await countsFromTopics(pipeline))) expect(reports[key], key).toMatchObject(counts);
    await expectOnlineStore(pipeline, expectedVectors, expectedSequences);
    await expectInfluxSeries(pipeline, expectedVectors, reference.clean);
  }
}

/** How many of `expected` (a sorted multiset) `actual` lacks. */
function missingFrom(actual: string[], expected: string[]): number {
  const counts = new Map<string, number>();
  for (const value of actual) counts.set(value, (counts.get(value) ?? 0) + 1);
  let missing = 0;
  for (const value of expected) {
    const n = counts.get(value) ?? 0;
    if (n === 0) missing += 1;
    else counts.set(value, n - 1);
  }
  return missing;
}
