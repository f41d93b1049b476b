import { describe, expect, it } from 'vitest';
import { loadSchemas } from './schema-files.js';
import { topicNames, valueSchemaOf } from './topics.js';

describe('topicNames', () => {
  it('derives every topic, subject, group and changelog name from the prefix', () => {
    const t = topicNames('gridstream');
    expect([t.ingestJson, t.raw, t.valid, t.clean, t.gaps, t.features, t.weather, t.quality, t.sequences, t.dlq]).toEqual([
      'gridstream.ingest.json',
      'gridstream.raw',
      'gridstream.valid',
      'gridstream.clean',
      'gridstream.gaps',
      'gridstream.features',
      'gridstream.weather',
      'gridstream.quality',
      'gridstream.sequences',
      'gridstream.dlq',
    ]);
    expect(t.subject(t.valid)).toBe('gridstream.valid-value');
    expect(t.group('window')).toBe('gridstream.window');
    expect(t.changelog('clean')).toBe('gridstream.clean.changelog');
  });

  it('rejects a prefix Kafka would refuse, naming the fix', () => {
    expect(() => topicNames('grid stream')).toThrow(`topic prefix "grid stream": use 1-200 letters, digits, '.', '_' or '-', e.g. gridstream`);
    expect(() => topicNames('')).toThrow(/topic prefix ""/);
  });

  it('maps each Avro topic to a schema file that exists', () => {
    const names = [...loadSchemas().keys()];
    for (const schema of Object.values(valueSchemaOf)) expect(names).toContain(schema);
  });
});
