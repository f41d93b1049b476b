import { InfluxDB } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TopicClient } from '@gridstream/runtime';
import { topicNames, type CleanMeasurement, type FeatureVector, type QualityReport } from '@gridstream/schemas';
import { freePort, runStack, serverEnv, startService, uniqueName, waitForReady, waitUntil, type ServiceProcess } from '@gridstream/test-kit';

const stack = inject('stack');
const hour = 3_600_000;
const t0 = Date.UTC(2026, 0, 1);

function clean(entity: string, h: number, load: number): CleanMeasurement {
  return { source: 'meter', entity, ts: t0 + h * hour, values: { load }, units: { load: 'kW' }, tags: {}, eventId: `e${h}`, ingestedAt: t0, imputed: [], outliers: h === 2 ? ['load'] : [], convertedFrom: {}, resampledFrom: 1 };
}

function vector(entity: string, h: number): FeatureVector {
  return { entity, ts: t0 + h * hour, featureSet: { name: 'meter', version: 2 }, names: ['value', 'lag_1'], values: [h, h === 0 ? Number.NaN : h - 1], imputed: false, ingestedAt: null };
}

describe('the InfluxDB sink', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const prefix = uniqueName('influx-sink');
  const t = topicNames(prefix);
  const influx = new InfluxDB({ url: stack.influx.url, token: stack.influx.token });
  const encoders: Partial<Record<'clean' | 'features' | 'quality', (value: unknown) => Buffer>> = {};
  let sink: ServiceProcess;

  const publish = (topic: 'clean' | 'features' | 'quality', values: Array<{ entity?: string; source: string } | FeatureVector>) =>
    client.publish([{ topic: t[topic], records: values.map((v) => ({ key: 'entity' in v && v.entity ? v.entity : (v as { source: string }).source, value: encoders[topic]!(v) })) }]);
  const caughtUp = () =>
    waitUntil(
      'the sink to catch up',
      async () => (await Promise.all([t.clean, t.features, t.gaps, t.quality].map((topic) => client.groupLag(t.group('influx-sink'), topic)))).every((lag) => lag === 0),
      90_000,
      250,
    );
  const query = (measurement: string, field: string) =>
    influx.getQueryApi(stack.influx.org).collectRows<{ _time: string; _value: number; entity?: string }>(
      `from(bucket: "${stack.influx.bucket}") |> range(start: 2025-12-31T00:00:00Z, stop: 2026-01-03T00:00:00Z)
        |> filter(fn: (r) => r.pipeline == "${prefix}" and r._measurement == "${measurement}" and r._field == "${field}")`,
    );

  beforeAll(async () => {
    await client.connect();
    for (const topic of ['clean', 'features', 'quality'] as const) {
      await client.ensureTopics([{ topic: t[topic], partitions: 1 }]);
      encoders[topic] = await client.avroEncoder(topic, t[topic]);
    }
    const opsPort = await freePort();
    sink = startService('influx-sink', {
      ...serverEnv(stack),
      GRIDSTREAM_TOPIC_PREFIX: prefix,
      GRIDSTREAM_PARTITIONS: '1',
      GRIDSTREAM_OPS_PORT: String(opsPort),
      GRIDSTREAM_RETRY_MAX_MS: '1000',
      LOG_LEVEL: 'warn',
    });
    await waitForReady(sink, opsPort); // it creates the topics it reads
  });
  afterAll(async () => {
    sink?.child.kill('SIGKILL');
    await client.close();
  });

  it('writes clean measurements, features and quality reports as points a Flux query returns, and a replay overwrites them', { timeout: 90_000 }, async () => {
    const report: QualityReport = { source: 'meter', windowStart: t0, windowEnd: t0 + hour, entities: 1, expected: 4, received: 3, completeness: 0.75, validity: 1, timelinessP50Ms: 100, timelinessP99Ms: Number.NaN, duplicates: 0, imputedShare: 0, outlierShare: 1 / 3, missing: 1, imputed: 0, outliers: 1, valid: 3, invalid: 0 };
    for (const _ of [1, 2]) {
      await publish('clean', [0, 1, 2].map((h) => clean('meter:M-1', h, h / 2)));
      await publish('features', [0, 1, 2].map((h) => vector('meter:M-1', h)));
      await publish('quality', [report]);
      await caughtUp();
    }
    expect((await query('clean', 'load')).map((r) => [r._time, r._value])).toEqual([
      ['2026-01-01T00:00:00Z', 0],
      ['2026-01-01T01:00:00Z', 0.5],
      ['2026-01-01T02:00:00Z', 1],
    ]);
    // NaN is left out: no lag_1 at 00:00.
    expect((await query('features', 'lag_1')).map((r) => [r._time, r._value])).toEqual([
      ['2026-01-01T01:00:00Z', 0],
      ['2026-01-01T02:00:00Z', 1],
    ]);
    expect((await query('quality', 'completeness')).map((r) => r._value)).toEqual([0.75]);
    expect(await query('quality', 'timelinessP99Ms')).toEqual([]);
  });

  it('waits while InfluxDB is down and loses nothing', { timeout: 120_000 }, async () => {
    runStack('down', 'influxdb');
    await publish('features', [3, 4, 5].map((h) => vector('meter:M-1', h)));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await client.groupLag(t.group('influx-sink'), t.features)).toBeGreaterThan(0);
    runStack('up', 'influxdb');
    await caughtUp();
    expect((await query('features', 'value')).map((r) => r._value)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('dead-letters a record InfluxDB refuses for good and writes the rest of its batch', { timeout: 90_000 }, async () => {
    // A field already written as a string (in this measurement and shard) makes the same field as a float a type conflict.
    const field = `conflict_${prefix.replace(/\W/g, '_')}`;
    const writer = influx.getWriteApi(stack.influx.org, stack.influx.bucket, 'ms');
    writer.writeRecord(`clean,pipeline=${prefix},source=meter,entity=meter:M-3 ${field}="text" ${t0}`);
    await writer.close();
    await publish('clean', [{ ...clean('meter:M-2', 1, 1), values: { [field]: 1 } }, clean('meter:M-1', 3, 1.5)]);
    await caughtUp();
    const deadLetters = (await client.readAll(t.dlq)).filter((d) => d.headers['__connect.errors.stage'] === 'influx-sink');
    expect(deadLetters.map((d) => [d.headers['gridstream.reason'], d.key])).toEqual([['unprocessable', 'meter:M-2']]);
    expect((await query('clean', 'load')).filter((r) => r.entity === 'meter:M-1').map((r) => r._value)).toEqual([0, 0.5, 1, 1.5]);
  });
});
