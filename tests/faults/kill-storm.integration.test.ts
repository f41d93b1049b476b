// Every service of the pipeline runs at once while input arrives, and each is killed with
// SIGKILL at random moments GRIDSTREAM_FAULT_KILLS times (5; `scripts/faults --long` makes it 20)
// and started again at once. Afterwards every output equals an uninterrupted run:
// <p>.valid and the dead letters equal a golden ingest → validate run of the same input, and
// clean, feature, window, quality and both stores equal the batch references computed from it.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { featureReference } from '@gridstream/feature/reference';
import { windowReference } from '@gridstream/window/reference';
import type { CleanMeasurement, FeatureVector, Gap, Measurement, Stage } from '@gridstream/schemas';
import { simulate } from '@gridstream/simulator';
import { freePort, seededRandom, waitUntil, type ServiceProcess } from '@gridstream/test-kit';
import { countsFromTopics, expectInfluxSeries, expectOnlineStore, lastRevisions, latestReports } from './pipeline-checks.js';
import { cleanConfig, cleanSettings, faultTestSimulation, PipelineFixture } from './pipeline-fixture.js';

const KILLS = Number(process.env.GRIDSTREAM_FAULT_KILLS ?? 5);
/** Longer than a restart takes (a killed member holds its partitions until its 6 s session ends), so no idle close comes early. */
const IDLE_MS = 25_000;
const stageSettings: Record<Stage, Record<string, string>> = {
  ingest: { INGEST_TOKEN: 'fault-test-token-0123' },
  validate: { GRIDSTREAM_MAX_BATCH_BYTES: '16384' },
  clean: { ...cleanSettings, CLEAN_IDLE_MS: String(IDLE_MS), GRIDSTREAM_MAX_BATCH_BYTES: '8192' },
  feature: { FEATURE_WEATHER_IDLE_MS: String(IDLE_MS), GRIDSTREAM_MAX_BATCH_BYTES: '16384' },
  window: { WINDOW_SEQ_LEN: '24', WINDOW_STRIDE: '6', GRIDSTREAM_MAX_BATCH_BYTES: '16384' },
  quality: { GRIDSTREAM_MAX_BATCH_BYTES: '4096' },
  'redis-sink': { GRIDSTREAM_MAX_BATCH_BYTES: '8192' },
  'influx-sink': { GRIDSTREAM_MAX_BATCH_BYTES: '16384' },
};
const stages = Object.keys(stageSettings) as Stage[];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** A stage's current instance, restarted on demand, with how long each restart took to be ready again. */
class Supervised {
  current!: ServiceProcess;
  port = 0;
  readonly recoveryMs: number[] = [];
  constructor(
    private readonly pipeline: PipelineFixture,
    readonly stage: Stage,
  ) {}

  async start(): Promise<void> {
    this.port = await freePort();
    const extra = this.stage === 'ingest' ? { INGEST_HTTP_PORT: String(await freePort()) } : {};
    this.current = this.pipeline.run(this.stage, { ...stageSettings[this.stage], ...extra, GRIDSTREAM_OPS_PORT: String(this.port) });
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

describe(`the whole pipeline, every service killed ${KILLS} times at random moments while data flows`, () => {
  const stack = inject('stack');
  const pipeline = new PipelineFixture(stack, 'kill-storm');
  const golden = new PipelineFixture(stack, 'kill-storm-golden');
  const { t } = pipeline;

  beforeAll(() => Promise.all([pipeline.connect(), golden.connect()]));
  afterAll(() => Promise.all([pipeline.close(), golden.close()]));

  it('loses nothing, doubles nothing, and equals an uninterrupted run', { timeout: 900_000 }, async () => {
    const simulation = faultTestSimulation({ durationMs: 2 * 86_400_000 });
    const records = [...simulate(simulation)].map((e) => ({ key: e.key, value: e.line }));
    // Settled at once, awaited later: a failure meanwhile must not surface as an unhandled rejection.
    const goldenRun = golden.validSimulation(simulation).then(() => null, (error: unknown) => error);

    await pipeline.client.ensureTopics([{ topic: t.ingestJson, partitions: 3 }]);
    const services = stages.map((stage) => new Supervised(pipeline, stage));
    await Promise.all(services.map((s) => s.start()));
    await pipeline.withLogsOf(stages, Promise.all(services.map((s) => waitUntil(`${s.stage} to be ready`, s.ready, 180_000, 250))));

    // The input arrives in 40 parts over about a minute while the kills go on.
    const feeding = (async () => {
      const parts = 40;
      for (let i = 0; i < parts; i++) {
        await pipeline.client.publish([{ topic: t.ingestJson, records: records.slice(Math.floor((i * records.length) / parts), Math.floor(((i + 1) * records.length) / parts)) }]);
        await sleep(1_500);
      }
    })().then(() => null, (error: unknown) => error);
    const startedMs = Date.now();
    const seed = Number(process.env.GRIDSTREAM_FAULT_SEED ?? Date.now() % 1_000_000);
    const random = seededRandom(seed);
    console.log(`kill storm: seed ${seed} (GRIDSTREAM_FAULT_SEED=${seed} repeats the kill order and pauses)`);
    for (let round = 0; round < KILLS; round++) {
      const order = services.map((service) => ({ service, key: random.next() })).sort((a, b) => a.key - b.key);
      const pauses = order.map((_, i) => i * 400 + random.next() * 1_500);
      await Promise.all(order.map(async ({ service }, i) => (await sleep(pauses[i]!), service.killAndRestart())));
    }
    const fed = await feeding;
    if (fed) throw fed;
    const killPhaseS = (Date.now() - startedMs) / 1000;

    // Ingest and validate: the same records and dead letters as the golden run.
    const goldenFailure = await goldenRun;
    if (goldenFailure) throw goldenFailure;
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
    const expectedVectors = featureReference(reference.clean, { ewmaAlpha: 0.1, tepReferenceSteps: 100, weatherMaxStalenessMs: 3 * 3_600_000, weatherIdleMs: IDLE_MS });
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
        `kill storm: ${KILLS} kills of each of ${stages.length} services in ${killPhaseS.toFixed(0)} s, ${records.length} input events`,
        'output      expected    written  lost  extra',
        ...report.map(([name, expected, written, lost, extra]) => `${name.padEnd(10)} ${String(expected).padStart(9)} ${String(written).padStart(10)} ${String(lost).padStart(5)} ${String(extra).padStart(6)}`),
        'service      kills  recovery median  max  (SIGKILL to ready again)',
        ...services.map((s) => `${s.stage.padEnd(12)} ${String(s.recoveryMs.length).padStart(5)} ${`${(median(s.recoveryMs) / 1000).toFixed(1)} s`.padStart(16)} ${`${(Math.max(...s.recoveryMs) / 1000).toFixed(1)} s`.padStart(6)}`),
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
  });
});

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
