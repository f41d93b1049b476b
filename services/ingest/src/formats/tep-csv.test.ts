import { describe, expect, it } from 'vitest';
import { parseTepCsv } from './tep-csv.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const variables = [
  ...Array.from({ length: 41 }, (_, i) => `xmeas_${i + 1}`),
  ...Array.from({ length: 11 }, (_, i) => `xmv_${i + 1}`),
];
/** 52 readings: xmeas_i reads i, xmv_i reads 100 + i. */
const readings = [...Array.from({ length: 41 }, (_, i) => i + 1), ...Array.from({ length: 11 }, (_, i) => 101 + i)];
const values = Object.fromEntries(variables.map((name, i) => [name, readings[i]!]));

describe('parseTepCsv', () => {
  it('turns sample numbers into 3-minute steps from the start time', () => {
    const body = bytes(`sample,fault,${variables.join(',')}\n1,0,${readings.join(',')}\n3,4,${readings.join(',')}\n`);
    expect(parseTepCsv(body)).toEqual([
      { ok: true, line: 2, draft: { source: 'tep', entity: 'tep:unit-1', ts: Date.UTC(2026, 0, 1), values, units: {}, tags: { fault: '0' } } },
      {
        ok: true,
        line: 3,
        draft: { source: 'tep', entity: 'tep:unit-1', ts: Date.UTC(2026, 0, 1, 0, 6), values, units: {}, tags: { fault: '4' } },
      },
    ]);
    expect(parseTepCsv(body, { startTs: 1_000_000 }).map((item) => item.ok && item.draft.ts)).toEqual([1_000_000, 1_360_000]);
  });

  it('reads unit, run and ts, XMEAS(1)-style names and the Rieth et al. column names', () => {
    const upper = variables.map((name) => name.toUpperCase().replace(/_(\d+)$/, '($1)'));
    const body = bytes(
      `faultNumber,simulationRun,unit,ts,${upper.join(',')}\n` + `1.0,3,unit-2,2026-01-01T00:03:00Z,${readings.join(',')}\n`,
    );
    expect(parseTepCsv(body)).toEqual([
      {
        ok: true,
        line: 2,
        draft: { source: 'tep', entity: 'tep:unit-2-run3', ts: Date.UTC(2026, 0, 1, 0, 3), values, units: {}, tags: { fault: '1' } },
      },
    ]);
  });

  it('rejects a row with 51 readings or an unparseable one as malformed, alone', () => {
    const short = `2,0,${readings.slice(1).join(',')}`;
    const garbled = `3,0,x${readings.join(',')}`;
    const body = bytes(`sample,fault,${variables.join(',')}\n1,0,${readings.join(',')}\n${short}\n${garbled}\n`);
    expect(parseTepCsv(body)).toEqual([
      expect.objectContaining({ ok: true, line: 2 }),
      { ok: false, reason: 'malformed', message: 'expected 54 columns as in the header, got 53', line: 3, raw: bytes(short) },
      {
        ok: false,
        reason: 'malformed',
        message: 'xmeas_1 is not a number: "x1"',
        fieldPath: 'values.xmeas_1',
        line: 4,
        raw: bytes(garbled),
      },
    ]);
  });

  it('rejects a row without a usable time', () => {
    const body = bytes('sample,fault,xmeas_1\n0,0,1.5\n,0,1.5\n');
    expect(parseTepCsv(body)).toEqual([
      {
        ok: false,
        reason: 'malformed',
        message: 'ts is epoch ms or ISO 8601 with a zone, sample a whole number from 1; got "0"',
        fieldPath: 'sample',
        line: 2,
        raw: bytes('0,0,1.5'),
      },
      { ok: false, reason: 'missing_field', message: 'neither ts nor sample is given', fieldPath: 'ts', line: 3, raw: bytes(',0,1.5') },
    ]);
  });
});
