import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cleanReference } from '@gridstream/clean/reference';
import { featureReference } from '@gridstream/feature/reference';
import { TopicClient, type TopicRecord } from '@gridstream/runtime';
import { topicNames, type CleanMeasurement, type FeatureVector, type Gap, type Measurement } from '@gridstream/schemas';
import { defaultSimulationConfig, simulate } from '@gridstream/simulator';
import { freePort, startService, uniqueName, waitUntil, type ServiceProcess } from '@gridstream/test-kit';

const stack = inject('stack');
const PARTITIONS = 3;
const cleanSettings = {
  CLEAN_GRACE_MS: '3600000',
  CLEAN_MAX_INTERPOLATE_STEPS: '4',
  CLEAN_HAMPEL_WINDOW_STEPS: '24',
  CLEAN_HAMPEL_MIN_STEPS: '8',
  CLEAN_HAMPEL_THRESHOLD: '4',
  CLEAN_REPLACE_OUTLIERS: 'load',
  CLEAN_IDLE_MS: '2000',
};

describe('ingest → validate → clean → feature, with clean and feature killed mid-run', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const prefix = uniqueName('clean-kill');
  const t = topicNames(prefix);
  const env = {
    GRIDSTREAM_TOPIC_PREFIX: prefix,
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    GRIDSTREAM_PARTITIONS: String(PARTITIONS),
    GRIDSTREAM_OPS_PORT: '0',
    GRIDSTREAM_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: 'warn',
  };
  const services: ServiceProcess[] = [];
  const run = (name: string, extra: Record<string, string> = {}) => {
    const service = startService(name, { ...env, ...extra });
    services.push(service);
    return service;
  };
  const lag = (stage: 'ingest' | 'validate' | 'clean' | 'feature', topic: string) => client.groupLag(t.group(stage), topic);
  const decodeAll = async <T>(records: TopicRecord[], topicKey: 'valid' | 'clean' | 'gaps' | 'features') =>
    Promise.all(records.map(async (r) => ({ record: r, value: (await client.decodeAvro(topicKey, r.value!)) as T })));
  const byEntityAndTime = <T extends { entity: string }>(time: (v: T) => number) => (a: T, b: T) =>
    a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : time(a) - time(b);

  beforeAll(() => client.connect());
  afterAll(async () => {
    for (const service of services) service.child.kill('SIGKILL');
    await client.close();
  });

  /** Starts a stage, kills it with SIGKILL as soon as it has committed something, twice, then lets a third instance finish. */
  async function runKilledTwice(stage: 'clean' | 'feature', input: string, extra: Record<string, string>): Promise<void> {
    for (const _ of [1, 2]) {
      const lagBefore = await lag(stage, input);
      const victim = run(stage, extra);
      await waitUntil(`${stage} to commit a batch`, async () => (await lag(stage, input)) < lagBefore, 90_000, 20);
      victim.child.kill('SIGKILL');
      expect(await victim.exited).toBe('SIGKILL');
      expect(await lag(stage, input), `${stage} killed before the end of its input`).toBeGreaterThan(0);
    }
    run(stage, extra);
    await waitUntil(`${stage} to catch up`, async () => (await lag(stage, input)) === 0, 120_000, 250);
  }

  it('writes exactly what the batch references compute from <p>.valid', { timeout: 300_000 }, async () => {
    // A simulated day with shuffles within the grace, 5 % duplicates, gaps and outliers.
    const simulation = defaultSimulationConfig({
      seed: 5,
      meters: 20,
      regions: 2,
      weatherStations: 2,
      faults: { duplicateShare: 0.05, outOfOrderShare: 0.05, outOfOrderMaxMs: 1_200_000, gapShare: 0.03, outlierShare: 0.01, lateShare: 0 },
    });
    await client.ensureTopics([{ topic: t.ingestJson, partitions: PARTITIONS }]);
    const events = [...simulate(simulation)];
    await client.publish([{ topic: t.ingestJson, records: events.map((e) => ({ key: e.key, value: e.line })) }]);

    // Clean starts on a complete <p>.valid, so an idle spell cannot close steps early.
    run('ingest', { INGEST_HTTP_PORT: String(await freePort()), INGEST_TOKEN: 'clean-kill-test-token' });
    run('validate');
    await waitUntil('ingest and validate to finish', async () => (await lag('ingest', t.ingestJson)) === 0 && (await lag('validate', t.raw)) === 0, 120_000, 500);

    await runKilledTwice('clean', t.valid, { ...cleanSettings, GRIDSTREAM_MAX_BATCH_BYTES: '8192' });

    const valid = await decodeAll<Measurement>(await client.readAll(t.valid), 'valid');
    const partitions: Measurement[][] = Array.from({ length: PARTITIONS }, () => []);
    valid.sort((a, b) => a.record.partition - b.record.partition || Number(BigInt(a.record.offset) - BigInt(b.record.offset)));
    for (const { record, value } of valid) partitions[record.partition]!.push(value);
    const reference = cleanReference(partitions, {
      graceMs: 3_600_000,
      maxInterpolateSteps: 4,
      hampelWindowSteps: 24,
      hampelMinSteps: 8,
      hampelThreshold: 4,
      replaceOutliers: ['load'],
      idleMs: 2_000,
    });
    expect(reference.clean.length).toBeGreaterThan(2_000);
    expect(reference.gaps.length).toBeGreaterThan(10);

    // The idle flush closes the last steps once clean has caught up.
    let clean: CleanMeasurement[] = [];
    await waitUntil(
      'the idle flush to close the last steps',
      async () => {
        clean = (await decodeAll<CleanMeasurement>(await client.readAll(t.clean), 'clean')).map((c) => c.value);
        return clean.length >= reference.clean.length;
      },
      60_000,
      1_000,
    );
    const gaps = (await decodeAll<Gap>(await client.readAll(t.gaps), 'gaps')).map((g) => g.value);
    expect(clean.sort(byEntityAndTime((c) => c.ts))).toEqual(reference.clean);
    expect(gaps.sort(byEntityAndTime((g) => g.start))).toEqual(reference.gaps);
    expect((await client.readAll(t.dlq)).filter((d) => d.headers['__connect.errors.stage'] === 'clean')).toEqual([]);

    // Feature starts on the complete <p>.clean too.
    await runKilledTwice('feature', t.clean, { GRIDSTREAM_MAX_BATCH_BYTES: '16384' });
    const vectors = (await decodeAll<FeatureVector>(await client.readAll(t.features), 'features')).map((f) => f.value);
    const expectedVectors = featureReference(reference.clean, { ewmaAlpha: 0.1, tepReferenceSteps: 100 });
    expect(vectors.length).toBe(expectedVectors.length);
    expect(vectors.sort(byEntityAndTime((v) => v.ts))).toEqual(expectedVectors);
  });
});
