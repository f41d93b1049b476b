import { describe, expect, it } from 'vitest';
import { parseCanonicalJson } from './canonical-json.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const event = {
  source: 'meter',
  entity: 'meter:M-0001',
  ts: 1_767_225_600_000,
  values: { load: 1.25 },
  units: { load: 'kW' },
  tags: { tz: 'Europe/Berlin' },
};
const line = (fields: Record<string, unknown>) => JSON.stringify({ ...event, ...fields });

describe('parseCanonicalJson ndjson', () => {
  it('reads one event per line, skipping blank lines and CRLF endings', () => {
    const body = bytes(`${line({})}\r\n\n${line({ entity: 'meter:M-0002', ts: '2026-01-01T01:00:00+01:00', units: undefined, tags: undefined })}\n`);
    expect(parseCanonicalJson(body, 'ndjson')).toEqual([
      { ok: true, line: 1, draft: event },
      { ok: true, line: 3, draft: { ...event, entity: 'meter:M-0002', units: {}, tags: {} } },
    ]);
  });

  it('rejects a malformed line alone with its bytes', () => {
    const items = parseCanonicalJson(bytes(`${line({})}\n{"source":"meter",\n${line({ ts: 1_767_225_900_000 })}`), 'ndjson');
    expect(items.map((item) => [item.ok, item.line])).toEqual([
      [true, 1],
      [false, 2],
      [true, 3],
    ]);
    expect(items[1]).toMatchObject({ reason: 'malformed', raw: bytes('{"source":"meter",') });
  });

  it('rejects a line nested 33 deep or with invalid UTF-8 as malformed', () => {
    const deep = `{"source":"meter","x":${'['.repeat(32)}${']'.repeat(32)}}`;
    const invalid = new Uint8Array([...bytes('{"source":"m'), 0xc3, 0x28, ...bytes('"}')]);
    const body = new Uint8Array([...bytes(`${deep}\n`), ...invalid, ...bytes(`\n${line({})}`)]);
    expect(parseCanonicalJson(body, 'ndjson')).toEqual([
      { ok: false, reason: 'malformed', message: 'nested deeper than 32 levels', line: 1, raw: bytes(deep) },
      {
        ok: false,
        reason: 'malformed',
        message: 'invalid UTF-8: The encoded data was not valid for encoding utf-8',
        line: 2,
        raw: invalid,
      },
      { ok: true, line: 3, draft: event },
    ]);
  });

  it('rejects a line with a 70k-character string as malformed', () => {
    const long = line({ tags: { note: 'x'.repeat(70_000) } });
    const [item, ...rest] = parseCanonicalJson(bytes(`${long}\n${line({})}`), 'ndjson');
    // Compared as text: toEqual walks a 70 KB array element by element, slowly.
    expect({ ...item, raw: item && !item.ok ? new TextDecoder().decode(item.raw) : undefined }).toEqual({
      ok: false,
      reason: 'malformed',
      message: 'a string longer than 65536 characters',
      line: 1,
      raw: long,
    });
    expect(rest).toEqual([{ ok: true, line: 2, draft: event }]);
  });

  it('names the missing or mistyped field', () => {
    const lines = [
      line({ entity: undefined }),
      line({ ts: 'yesterday' }),
      line({ ts: '2026-01-01T00:00:00' }),
      line({ values: { load: 'abc' } }),
      line({ values: {} }),
      line({ units: { load: 1 } }),
      line({ source: 7 }),
      '[1,2]',
    ];
    expect(parseCanonicalJson(bytes(lines.join('\n')), 'ndjson')).toEqual([
      { ok: false, reason: 'missing_field', message: 'entity is missing', fieldPath: 'entity', line: 1, raw: bytes(lines[0]!) },
      {
        ok: false,
        reason: 'wrong_type',
        message: 'ts is epoch milliseconds or ISO 8601 with a zone, got "yesterday"',
        fieldPath: 'ts',
        line: 2,
        raw: bytes(lines[1]!),
      },
      {
        ok: false,
        reason: 'wrong_type',
        message: 'ts is epoch milliseconds or ISO 8601 with a zone, got "2026-01-01T00:00:00"',
        fieldPath: 'ts',
        line: 3,
        raw: bytes(lines[2]!),
      },
      {
        ok: false,
        reason: 'wrong_type',
        message: 'values.load is a number, "NaN", "Infinity" or "-Infinity", got "abc"',
        fieldPath: 'values.load',
        line: 4,
        raw: bytes(lines[3]!),
      },
      { ok: false, reason: 'missing_field', message: 'values names no variable', fieldPath: 'values', line: 5, raw: bytes(lines[4]!) },
      { ok: false, reason: 'wrong_type', message: 'units.load is a string, got 1', fieldPath: 'units.load', line: 6, raw: bytes(lines[5]!) },
      { ok: false, reason: 'wrong_type', message: 'source is a string, got 7', fieldPath: 'source', line: 7, raw: bytes(lines[6]!) },
      { ok: false, reason: 'wrong_type', message: 'an event is a JSON object, got [1,2]', line: 8, raw: bytes(lines[7]!) },
    ]);
  });

  it('passes NaN and ±Infinity through for validate to reject as not_finite', () => {
    const body = bytes(line({ values: { load: 'NaN', pv: 'Infinity', net: '-Infinity' } }));
    expect(parseCanonicalJson(body, 'ndjson')).toEqual([
      {
        ok: true,
        line: 1,
        draft: { ...event, values: { load: Number.NaN, pv: Number.POSITIVE_INFINITY, net: Number.NEGATIVE_INFINITY } },
      },
    ]);
  });
});

describe('parseCanonicalJson json', () => {
  it('reads one object as line 1', () => {
    expect(parseCanonicalJson(bytes(JSON.stringify(event)), 'json')).toEqual([{ ok: true, line: 1, draft: event }]);
  });

  it('reads an array element by element, a bad element rejected with its own JSON', () => {
    const bad = { ...event, entity: null };
    expect(parseCanonicalJson(bytes(JSON.stringify([event, bad])), 'json')).toEqual([
      { ok: true, line: 1, draft: event },
      {
        ok: false,
        reason: 'missing_field',
        message: 'entity is missing',
        fieldPath: 'entity',
        line: 2,
        raw: bytes(JSON.stringify(bad)),
      },
    ]);
  });

  it('rejects an unparseable body whole, as line 0', () => {
    const body = new Uint8Array([...bytes('[{"source":"'), 0xff, ...bytes('"}]')]);
    expect(parseCanonicalJson(body, 'json')).toEqual([
      {
        ok: false,
        reason: 'malformed',
        message: 'invalid UTF-8: The encoded data was not valid for encoding utf-8',
        line: 0,
        raw: body,
      },
    ]);
  });
});
