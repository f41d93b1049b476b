import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { samples, topicNames, type Measurement } from '@gridstream/schemas';
import { uniqueName, waitUntil } from '@gridstream/test-kit';
import { runStage, type RunningStage } from './run-stage.js';
import { TopicClient } from './topic-client.js';
import { dropped, emit, quality, type Transform } from './transform.js';

const stack = inject('stack');

/** A stateful test stage: numbers each entity's records, so a lost or repeated state shows in the output. */
interface Counter {
  seen: number;
}
/** How many more times a record with `values.flaky` fails as a transient fault. */
let transientFailuresLeft = 0;
const numberRecords: Transform<Measurement, Counter, unknown, Measurement> = (m, state) => {
  if (m.values.explode !== undefined) throw new TypeError('exploded on purpose');
  if (m.values.repeat !== undefined) return [dropped('duplicate', m.source)];
  if (m.values.flaky !== undefined && transientFailuresLeft > 0) {
    transientFailuresLeft -= 1;
    throw Object.assign(new Error('store unavailable'), { code: 'store_unavailable', retriable: true });
  }
  state.seen += 1;
  return [emit(m.entity, { ...m, values: { ...m.values, seen: state.seen } }), quality(m.source, 'present', 1, m.ts)];
};
const counterCodec = {
  initial: (): Counter => ({ seen: 0 }),
  encode: (state: Counter) => Buffer.from(JSON.stringify(state)),
  decode: (bytes: Buffer): Counter => JSON.parse(bytes.toString()) as Counter,
};

function measurement(entity: string, index: number, extra: Record<string, number> = {}): Measurement {
  return { ...samples.Measurement, entity, ts: 1_767_225_600_000 + index * 900_000, values: { load: index, ...extra }, batch: null };
}

describe('runStage against the real stack', () => {
  const client = new TopicClient({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl });
  const entities = ['meter:A', 'meter:B', 'meter:C', 'meter:D'];
  let prefix: string;
  let t: ReturnType<typeof topicNames>;
  let encodeRaw: (value: unknown) => Buffer;
  const running: RunningStage[] = [];

  const start = async () => {
    const stage = await runStage({
      stage: 'validate',
      input: 'raw',
      output: 'valid',
      config: z.object({}),
      transform: numberRecords,
      state: counterCodec,
      env: {
        GRIDSTREAM_TOPIC_PREFIX: prefix,
        KAFKA_BROKERS: stack.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
        GRIDSTREAM_PARTITIONS: '3',
        GRIDSTREAM_OPS_PORT: '0',
        GRIDSTREAM_RETRY_INITIAL_MS: '50',
        LOG_LEVEL: 'silent',
      },
    });
    running.push(stage);
    return stage;
  };
  const recordsIn = async (stage: RunningStage) => (await stage.metrics.recordsIn.get()).values.reduce((sum, v) => sum + v.value, 0);
  const publishRound = async (round: number) => {
    const records = entities.flatMap((entity) => Array.from({ length: 5 }, (_, i) => ({ key: entity, value: encodeRaw(measurement(entity, round * 5 + i)) })));
    await client.publish([{ topic: t.raw, records }]);
    return records.length;
  };

  const useFreshTopics = async (rawConfig?: Record<string, string>) => {
    prefix = uniqueName('run-stage');
    t = topicNames(prefix);
    await client.ensureTopics([{ topic: t.raw, partitions: 3, config: rawConfig }]);
    encodeRaw = await client.avroEncoder('raw', t.raw);
  };
  const seenByEntity = async () => {
    const seen = new Map<string, number[]>();
    for (const record of await client.readAll(t.valid)) {
      const value = (await client.decodeAvro('valid', record.value!)) as Measurement;
      seen.set(value.entity, [...(seen.get(value.entity) ?? []), value.values.seen!]);
    }
    return Object.fromEntries(seen);
  };
  const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  beforeAll(() => client.connect());
  afterAll(async () => {
    await Promise.all(running.map((stage) => stage.stop()));
    await client.close();
  });

  it('numbers every record once, dead-letters poison with its original bytes, and continues from the changelog after a restart', async () => {
    await useFreshTopics();
    const poison = Buffer.from([1, 2, 3, 4, 5, 6]);
    let published = await publishRound(0);
    await client.publish([
      {
        topic: t.raw,
        records: [
          { key: 'meter:A', value: poison, headers: { trace: 'kept' } },
          { key: 'meter:B', value: encodeRaw(measurement('meter:B', 99, { explode: 1 })) },
          { key: 'meter:C', value: encodeRaw(measurement('meter:C', 98, { repeat: 1 })) },
        ],
      },
    ]);
    published += 3;

    const first = await start();
    await waitUntil('the first stage to read every record', async () => (await recordsIn(first)) === published);
    const ready = await fetch(`http://127.0.0.1:${first.opsPort}/readyz`);
    expect(ready.status).toBe(200);
    const metricsText = await (await fetch(`http://127.0.0.1:${first.opsPort}/metrics`)).text();
    expect(metricsText).toContain('gridstream_dlq_records_total{stage="validate",reason="undecodable"} 1');
    expect(metricsText).toContain('gridstream_dropped_records_total{stage="validate",reason="duplicate",source="meter"} 1');
    expect(metricsText).toContain('gridstream_quality_counts_total{stage="validate",source="meter",kind="present"} 20');
    // The newest event time of the 20 (index 4), whatever order the partitions came in.
    expect(metricsText).toContain(`gridstream_source_event_time_seconds{stage="validate",source="meter"} ${(1_767_225_600_000 + 4 * 900_000) / 1000}`);
    await first.stop();

    // Published while nothing runs; a new instance must restore the counts and go on from there.
    published += await publishRound(1);
    const second = await start();
    await waitUntil('the second stage to read the new records', async () => (await recordsIn(second)) === 20);
    await second.stop();

    expect(await seenByEntity()).toEqual(Object.fromEntries(entities.map((e) => [e, oneTo(10)])));

    const deadLetters = await client.readAll(t.dlq);
    const byReason = Object.fromEntries(deadLetters.map((d) => [d.headers['gridstream.reason'], d]));
    expect(Object.keys(byReason).sort()).toEqual(['undecodable', 'unprocessable']);
    expect(byReason.undecodable!.value).toEqual(poison);
    expect(byReason.undecodable!.headers).toMatchObject({
      trace: 'kept',
      '__connect.errors.topic': t.raw,
      '__connect.errors.stage': 'validate',
      '__connect.errors.exception.class.name': 'UndecodableError',
      '__connect.errors.exception.message': 'magic byte 1, expected 0',
      'gridstream.attempts': '1',
    });
    expect(byReason.unprocessable!.headers).toMatchObject({
      '__connect.errors.exception.class.name': 'TypeError',
      '__connect.errors.exception.message': 'exploded on purpose',
    });
    expect(published).toBe(43);
  });

  it('retries a transient fault with the partition paused, aborting the transaction so nothing is doubled', async () => {
    await useFreshTopics();
    let published = await publishRound(0);
    await client.publish([{ topic: t.raw, records: [{ key: 'meter:C', value: encodeRaw(measurement('meter:C', 5, { flaky: 1 })) }] }]);
    published += 1 + (await publishRound(2));
    transientFailuresLeft = 3;

    const stage = await start();
    await waitUntil('the stage to read every record', async () => (await recordsIn(stage)) === published);
    await stage.stop();

    expect(transientFailuresLeft).toBe(0);
    const retries = (await stage.metrics.retries.get()).values.find((v) => v.labels.code === 'store_unavailable');
    expect(retries?.value).toBe(3);
    const expected = Object.fromEntries(entities.map((e) => [e, oneTo(e === 'meter:C' ? 11 : 10)]));
    expect(await seenByEntity()).toEqual(expected);
    expect(await client.readAll(t.dlq)).toEqual([]);
  });

  it('commits a record batch larger than the broker lets an output partition take, in smaller transactions', async () => {
    // An operator may raise an input topic's limit; outputs and the changelog keep the broker's 1 MiB.
    await useFreshTopics({ 'max.message.bytes': String(4 * 2 ** 20) });
    const count = 3_000;
    const pad = 'x'.repeat(1_000);
    const foreign = new Kafka({ brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING }).producer();
    await foreign.connect();
    // One send: one record batch of about 3 MiB for meter:A's partition.
    await foreign.send({ topic: t.raw, messages: Array.from({ length: count }, (_, i) => ({ key: 'meter:A', value: encodeRaw({ ...measurement('meter:A', i), tags: { pad } }) })) });
    await foreign.disconnect();

    const stage = await start();
    await waitUntil('the stage to read every record', async () => (await recordsIn(stage)) === count, 60_000);
    await stage.stop();
    expect(await seenByEntity()).toEqual({ 'meter:A': oneTo(count) });
    expect(await client.readAll(t.dlq)).toEqual([]);
    const retries = (await stage.metrics.retries.get()).values.reduce((sum, v) => sum + v.value, 0);
    expect(retries).toBe(0);
  });
});
