import { describe, expect, it } from 'vitest';
import { goldenSchemaId, samples } from '../fixtures/samples.js';
import { goldenBytes as golden } from './golden.js';
import { loadSchemas } from './schema-files.js';
import { decodeConfluent, encodeConfluent } from '../fixtures/wire-format.js';

const schemas = loadSchemas();

describe('golden Confluent wire bytes', () => {
  it('cover every schema', () => {
    expect(Object.keys(samples).sort()).toEqual([...schemas.keys()].sort());
  });

  it.each(Object.entries(samples))('%s encodes to its golden bytes and decodes back', (name, record) => {
    const schema = schemas.get(name)!;
    expect(encodeConfluent(schema, goldenSchemaId, record).equals(golden(name))).toBe(true);
    expect(decodeConfluent(schema, golden(name))).toEqual({ schemaId: goldenSchemaId, record });
  });

  it('are the Avro spec, not one library: magic byte, big-endian id, zigzag-varint string length', () => {
    // Gap starts with source "tep": length 3 zigzag-encoded is 6.
    expect([...golden('Gap').subarray(0, 9)]).toEqual([0, 0, 0, 0, 42, 6, 0x74, 0x65, 0x70]);
  });
});
