// HTTP ingest under more load than it can publish: bodies beyond INGEST_MAX_PENDING_BYTES are
// refused with 503 and Retry-After before they are read, so memory stays bounded; a refused body
// publishes nothing, and sent again it arrives once.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, type Measurement } from '@gridstream/schemas';
import { freePort, startService, uniqueName, waitForReady, waitUntil, type ServiceProcess } from '@gridstream/test-kit';

const stack = inject('stack');
const token = 'busy-test-token-0123';

describe('HTTP ingest with more bodies waiting than it takes', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const t = topicNames(uniqueName('ingest-busy'));
  let ingest: ServiceProcess;
  let url = '';

  beforeAll(async () => {
    await client.connect();
    const [opsPort, httpPort] = [await freePort(), await freePort()];
    ingest = startService('ingest', {
      GRIDSTREAM_TOPIC_PREFIX: t.prefix,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      GRIDSTREAM_PARTITIONS: '2',
      GRIDSTREAM_OPS_PORT: String(opsPort),
      INGEST_HTTP_PORT: String(httpPort),
      INGEST_TOKEN: token,
      INGEST_MAX_PENDING_BYTES: String(2 * 2 ** 20),
      LOG_LEVEL: 'warn',
    });
    await waitForReady(ingest, opsPort);
    url = `http://127.0.0.1:${httpPort}/v1/measurements`;
  }, 120_000);
  afterAll(async () => {
    ingest.child.kill('SIGKILL');
    await client.close();
  });

  it('refuses bodies beyond the pending limit with 503 and Retry-After, and publishes each accepted body once', { timeout: 180_000 }, async () => {
    // 12 bodies of about 700 KiB each, all at once: at most three fit under the 2 MiB limit.
    const bodies = Array.from({ length: 12 }, (_, body) =>
      Array.from({ length: 2_500 }, (_, i) =>
        JSON.stringify({ source: 'meter', entity: `meter:busy-${body}`, ts: 1_767_225_600_000 + i * 900_000, values: { load: i }, units: { load: 'kW' }, tags: { pad: 'p'.repeat(180) } }),
      ).join('\n'),
    );
    const post = (body: string) => fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body });
    const first = await Promise.all(bodies.map(post));
    const refused = first.flatMap((response, i) => (response.status === 503 ? [i] : []));
    expect(first.every((response) => response.status === 202 || response.status === 503)).toBe(true);
    expect(refused.length).toBeGreaterThan(0);
    for (const i of refused) expect(first[i]!.headers.get('retry-after')).toBe('1');

    // The refused ones again, as a client honouring Retry-After would.
    let waiting = refused;
    while (waiting.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const again = await Promise.all(waiting.map((i) => post(bodies[i]!)));
      waiting = waiting.filter((_, k) => again[k]!.status === 503);
    }
    const perBody = async () => {
      const counts = new Map<string, number>();
      for (const record of await client.readAll(t.raw)) {
        const { entity } = (await client.decodeAvro('raw', record.value!)) as Measurement;
        counts.set(entity, (counts.get(entity) ?? 0) + 1);
      }
      return counts;
    };
    await waitUntil('every body to be on <p>.raw', async () => [...(await perBody()).values()].reduce((a, b) => a + b, 0) >= 12 * 2_500, 60_000, 500);
    expect(Object.fromEntries(await perBody())).toEqual(Object.fromEntries(bodies.map((_, body) => [`meter:busy-${body}`, 2_500])));
    expect(ingest.child.exitCode).toBeNull();
  });
});
