import type { AvroSchema } from './schema-files.js';

type NamedType = { name: string; doc?: string; fields?: Array<{ name: string; type: unknown; doc?: string }>; symbols?: string[] };

/**
 * Renders TypeScript declarations for every named Avro type in the schemas. A nested record
 * that two schemas share by name must be the same in both, or the types would lie.
 */
export function renderTypes(schemas: Map<string, AvroSchema>): string {
  const declarations = new Map<string, { source: string; text: string }>();
  const declare = (type: NamedType, owner: string) => {
    const text = renderNamed(type, (nested) => declare(nested, owner));
    const earlier = declarations.get(type.name);
    if (earlier && earlier.text !== text) {
      throw new Error(`type ${type.name} differs between ${earlier.source} and ${owner}: give one of them another name`);
    }
    declarations.set(type.name, { source: owner, text });
  };
  for (const [file, schema] of schemas) declare(schema as NamedType, `${file}.avsc`);

  const header = '// Generated from packages/schemas/avro/*.avsc by `pnpm gen`. Do not edit.\n';
  return header + [...declarations.values()].map((d) => `\n${d.text}`).join('');
}

function renderNamed(type: NamedType, onNested: (type: NamedType) => void): string {
  const doc = type.doc ? `/** ${type.doc} */\n` : '';
  if (type.symbols) return `${doc}export type ${type.name} = ${type.symbols.map((s) => `'${s}'`).join(' | ')};\n`;
  const fields = (type.fields ?? []).map((field) => {
    const fieldDoc = field.doc ? `  /** ${field.doc} */\n` : '';
    return `${fieldDoc}  ${field.name}: ${renderType(field.type, onNested)};\n`;
  });
  return `${doc}export interface ${type.name} {\n${fields.join('')}}\n`;
}

function renderType(type: unknown, onNested: (type: NamedType) => void): string {
  if (typeof type === 'string') return primitive(type) ?? type; // a reference to a named type
  if (Array.isArray(type)) return type.map((branch) => renderType(branch, onNested)).join(' | ');
  const complex = type as { type: string; items?: unknown; values?: unknown } & NamedType;
  switch (complex.type) {
    case 'array':
      return `Array<${renderType(complex.items, onNested)}>`;
    case 'map':
      return `Record<string, ${renderType(complex.values, onNested)}>`;
    case 'record':
    case 'enum':
      onNested(complex);
      return complex.name;
    case 'fixed':
      return 'Buffer';
    default: {
      const base = primitive(complex.type);
      if (!base) throw new Error(`unsupported Avro type ${JSON.stringify(type)}`);
      return base; // logical types keep their base type: timestamp-millis is epoch ms as a number
    }
  }
}

function primitive(name: string): string | undefined {
  const map: Record<string, string> = {
    null: 'null',
    boolean: 'boolean',
    int: 'number',
    long: 'number',
    float: 'number',
    double: 'number',
    bytes: 'Buffer',
    string: 'string',
  };
  return map[name];
}
