import { parseCanonicalJson } from './canonical-json.js';
import { parseEia } from './eia.js';
import { parseGenericCsv } from './generic-csv.js';
import { parseParquet } from './parquet.js';
import type { ParsedItem } from './parsed-item.js';
import { parseTepCsv, type TepCsvOptions } from './tep-csv.js';

export type IngestFormat = 'ndjson' | 'json' | 'eia' | 'tep-csv' | 'csv' | 'parquet';

const parquetMagic = [0x50, 0x41, 0x52, 0x31]; // "PAR1"
const textOfPrefix = new TextDecoder(); // not fatal: the prefix may end inside a character

/** Picks the format of a file from its name and first bytes (a few KiB are enough). */
export function detectFormat(fileName: string, firstBytes: Uint8Array): IngestFormat {
  if (parquetMagic.every((byte, index) => firstBytes[index] === byte)) return 'parquet';
  const name = fileName.toLowerCase();
  if (name.endsWith('.ndjson') || name.endsWith('.jsonl')) return 'ndjson';
  const text = textOfPrefix.decode(firstBytes);
  // EIA API v2 writes "response" as the first key, so a prefix of the body is enough to tell.
  if (/^\s*\{\s*"response"\s*:/.test(text)) return 'eia';
  if (name.endsWith('.json')) return 'json';
  const header = text.split('\n', 1)[0] ?? '';
  return /xmeas/i.test(header) ? 'tep-csv' : 'csv';
}

export async function parseByFormat(format: IngestFormat, bytes: Uint8Array, options: TepCsvOptions = {}): Promise<ParsedItem[]> {
  switch (format) {
    case 'ndjson':
    case 'json':
      return parseCanonicalJson(bytes, format);
    case 'eia':
      return parseEia(bytes);
    case 'tep-csv':
      return parseTepCsv(bytes, options);
    case 'csv':
      return parseGenericCsv(bytes);
    case 'parquet':
      return parseParquet(bytes);
  }
}
