import { expect } from 'vitest';
import { cleanReference } from '@gridstream/clean/reference';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, type AvroTopic, type Measurement, type Stage, type TopicNames } from '@gridstream/schemas';
import { defaultSimulationConfig, simulate, type SimulatedEvent, type SimulationConfig } from '@gridstream/simulator';
import { freePort, serverEnv, startService, uniqueName, waitUntil, type ServiceProcess, type StackEnv } from '@gridstream/test-kit';

export const PARTITIONS = 3;

/** The clean settings the fault tests run with, as env and as the reference's config. */
export const cleanSettings = {
  CLEAN_GRACE_MS: '3600000',
  CLEAN_MAX_INTERPOLATE_STEPS: '4',
  CLEAN_HAMPEL_WINDOW_STEPS: '24',
  CLEAN_HAMPEL_MIN_STEPS: '8',
  CLEAN_HAMPEL_THRESHOLD: '4',
  CLEAN_REPLACE_OUTLIERS: 'load',
  CLEAN_IDLE_MS: '2000',
};
export const cleanConfig = {
  graceMs: 3_600_000,
  maxInterpolateSteps: 4,
  hampelWindowSteps: 24,
  hampelMinSteps: 8,
  hampelThreshold: 4,
  replaceOutliers: ['load'],
  latePolicy: 'dlq' as const,
  idleMs: 2_000,
};

/** Simulated data with shuffles within the grace, 5 % duplicates, gaps and outliers; no records beyond the grace unless `faults` asks for them. */
export function faultTestSimulation(overrides: Partial<Omit<SimulationConfig, 'faults'>> = {}, faults: Partial<SimulationConfig['faults']> = {}): SimulationConfig {
  return defaultSimulationConfig({
    seed: 5,
    meters: 20,
    regions: 2,
    weatherStations: 2,
    ...overrides,
    faults: { duplicateShare: 0.05, outOfOrderShare: 0.05, outOfOrderMaxMs: 1_200_000, gapShare: 0.03, outlierShare: 0.01, lateShare: 0, ...faults },
  });
}

/** One pipeline on topics of its own: services as processes, the real stack, and the batch references to hold it to. */
export class PipelineFixture {
  readonly client: TopicClient;
  readonly t: TopicNames;
  private readonly services: Array<ServiceProcess & { stage: Stage }> = [];
  private readonly env: Record<string, string>;

  constructor(
    readonly stack: StackEnv,
    name: string,
  ) {
    this.client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
    this.t = topicNames(uniqueName(name));
    this.env = {
      ...serverEnv(stack),
      GRIDSTREAM_TOPIC_PREFIX: this.t.prefix,
      GRIDSTREAM_PARTITIONS: String(PARTITIONS),
      GRIDSTREAM_OPS_PORT: '0',
      // A killed instance stays in the group until its session times out; the broker's minimum keeps this quick.
      GRIDSTREAM_SESSION_TIMEOUT_MS: '6000',
      LOG_LEVEL: 'warn',
    };
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  async close(): Promise<void> {
    for (const service of this.services) service.child.kill('SIGKILL');
    await this.client.close();
  }

  run(stage: Stage, extra: Record<string, string> = {}): ServiceProcess {
    const service = startService(stage, { ...this.env, ...extra });
    this.services.push(Object.assign(service, { stage }));
    return service;
  }

  lag(stage: Stage, topic: string): Promise<number> {
    return this.client.groupLag(this.t.group(stage), topic);
  }

  /** Publishes the simulation to the JSON topic and runs ingest and validate over all of it, so later stages start on complete input. */
  async validSimulation(simulation: SimulationConfig, arrange: (events: SimulatedEvent[]) => SimulatedEvent[] = (events) => events): Promise<void> {
    await this.client.ensureTopics([{ topic: this.t.ingestJson, partitions: PARTITIONS }]);
    const records = arrange([...simulate(simulation)]).map((e) => ({ key: e.key, value: e.line }));
    await this.client.publish([{ topic: this.t.ingestJson, records }]);
    this.run('ingest', { INGEST_HTTP_PORT: String(await freePort()), INGEST_TOKEN: 'fault-test-token-0123' });
    this.run('validate');
    const done = async () => (await this.lag('ingest', this.t.ingestJson)) === 0 && (await this.lag('validate', this.t.raw)) === 0;
    await this.withLogsOf(['ingest', 'validate'], waitUntil('ingest and validate to finish', done, 120_000, 500));
  }

  /** The same promise, its error carrying the logs of the stages' services: a test that waits in vain says why. */
  async withLogsOf<T>(stages: Stage[], work: Promise<T>): Promise<T> {
    return work.catch((error: unknown) => {
      const logs = this.services
        .filter((s) => stages.includes(s.stage))
        .map((s, i) => `--- ${s.stage} #${i + 1} (${s.child.exitCode ?? s.child.signalCode ?? 'running'}):\n${s.output().slice(-3_000)}`);
      throw new Error(`${(error as Error).message}\n${logs.join('\n')}`, { cause: error });
    });
  }

  /** A topic's values, decoded, sorted by entity and then by `time`. */
  async sorted<T extends { entity: string }>(topicKey: AvroTopic, time: (value: T) => number): Promise<T[]> {
    const values = await Promise.all((await this.client.readAll(this.t[topicKey])).map(async (r) => (await this.client.decodeAvro(topicKey, r.value!)) as T));
    return values.sort((a, b) => (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : time(a) - time(b)));
  }

  /** What clean must write, computed by its batch reference from <p>.valid as it stands. */
  async cleanReference(config: Parameters<typeof cleanReference>[1] = cleanConfig): Promise<ReturnType<typeof cleanReference>> {
    const partitions: Measurement[][] = Array.from({ length: PARTITIONS }, () => []);
    const records = await this.client.readAll(this.t.valid);
    records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    for (const record of records) partitions[record.partition]!.push((await this.client.decodeAvro('valid', record.value!)) as Measurement);
    return cleanReference(partitions, config);
  }

  /** Waits until clean has written as many records as its reference (the idle flush closes the last steps after it caught up). */
  async waitForClean(expected: number): Promise<void> {
    await waitUntil('clean to catch up', async () => (await this.lag('clean', this.t.valid)) === 0, 120_000, 250);
    await waitUntil('the idle flush to close the last steps', async () => (await this.client.readAll(this.t.clean)).length >= expected, 60_000, 1_000);
  }

  /**
   * Runs a stage through rebalances: a second instance joins the first (the group splits the
   * partitions and the newcomer restores their state), the first is killed (the survivor takes its
   * partitions over after the session timeout), and a third joins; then waits for the input's end.
   */
  async runRebalanced(stage: Stage, input: string, extra: Record<string, string>): Promise<void> {
    const total = await this.lag(stage, input);
    const progressed = (share: number) => async () => (await this.lag(stage, input)) <= total * (1 - share);
    const first = this.run(stage, extra);
    await this.withLogsOf([stage], waitUntil('the first instance to make progress', progressed(0.1), 90_000, 50));
    this.run(stage, extra);
    await this.withLogsOf([stage], waitUntil('both instances to make progress', progressed(0.3), 90_000, 50));
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(await this.lag(stage, input), `${stage} killed before the end of its input`).toBeGreaterThan(0);
    await this.withLogsOf([stage], waitUntil('the survivor to make progress', progressed(0.6), 90_000, 50));
    this.run(stage, extra);
    await this.withLogsOf([stage], waitUntil(`${stage} to catch up`, async () => (await this.lag(stage, input)) === 0, 120_000, 250));
  }

  /** Starts a stage, kills it with SIGKILL as soon as it has committed something, twice, then lets a third instance finish. */
  async runKilledTwice(stage: Stage, input: string, extra: Record<string, string>): Promise<void> {
    for (const _ of [1, 2]) {
      const lagBefore = await this.lag(stage, input);
      const victim = this.run(stage, extra);
      await waitUntil(`${stage} to commit a batch`, async () => (await this.lag(stage, input)) < lagBefore, 90_000, 20);
      victim.child.kill('SIGKILL');
      expect(await victim.exited).toBe('SIGKILL');
      expect(await this.lag(stage, input), `${stage} killed before the end of its input`).toBeGreaterThan(0);
    }
    this.run(stage, extra);
    await this.withLogsOf([stage], waitUntil(`${stage} to catch up`, async () => (await this.lag(stage, input)) === 0, 120_000, 250));
  }
}
