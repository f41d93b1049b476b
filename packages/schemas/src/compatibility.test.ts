import { describe, expect, it } from 'vitest';
import { fullTransitiveProblems } from '../fixtures/compatibility.js';
import { loadHistory, loadSchemas } from './schema-files.js';

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
