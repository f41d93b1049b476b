import { readCsv } from './csv-rows.js';
import { reject, type ParsedItem } from './parsed-item.js';
import { wideColumnOf, wideRowToDraft } from './wide-row.js';

/** Parses wide CSV, `source,entity,ts,load[kW],pv[kW],tag:tz`, one draft per row (line = CSV line). */
export function parseGenericCsv(body: Uint8Array): ParsedItem[] {
  const table = readCsv(body);
  if (!table.ok) return [table.rejected];
  const columns = table.header.map(wideColumnOf);
  return table.rows.map((row) =>
    row.cells.length === columns.length
      ? wideRowToDraft(columns, row.cells, row.line, row.raw)
      : reject('malformed', `expected ${columns.length} columns as in the header, got ${row.cells.length}`, row.line, row.raw),
  );
}
