import { isJsonObject, parseGuardedJson } from './guarded-json.js';
import { nonFiniteOfText } from './number-text.js';
import { accept, excerpt, reject, type ParsedItem } from './parsed-item.js';
import { epochMsOfIso } from './timestamp.js';

const utf8 = new TextEncoder();

/**
 * Parses the canonical event format: `json` is one event or an array of them (line = element
 * index + 1), `ndjson` one event per line, where a bad line is rejected alone.
 */
export function parseCanonicalJson(body: Uint8Array, contentType: 'json' | 'ndjson'): ParsedItem[] {
  if (contentType === 'ndjson') return parseNdjson(body);
  const parsed = parseGuardedJson(body);
  if (!parsed.ok) return [reject('malformed', parsed.message, 0, body)];
  if (!Array.isArray(parsed.value)) return [parseCanonicalEvent(parsed.value, 1, body)];
  return parsed.value.map((element, index) =>
    parseCanonicalEvent(element, index + 1, utf8.encode(JSON.stringify(element))),
  );
}

function parseNdjson(body: Uint8Array): ParsedItem[] {
  const items: ParsedItem[] = [];
  let start = 0;
  for (let line = 1; start < body.length; line++) {
    const newline = body.indexOf(0x0a, start);
    const end = newline === -1 ? body.length : newline;
    // Lines are cut as bytes, so invalid UTF-8 on one line rejects only that line.
    const raw = body.subarray(start, end > start && body[end - 1] === 0x0d ? end - 1 : end);
    start = end + 1;
    if (raw.every(isJsonWhitespace)) continue;
    const parsed = parseGuardedJson(raw);
    items.push(parsed.ok ? parseCanonicalEvent(parsed.value, line, raw) : reject('malformed', parsed.message, line, raw));
  }
  return items;
}

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d;
}

/** Checks one decoded event: `{source, entity, ts, values, units?, tags?}`. */
export function parseCanonicalEvent(value: unknown, line: number, raw: Uint8Array): ParsedItem {
  const fail = (reason: 'missing_field' | 'wrong_type', message: string, fieldPath?: string) =>
    reject(reason, message, line, raw, fieldPath);
  if (!isJsonObject(value)) return fail('wrong_type', `an event is a JSON object, got ${excerpt(value)}`);
  for (const field of ['source', 'entity', 'ts', 'values']) {
    if (value[field] === undefined || value[field] === null || value[field] === '') {
      return fail('missing_field', `${field} is missing`, field);
    }
  }
  const { source, entity, ts, values } = value;
  if (typeof source !== 'string') return fail('wrong_type', `source is a string, got ${excerpt(source)}`, 'source');
  if (typeof entity !== 'string') return fail('wrong_type', `entity is a string, got ${excerpt(entity)}`, 'entity');
  const tsMs = typeof ts === 'string' ? epochMsOfIso(ts) : Number.isSafeInteger(ts) ? (ts as number) : undefined;
  if (tsMs === undefined) {
    return fail('wrong_type', `ts is epoch milliseconds or ISO 8601 with a zone, got ${excerpt(ts)}`, 'ts');
  }
  if (!isJsonObject(values)) return fail('wrong_type', `values is an object of numbers, got ${excerpt(values)}`, 'values');
  const numbers: [string, number][] = [];
  for (const [name, reading] of Object.entries(values)) {
    const parsed = typeof reading === 'number' ? reading : typeof reading === 'string' ? nonFiniteOfText(reading) : undefined;
    if (parsed === undefined) {
      return fail('wrong_type', `values.${name} is a number, "NaN", "Infinity" or "-Infinity", got ${excerpt(reading)}`, `values.${name}`);
    }
    numbers.push([name, parsed]);
  }
  if (numbers.length === 0) return fail('missing_field', 'values names no variable', 'values');
  const units = value['units'] ?? {};
  const tags = value['tags'] ?? {};
  for (const [field, map] of [['units', units], ['tags', tags]] as const) {
    if (!isJsonObject(map)) return fail('wrong_type', `${field} is an object of strings, got ${excerpt(map)}`, field);
    const badKey = Object.keys(map).find((key) => typeof map[key] !== 'string');
    if (badKey !== undefined) {
      return fail('wrong_type', `${field}.${badKey} is a string, got ${excerpt(map[badKey])}`, `${field}.${badKey}`);
    }
  }
  return accept(
    {
      source,
      entity,
      ts: tsMs,
      // fromEntries defines own properties, so a variable named __proto__ stays a variable.
      values: Object.fromEntries(numbers),
      units: units as Record<string, string>,
      tags: tags as Record<string, string>,
    },
    line,
  );
}
