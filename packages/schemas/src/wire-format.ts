import avro from 'avsc';
import type { AvroSchema } from './schema-files.js';

// Test support for the golden fixtures: the Confluent wire format is magic byte 0, the schema id
// as a 4-byte big-endian int, then the Avro binary body. The runtime's serde must produce the same.

export function encodeConfluent(schema: AvroSchema, schemaId: number, record: unknown): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, avro.Type.forSchema(schema as avro.Schema).toBuffer(record)]);
}

export function decodeConfluent(schema: AvroSchema, bytes: Buffer): { schemaId: number; record: unknown } {
  if (bytes[0] !== 0) throw new Error(`magic byte ${bytes[0]}, expected 0`);
  return { schemaId: bytes.readInt32BE(1), record: avro.Type.forSchema(schema as avro.Schema).fromBuffer(bytes.subarray(5)) };
}
