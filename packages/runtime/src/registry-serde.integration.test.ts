import avro from 'avsc';
import { inject, describe, expect, it } from 'vitest';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { goldenBytes, loadSchemas, samples, type AvroSchema } from '@gridstream/schemas';
import { uniqueName } from '@gridstream/test-kit';
import { RegistrySerde } from './registry-serde.js';

const { schemaRegistryUrl } = inject('stack');
const measurementSchema = loadSchemas().get('Measurement')!;
const measurementType = avro.Type.forSchema(measurementSchema as avro.Schema);

async function failure(promise: Promise<unknown>): Promise<{ code?: string; retriable?: boolean; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; retriable?: boolean; message: string };
  }
  throw new Error('expected a failure');
}

describe('RegistrySerde against the real registry', () => {
  const serde = new RegistrySerde(new SchemaRegistry({ host: schemaRegistryUrl }));

  it('writes the golden Confluent bytes (but for the id) and reads them back', async () => {
    const id = await serde.register(`${uniqueName('serde')}-value`, measurementSchema);
    const bytes = serde.encode(id, samples.Measurement);
    expect(bytes.subarray(5).equals(goldenBytes('Measurement').subarray(5))).toBe(true);
    expect([bytes[0], bytes.readInt32BE(1)]).toEqual([0, id]);
    // A serde that never registered it finds the schema by id in the registry.
    const reader = new RegistrySerde(new SchemaRegistry({ host: schemaRegistryUrl }));
    expect(await reader.decode(bytes, measurementType)).toEqual({ schemaId: id, value: samples.Measurement });
  });

  it('encodes records larger than its scratch buffer, and the small ones after them, each on its own', async () => {
    const id = await serde.register(`${uniqueName('serde-large')}-value`, measurementSchema);
    const large = { ...samples.Measurement, tags: { note: 'x'.repeat(200_000) } };
    const before = serde.encode(id, samples.Measurement);
    const big = serde.encode(id, large);
    const after = serde.encode(id, samples.Measurement);
    expect(big.length).toBeGreaterThan(200_000);
    expect(after.equals(before)).toBe(true);
    for (const [bytes, value] of [[before, samples.Measurement], [big, large], [after, samples.Measurement]] as const) {
      expect((await serde.decode(bytes, measurementType)).value).toEqual(value);
    }
  });

  it('reads data of an older version into the newer schema, filling the added field from its default', async () => {
    const subject = `${uniqueName('serde-evolve')}-value`;
    const v1: AvroSchema = { type: 'record', name: 'Reading', fields: [{ name: 'kw', type: 'double' }] };
    const v2: AvroSchema = { ...v1, fields: [...v1.fields, { name: 'site', type: 'string', default: 'unknown' }] };
    const oldId = await serde.register(subject, v1);
    await serde.register(subject, v2);
    const decoded = await serde.decode(serde.encode(oldId, { kw: 1.5 }), avro.Type.forSchema(v2 as avro.Schema));
    expect(decoded).toEqual({ schemaId: oldId, value: { kw: 1.5, site: 'unknown' } });
  });

  it('calls a bad header, an unknown schema id and a poison body undecodable', async () => {
    const id = await serde.register(`${uniqueName('serde-poison')}-value`, measurementSchema);
    const poison = (bytes: number[]) => failure(serde.decode(Buffer.from(bytes), measurementType));
    const header = [0, ...[id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255]];
    expect(await poison([0, 0, 1])).toMatchObject({ code: 'undecodable', message: '3 bytes, shorter than the 5-byte header' });
    expect(await poison([1, 0, 0, 0, 1, 2])).toMatchObject({ code: 'undecodable', message: 'magic byte 1, expected 0' });
    expect(await poison([0, 0x7f, 0xff, 0xff, 0xf0, 2])).toMatchObject({
      code: 'undecodable',
      message: 'schema id 2147483632 is not in the registry',
    });
    expect(await poison([...header, 2, 0x6d, 2, 0x65, 0, 0x80, 0x80, 0x80, 0x80, 0x10])).toMatchObject({
      code: 'undecodable',
      message: 'Measurement.values: declares 2147483648 items, over the limit of 1000000 per message',
    });
  });

  it('calls an unreachable registry retriable, not poison', async () => {
    const down = new RegistrySerde(new SchemaRegistry({ host: 'http://127.0.0.1:1', retry: { retries: 0 } }));
    const message = Buffer.from([0, 0, 0, 0, 1, 0]);
    expect(await failure(down.decode(message, measurementType))).toMatchObject({ code: 'registry_unavailable', retriable: true });
  });
});
