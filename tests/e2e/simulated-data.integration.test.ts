import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TopicClient, type TopicRecord } from '@gridstream/runtime';
import { topicNames } from '@gridstream/schemas';
import { freePort, startScript, startService, uniqueName, waitForReady, waitUntil, type ServiceProcess } from '@gridstream/test-kit';

const stack = inject('stack');

describe('simulated data through the JSON topic, ingest and validate', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const prefix = uniqueName('simulated');
  const t = topicNames(prefix);
  const env = {
    GRIDSTREAM_TOPIC_PREFIX: prefix,
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    GRIDSTREAM_PARTITIONS: '3',
    LOG_LEVEL: 'warn',
  };
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    await client.connect();
    const opsPorts = [await freePort(), await freePort()];
    services.push(
      startService('ingest', { ...env, GRIDSTREAM_OPS_PORT: String(opsPorts[0]), INGEST_HTTP_PORT: String(await freePort()), INGEST_TOKEN: 'simulated-test-token' }),
      startService('validate', { ...env, GRIDSTREAM_OPS_PORT: String(opsPorts[1]) }),
    );
    for (const [i, port] of opsPorts.entries()) await waitForReady(services[i]!, port!);
  }, 120_000);
  afterAll(async () => {
    for (const service of services) service.child.kill('SIGKILL');
    await client.close();
  });

  it('accounts for every event as valid or dead-lettered, as the ground truth says', { timeout: 180_000 }, async () => {
    const truthPath = join(await mkdtemp(join(tmpdir(), 'simulated-')), 'truth.ndjson');
    const simulator = startScript('packages/cli/src/main.ts', ['simulate', '--seed', '3', '--hours', '12', '--meters', '20', '--to', 'kafka', '--truth', truthPath], env);
    expect(await simulator.exited, simulator.output()).toBe(0);

    const truth = (await readFile(truthPath, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kinds: string[] });
    const withKind = (kind: string) => truth.filter((event) => event.kinds.includes(kind)).length;
    expect(withKind('malformed')).toBeGreaterThan(0);
    expect(withKind('future_ts')).toBeGreaterThan(0);

    let valid: TopicRecord[] = [];
    let dead: TopicRecord[] = [];
    await waitUntil(
      'every event to be valid or dead-lettered',
      async () => {
        [valid, dead] = await Promise.all([client.readAll(t.valid), client.readAll(t.dlq)]);
        return valid.length + dead.length >= truth.length;
      },
      120_000,
      1_000,
    );
    expect(valid.length + dead.length).toBe(truth.length);
    const count = (stage: string, reason?: string) =>
      dead.filter((d) => d.headers['__connect.errors.stage'] === stage && (reason === undefined || d.headers['gridstream.reason'] === reason)).length;
    // Malformed lines never become Measurements; far-future ones fail the clock guard.
    expect(count('ingest')).toBe(withKind('malformed'));
    expect(count('validate', 'future_ts')).toBe(withKind('future_ts'));
    // An outlier may also break a physical range; nothing else may be rejected.
    expect(count('validate') - count('validate', 'future_ts')).toBe(count('validate', 'out_of_range'));
    expect(count('validate', 'out_of_range')).toBeLessThanOrEqual(withKind('outlier'));
  });
});
