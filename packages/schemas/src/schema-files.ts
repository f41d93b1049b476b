import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A parsed `.avsc` file; the files in `avro/` are the source of truth. */
export type AvroSchema = { type: string; name: string; fields: AvroField[]; [key: string]: unknown };
export type AvroField = { name: string; type: unknown; doc?: string; default?: unknown };

export const avroDir = fileURLToPath(new URL('../avro', import.meta.url));

/** Every current schema, by record name, in file-name order. */
export function loadSchemas(): Map<string, AvroSchema> {
  const files = readdirSync(avroDir).filter((f) => f.endsWith('.avsc')).sort();
  return new Map(files.map((f) => [f.slice(0, -'.avsc'.length), readSchema(join(avroDir, f))]));
}

/** The released versions of one schema, oldest first (`avro/history/<Name>/v<N>.avsc`). */
export function loadHistory(name: string): AvroSchema[] {
  const dir = join(avroDir, 'history', name);
  const version = (f: string) => Number(/^v(\d+)\.avsc$/.exec(f)?.[1] ?? NaN);
  return readdirSync(dir)
    .filter((f) => Number.isInteger(version(f)))
    .sort((a, b) => version(a) - version(b))
    .map((f) => readSchema(join(dir, f)));
}

function readSchema(path: string): AvroSchema {
  return JSON.parse(readFileSync(path, 'utf8')) as AvroSchema;
}
