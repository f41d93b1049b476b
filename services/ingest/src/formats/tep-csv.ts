import { readCsv, type CsvRow } from './csv-rows.js';
import { numberOfText } from './number-text.js';
import { accept, reject, type ParsedItem } from './parsed-item.js';
import { epochMsOfText } from './timestamp.js';

export interface TepCsvOptions {
  /** Event time of sample 1 when the file numbers samples instead of giving `ts`. */
  startTs?: number;
}

const defaultStartTs = Date.UTC(2026, 0, 1);
/** The TEP simulator records every variable once every 3 minutes. */
const sampleIntervalMs = 180_000;

// Names used by the widely shared TEP data set (Rieth et al. 2017) for the same columns.
const aliases = new Map([
  ['faultnumber', 'fault'],
  ['simulationrun', 'run'],
]);

/** Canonical name of a header cell: `XMEAS(1)`, `xmeas_01` and `xmeas1` are all `xmeas_1`. */
function tepColumnOf(header: string): string {
  const name = header.toLowerCase();
  const variable = /^(xmeas|xmv)[_(]?(\d+)\)?$/.exec(name);
  if (variable) return `${variable[1]}_${Number(variable[2])}`;
  return aliases.get(name) ?? name;
}

/**
 * Parses Tennessee Eastman Process CSV: optional `run` and `unit`, `sample` (1-based) or `ts`,
 * `fault`, and `xmeas_1`..`xmeas_41`, `xmv_1`..`xmv_11`, one draft per row (line = CSV line).
 * Other columns, such as a pandas index, are ignored.
 */
export function parseTepCsv(body: Uint8Array, options: TepCsvOptions = {}): ParsedItem[] {
  const table = readCsv(body);
  if (!table.ok) return [table.rejected];
  const columns = table.header.map(tepColumnOf);
  return table.rows.map((row) => tepRowToItem(columns, row, options.startTs ?? defaultStartTs));
}

function tepRowToItem(columns: readonly string[], row: CsvRow, startTs: number): ParsedItem {
  const fail = (reason: 'malformed' | 'missing_field', message: string, fieldPath?: string) =>
    reject(reason, message, row.line, row.raw, fieldPath);
  if (row.cells.length !== columns.length) {
    return fail('malformed', `expected ${columns.length} columns as in the header, got ${row.cells.length}`);
  }
  // Empty cells are absent, like in every CSV format here.
  const fields = new Map<string, string>();
  const values: [string, number][] = [];
  for (const [index, column] of columns.entries()) {
    const cell = row.cells[index]!;
    if (cell === '') continue;
    if (!/^xm(eas|v)_/.test(column)) {
      fields.set(column, cell);
      continue;
    }
    const number = numberOfText(cell);
    if (number === undefined) return fail('malformed', `${column} is not a number: "${cell}"`, `values.${column}`);
    values.push([column, number]);
  }

  const tsText = fields.get('ts');
  const sampleText = fields.get('sample');
  if (tsText === undefined && sampleText === undefined) return fail('missing_field', 'neither ts nor sample is given', 'ts');
  const ts = tsText === undefined ? tsOfSample(sampleText, startTs) : epochMsOfText(tsText);
  if (ts === undefined) {
    const message = `ts is epoch ms or ISO 8601 with a zone, sample a whole number from 1; got "${tsText ?? sampleText}"`;
    return fail('malformed', message, tsText === undefined ? 'sample' : 'ts');
  }
  const fault = wholeNumberOf(fields.get('fault'));
  if (fields.has('fault') && fault === undefined) {
    return fail('malformed', `fault is a whole number, got "${fields.get('fault')}"`, 'fault');
  }
  const run = wholeNumberOf(fields.get('run'));
  if (fields.has('run') && run === undefined) return fail('malformed', `run is a whole number, got "${fields.get('run')}"`, 'run');
  if (values.length === 0) return fail('missing_field', 'the row has no xmeas or xmv value', 'values');

  const entity = `tep:${fields.get('unit') ?? 'unit-1'}${run === undefined ? '' : `-run${run}`}`;
  const tags = fault === undefined ? {} : { fault: String(fault) };
  return accept({ source: 'tep', entity, ts, values: Object.fromEntries(values), units: {}, tags }, row.line);
}

function tsOfSample(sampleText: string | undefined, startTs: number): number | undefined {
  const sample = wholeNumberOf(sampleText);
  return sample === undefined || sample < 1 ? undefined : startTs + (sample - 1) * sampleIntervalMs;
}

/** A non-negative whole number; "1.0" counts, as some exports write every column as float. */
function wholeNumberOf(text: string | undefined): number | undefined {
  const number = text === undefined ? undefined : numberOfText(text);
  return number !== undefined && Number.isInteger(number) && number >= 0 ? number : undefined;
}
