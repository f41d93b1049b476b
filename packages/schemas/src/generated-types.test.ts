import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSchemas, type AvroSchema } from './schema-files.js';
import { renderTypes } from './render-types.js';

describe('generated types', () => {
  it('match the .avsc files (run `pnpm gen` after changing a schema)', () => {
    const onDisk = readFileSync(new URL('./generated/types.ts', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderTypes(loadSchemas()));
  });

  it('render unions, maps, arrays, enums and logical types', () => {
    const schema: AvroSchema = {
      type: 'record',
      name: 'Probe',
      fields: [
        { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'note', type: ['null', 'string'], default: null },
        { name: 'grid', type: { type: 'map', values: { type: 'array', items: 'float' } } },
        { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
        { name: 'raw', type: 'bytes' },
      ],
    };
    expect(renderTypes(new Map([['Probe', schema]]))).toContain(
      [
        `export type Kind = 'A' | 'B';`,
        '',
        'export interface Probe {',
        '  ts: number;',
        '  note: null | string;',
        '  grid: Record<string, Array<number>>;',
        '  kind: Kind;',
        '  raw: Buffer;',
        '}',
      ].join('\n'),
    );
  });

  it('refuses two different types under one name', () => {
    const withRef = (name: string, fields: AvroSchema['fields']): AvroSchema => ({
      type: 'record',
      name,
      fields: [{ name: 'ref', type: { type: 'record', name: 'Ref', fields } }],
    });
    const schemas = new Map([
      ['A', withRef('A', [{ name: 'id', type: 'string' }])],
      ['B', withRef('B', [{ name: 'id', type: 'int' }])],
    ]);
    expect(() => renderTypes(schemas)).toThrow('type Ref differs between A.avsc and B.avsc');
  });
});
