import { CsvError, parse } from 'csv-parse/sync';
import { reject, type ParsedItem } from './parsed-item.js';

export interface CsvRow {
  cells: string[];
  /** Line the row ends on, 1-based. */
  line: number;
  /** The row's text as received, without its line break. */
  raw: string;
}

export type CsvTable = { ok: true; header: string[]; rows: CsvRow[] } | { ok: false; rejected: ParsedItem };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits CSV into a header and rows, cells trimmed, blank lines skipped. Rows keep whatever
 * number of cells they have, so a caller rejects a short or long row alone; only broken
 * quoting or invalid UTF-8 fail the whole input.
 */
export function readCsv(body: Uint8Array): CsvTable {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch (error) {
    return { ok: false, rejected: reject('malformed', `invalid UTF-8: ${(error as Error).message}`, 0, body) };
  }
  let records: { record: string[]; raw: string; info: { lines: number } }[];
  try {
    records = parse(text, {
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      raw: true,
      info: true,
    }) as unknown as typeof records;
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    return { ok: false, rejected: reject('malformed', `not CSV: ${error.message}`, 0, body) };
  }
  const [header, ...rows] = records;
  if (header === undefined) return { ok: false, rejected: reject('malformed', 'no header row', 0, body) };
  return {
    ok: true,
    header: header.record,
    // csv-parse hands blank lines skipped before a row to that row's raw text, and keeps a \r.
    rows: rows.map((row) => ({ cells: row.record, line: row.info.lines, raw: row.raw.replace(/^[\r\n]+|[\r\n]+$/g, '') })),
  };
}
