import { numberOfText } from './number-text.js';
import { accept, excerpt, reject, type ParsedItem } from './parsed-item.js';
import { epochMsOfText } from './timestamp.js';

/** A column of the wide layout that generic CSV and Parquet share: `source,entity,ts,load[kW],tag:tz`. */
export type WideColumn =
  | { kind: 'source' | 'entity' | 'ts' }
  | { kind: 'value'; name: string; unit: string | undefined }
  | { kind: 'tag'; name: string };

/** Reads a column name; a variable without `[unit]` gets no unit. */
export function wideColumnOf(name: string): WideColumn {
  if (name === 'source' || name === 'entity' || name === 'ts') return { kind: name };
  if (name.startsWith('tag:')) return { kind: 'tag', name: name.slice('tag:'.length) };
  const withUnit = /^(.+)\[(.+)\]$/.exec(name);
  return withUnit ? { kind: 'value', name: withUnit[1]!, unit: withUnit[2]! } : { kind: 'value', name, unit: undefined };
}

/**
 * Turns one row into a draft. Cells are CSV text or Parquet values (number, bigint, Date, string);
 * an empty or null cell means the variable or tag is absent.
 */
export function wideRowToDraft(
  columns: readonly WideColumn[],
  cells: readonly unknown[],
  line: number,
  raw: Uint8Array | string,
): ParsedItem {
  const fail = (reason: 'missing_field' | 'wrong_type', message: string, fieldPath: string) =>
    reject(reason, message, line, raw, fieldPath);
  const key: { source?: unknown; entity?: unknown; ts?: unknown } = {};
  const values: [string, number][] = [];
  const units: [string, string][] = [];
  const tags: [string, string][] = [];
  for (const [index, column] of columns.entries()) {
    const cell = cells[index];
    if (cell === undefined || cell === null || cell === '') continue;
    if (column.kind === 'value') {
      const number = numberOfCell(cell);
      if (number === undefined) return fail('wrong_type', `${column.name} is a number, got ${excerpt(cell)}`, `values.${column.name}`);
      values.push([column.name, number]);
      if (column.unit !== undefined) units.push([column.name, column.unit]);
    } else if (column.kind === 'tag') {
      if (typeof cell === 'object') return fail('wrong_type', `tag ${column.name} is text, got ${excerpt(cell)}`, `tags.${column.name}`);
      tags.push([column.name, String(cell)]);
    } else {
      key[column.kind] = cell;
    }
  }
  const { source, entity, ts } = key;
  if (source === undefined) return fail('missing_field', 'source is empty', 'source');
  if (entity === undefined) return fail('missing_field', 'entity is empty', 'entity');
  if (ts === undefined) return fail('missing_field', 'ts is empty', 'ts');
  if (typeof source !== 'string') return fail('wrong_type', `source is text, got ${excerpt(source)}`, 'source');
  if (typeof entity !== 'string') return fail('wrong_type', `entity is text, got ${excerpt(entity)}`, 'entity');
  const tsMs = epochMsOfCell(ts);
  if (tsMs === undefined) return fail('wrong_type', `ts is epoch milliseconds or ISO 8601 with a zone, got ${excerpt(ts)}`, 'ts');
  if (values.length === 0) return fail('missing_field', 'the row has no value', 'values');
  return accept(
    {
      source,
      entity,
      ts: tsMs,
      values: Object.fromEntries(values),
      units: Object.fromEntries(units),
      tags: Object.fromEntries(tags),
    },
    line,
  );
}

function numberOfCell(cell: unknown): number | undefined {
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'bigint') return Number(cell);
  return typeof cell === 'string' ? numberOfText(cell) : undefined;
}

function epochMsOfCell(cell: unknown): number | undefined {
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? undefined : cell.getTime();
  const ms = typeof cell === 'bigint' ? Number(cell) : cell;
  if (typeof ms === 'string') return epochMsOfText(ms);
  return Number.isSafeInteger(ms) ? (ms as number) : undefined;
}
