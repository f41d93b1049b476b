import { createServer, type Server } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, type Measurement } from '@gridstream/schemas';
import { startScript, uniqueName } from '@gridstream/test-kit';

const stack = inject('stack');

/** EIA API v2 region data for two hours of PACW, served in pages of `length` rows like the real API. */
const eiaRows = ['2026-01-01T05', '2026-01-01T06'].flatMap((period, hour) =>
  ['D', 'DF', 'NG', 'TI'].map((type, i) => ({ period, respondent: 'PACW', type, value: String(1000 + 100 * i + hour), 'value-units': 'megawatthours' })),
);

describe('gridstream ingest', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const prefix = uniqueName('ingest-cli');
  const t = topicNames(prefix);
  const env = { GRIDSTREAM_TOPIC_PREFIX: prefix, KAFKA_BROKERS: stack.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl, GRIDSTREAM_PARTITIONS: '2' };
  let eiaServer: Server;
  let eiaUrl: string;

  beforeAll(async () => {
    await client.connect();
    eiaServer = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://eia');
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const data = eiaRows.slice(offset, offset + 3);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ response: { total: String(eiaRows.length), data } }));
    });
    await new Promise<void>((resolve) => eiaServer.listen(0, '127.0.0.1', resolve));
    eiaUrl = `http://127.0.0.1:${(eiaServer.address() as AddressInfo).port}/v2/electricity/rto/region-data/data/?frequency=hourly`;
  });
  afterAll(async () => {
    await new Promise((resolve) => eiaServer.close(resolve));
    await client.close();
  });

  it('fetches every page of an EIA API query and groups each respondent-hour into one Measurement', { timeout: 60_000 }, async () => {
    const cli = startScript('packages/cli/src/main.ts', ['ingest', 'url', eiaUrl], env);
    expect(await cli.exited, cli.output()).toBe(0);
    expect(cli.output()).toContain('eia, 2 accepted, 0 rejected');

    const raw = await Promise.all((await client.readAll(t.raw)).map(async (r) => (await client.decodeAvro('raw', r.value!)) as Measurement));
    raw.sort((a, b) => a.ts - b.ts);
    expect(raw.map((m) => [m.entity, new Date(m.ts).toISOString(), m.values, m.batch?.source])).toEqual([
      ['eia:PACW', '2026-01-01T05:00:00.000Z', { demand: 1000, forecast: 1100, net_generation: 1200, interchange: 1300 }, 'file:region-data'],
      ['eia:PACW', '2026-01-01T06:00:00.000Z', { demand: 1001, forecast: 1101, net_generation: 1201, interchange: 1301 }, 'file:region-data'],
    ]);
  });

  it('ingests a CSV file, reports a bad row, puts it in the DLQ and exits 1', { timeout: 60_000 }, async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'ingest-cli-')), 'loads.csv');
    await writeFile(path, 'source,entity,ts,load[kW],tag:tz\nmeter,meter:M-1,2026-01-01T00:00:00Z,1.5,UTC\nmeter,meter:M-1,2026-01-01T00:15:00Z,abc,UTC\n');
    const cli = startScript('packages/cli/src/main.ts', ['ingest', 'file', path], env);
    expect(await cli.exited).toBe(1);
    expect(cli.output()).toContain('csv, 1 accepted, 1 rejected (in the DLQ)');
    expect(cli.output()).toMatch(/line 3: wrong_type: /);
    const dead = (await client.readAll(t.dlq)).filter((d) => d.headers['__connect.errors.topic'] === 'file:loads.csv');
    expect(dead.map((d) => [d.headers['__connect.errors.offset'], d.value!.toString()])).toEqual([['3', 'meter,meter:M-1,2026-01-01T00:15:00Z,abc,UTC']]);
  });
});
