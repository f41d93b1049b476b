import { describe, expect, it } from 'vitest';
import { parseGenericCsv } from './generic-csv.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const header = 'source,entity,ts,load[kW],pv[kW],temp,tag:tz';

describe('parseGenericCsv', () => {
  it('reads units from the header and tags from tag: columns; an empty cell is absent', () => {
    const body = bytes(
      `${header}\n` +
        'meter,meter:M-0001,1767225600000,1.25,0.5,7,Europe/Berlin\n' +
        'meter,meter:M-0002,2026-01-01T00:15:00Z,2,,NaN,"Europe/Berlin"\n',
    );
    expect(parseGenericCsv(body)).toEqual([
      {
        ok: true,
        line: 2,
        draft: {
          source: 'meter',
          entity: 'meter:M-0001',
          ts: 1_767_225_600_000,
          values: { load: 1.25, pv: 0.5, temp: 7 },
          units: { load: 'kW', pv: 'kW' },
          tags: { tz: 'Europe/Berlin' },
        },
      },
      {
        ok: true,
        line: 3,
        draft: {
          source: 'meter',
          entity: 'meter:M-0002',
          ts: 1_767_226_500_000,
          values: { load: 2, temp: Number.NaN },
          units: { load: 'kW' },
          tags: { tz: 'Europe/Berlin' },
        },
      },
    ]);
  });

  it('rejects bad rows one by one with their text', () => {
    const rows = [
      'meter,meter:M-0001,1767225600000,1.25,0.5,7',
      'meter,meter:M-0001,1767225600000,abc,0.5,7,UTC',
      'meter,meter:M-0001,yesterday,1,0.5,7,UTC',
      'meter,,1767225600000,1,0.5,7,UTC',
      'meter,meter:M-0001,1767225600000,,,,UTC',
      'meter,meter:M-0001,1767225600000,1,0.5,7,UTC',
    ];
    const items = parseGenericCsv(bytes([header, ...rows].join('\r\n')));
    expect(items.slice(0, 5)).toEqual([
      { ok: false, reason: 'malformed', message: 'expected 7 columns as in the header, got 6', line: 2, raw: bytes(rows[0]!) },
      {
        ok: false,
        reason: 'wrong_type',
        message: 'load is a number, got "abc"',
        fieldPath: 'values.load',
        line: 3,
        raw: bytes(rows[1]!),
      },
      {
        ok: false,
        reason: 'wrong_type',
        message: 'ts is epoch milliseconds or ISO 8601 with a zone, got "yesterday"',
        fieldPath: 'ts',
        line: 4,
        raw: bytes(rows[2]!),
      },
      { ok: false, reason: 'missing_field', message: 'entity is empty', fieldPath: 'entity', line: 5, raw: bytes(rows[3]!) },
      { ok: false, reason: 'missing_field', message: 'the row has no value', fieldPath: 'values', line: 6, raw: bytes(rows[4]!) },
    ]);
    expect(items[5]).toMatchObject({ ok: true, line: 7 });
  });

  it('rejects broken quoting whole, as line 0', () => {
    const body = bytes(`${header}\nmeter,"meter:M-0001,1767225600000,1,0.5,7,UTC\n`);
    expect(parseGenericCsv(body)).toEqual([
      {
        ok: false,
        reason: 'malformed',
        message: 'not CSV: Quote Not Closed: the parsing is finished with an opening quote at line 2',
        line: 0,
        raw: body,
      },
    ]);
  });
});
