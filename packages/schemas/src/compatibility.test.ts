import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { loadHistory, loadSchemas, type AvroSchema } from './schema-files.js';

/** Why `reader` cannot read data written with `writer`, or undefined when it can. */
function cannotRead(reader: AvroSchema, writer: AvroSchema): string | undefined {
  try {
    avro.Type.forSchema(reader as avro.Schema).createResolver(avro.Type.forSchema(writer as avro.Schema));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** FULL_TRANSITIVE: the schema reads every earlier version's data and every earlier version reads its data. */
function fullTransitiveProblems(schema: AvroSchema, history: AvroSchema[]): string[] {
  return history.flatMap((earlier, i) =>
    [
      [`v${i + 1} data with the new schema`, cannotRead(schema, earlier)],
      [`new data with v${i + 1}`, cannotRead(earlier, schema)],
    ]
      .filter(([, problem]) => problem !== undefined)
      .map(([what, problem]) => `${what}: ${problem}`),
  );
}

const schemas = loadSchemas();

describe('schema evolution (FULL_TRANSITIVE against avro/history)', () => {
  it.each([...schemas.keys()])('%s is compatible both ways with every released version', (name) => {
    expect(fullTransitiveProblems(schemas.get(name)!, loadHistory(name))).toEqual([]);
  });

  it.each([...schemas.keys()])('%s is recorded as the newest version in its history', (name) => {
    const history = loadHistory(name);
    expect(history.length).toBeGreaterThan(0);
    expect(history.at(-1)).toEqual(schemas.get(name));
  });

  it('catches a field added without a default and a changed type', () => {
    const measurement = schemas.get('Measurement')!;
    const noDefault = { ...measurement, fields: [...measurement.fields, { name: 'site', type: 'string' }] };
    const retyped = {
      ...measurement,
      fields: measurement.fields.map((f) => (f.name === 'eventId' ? { ...f, type: 'long' } : f)),
    };
    expect(fullTransitiveProblems(noDefault, [measurement])).toHaveLength(1);
    expect(fullTransitiveProblems(retyped, [measurement])).toHaveLength(2);
    const withDefault = { ...measurement, fields: [...measurement.fields, { name: 'site', type: 'string', default: '' }] };
    expect(fullTransitiveProblems(withDefault, [measurement])).toEqual([]);
  });
});
