import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { reject, type ParsedItem } from './parsed-item.js';
import { wideColumnOf, wideRowToDraft } from './wide-row.js';

/**
 * Parses a Parquet file with the wide columns of generic CSV (`source`, `entity`, `ts` as int64
 * epoch ms, timestamp or ISO string, `load[kW]`, `tag:tz`), one draft per row (line = row + 1).
 */
export async function parseParquet(bytes: Uint8Array): Promise<ParsedItem[]> {
  // A copy: hyparquet reads a whole ArrayBuffer, and a Buffer may be a view into a larger pool.
  const file = new Uint8Array(bytes).buffer;
  let names: string[];
  let rows: Record<string, unknown>[];
  try {
    const metadata = parquetMetadata(file);
    names = parquetSchema(metadata).children.map((child) => child.element.name);
    rows = await parquetReadObjects({ file, metadata });
  } catch (error) {
    return [reject('malformed', `not a readable Parquet file: ${(error as Error).message}`, 0, bytes)];
  }
  const columns = names.map(wideColumnOf);
  return rows.map((row, index) =>
    wideRowToDraft(
      columns,
      names.map((name) => row[name]),
      index + 1,
      // The DLQ keeps the row as JSON; int64 cells arrive as bigint, which JSON.stringify refuses.
      JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)),
    ),
  );
}
