import { inject, describe, expect, it } from 'vitest';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { uniqueName } from '@gridstream/test-kit';

const stack = inject('stack');
const registry = new SchemaRegistry({ host: stack.schemaRegistryUrl });
const { FULL, FULL_TRANSITIVE } = COMPATIBILITY;

const reading = (fields: object[]) =>
  JSON.stringify({ type: 'record', name: 'Reading', namespace: 'io.gridstream.smoke', fields });

async function setCompatibility(subject: string, compatibility: string): Promise<void> {
  const response = await fetch(`${stack.schemaRegistryUrl}/config/${subject}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ compatibility }),
  });
  expect(response.status).toBe(200);
}

describe('schema registry (Confluent REST API)', () => {
  it('registers a schema, fetches it by id and round-trips the Confluent wire format', async () => {
    const subject = `${uniqueName('smoke')}-value`;
    const schema = reading([
      { name: 'entity', type: 'string' },
      { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'kw', type: 'double' },
    ]);
    // The stack's registry checks every subject FULL_TRANSITIVE unless told otherwise.
    const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject, compatibility: FULL_TRANSITIVE });
    expect(id).toBeGreaterThan(0);
    expect(await registry.register({ type: SchemaType.AVRO, schema }, { subject, compatibility: FULL_TRANSITIVE })).toEqual({ id });

    const byId = await fetch(`${stack.schemaRegistryUrl}/schemas/ids/${id}`).then((r) => r.json());
    expect(JSON.parse(byId.schema)).toEqual(JSON.parse(schema));

    // ts stays epoch milliseconds: the registry client's avsc types leave logical types as their base type.
    const record = { entity: 'meter:M-0042', ts: 1_700_000_000_000, kw: 1.25 };
    const bytes = await registry.encode(id, record);
    expect(bytes[0]).toBe(0);
    expect(bytes.readInt32BE(1)).toBe(id);
    expect(await registry.decode(bytes)).toEqual(record);
  });

  it('under FULL_TRANSITIVE, rejects a schema compatible with the latest version but not with an earlier one', async () => {
    const subject = `${uniqueName('smoke')}-value`;
    await setCompatibility(subject, FULL_TRANSITIVE);
    const options = { subject, compatibility: FULL_TRANSITIVE };
    const v1 = reading([
      { name: 'kw', type: 'double' },
      { name: 'unit', type: 'string', default: 'kW' },
    ]);
    const v2 = reading([{ name: 'kw', type: 'double' }]); // drops a field that had a default: fully compatible
    const v3 = reading([
      { name: 'kw', type: 'double' },
      { name: 'unit', type: 'int', default: 0 }, // fine next to v2, a type change next to v1
    ]);
    const noDefault = reading([
      { name: 'kw', type: 'double' },
      { name: 'site', type: 'string' },
    ]);

    const first = await registry.register({ type: SchemaType.AVRO, schema: v1 }, options);
    const second = await registry.register({ type: SchemaType.AVRO, schema: v2 }, options);
    expect(second.id).not.toBe(first.id);
    await expect(registry.register({ type: SchemaType.AVRO, schema: v3 }, options)).rejects.toThrow(/incompatible/i);
    await expect(registry.register({ type: SchemaType.AVRO, schema: noDefault }, options)).rejects.toThrow(
      /incompatible/i,
    );

    const versions = await fetch(`${stack.schemaRegistryUrl}/subjects/${subject}/versions`).then((r) => r.json());
    expect(versions).toEqual([1, 2]);

    // The same v3 is accepted where only the latest version counts.
    await setCompatibility(subject, FULL);
    const third = await registry.register({ type: SchemaType.AVRO, schema: v3 }, { subject, compatibility: FULL });
    expect(third.id).not.toBe(second.id);
  });
});
