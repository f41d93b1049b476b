import { describe, expect, it } from 'vitest';
import { parseEia } from './eia.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const response = (data: unknown[]) => bytes(JSON.stringify({ response: { total: data.length, data }, apiVersion: '2.1.8' }));
const region = (type: string, value: unknown, period = '2026-01-01T05') => ({
  period,
  respondent: 'PACW',
  'respondent-name': 'PacifiCorp West',
  type,
  'type-name': 'Demand',
  value,
  'value-units': 'megawatthours',
});
const fuel = (fueltype: string, value: unknown) => ({
  period: '2026-01-01T05',
  respondent: 'PACW',
  fueltype,
  'type-name': 'Natural gas',
  value,
  'value-units': 'megawatthours',
});
const hour5 = Date.UTC(2026, 0, 1, 5);

describe('parseEia', () => {
  it('groups region and fuel rows of one respondent and hour into one draft', () => {
    const body = response([
      region('D', '2310'),
      region('DF', 2400),
      region('NG', '1980.5'),
      region('TI', '-330'),
      fuel('NG', 1200),
      fuel('SUN', '0'),
      region('D', '2250', '2026-01-01T06'),
    ]);
    expect(parseEia(body)).toEqual([
      {
        ok: true,
        line: 1,
        draft: {
          source: 'eia',
          entity: 'eia:PACW',
          ts: hour5,
          values: { demand: 2310, forecast: 2400, net_generation: 1980.5, interchange: -330, gen_ng: 1200, gen_sun: 0 },
          units: { demand: 'MWh', forecast: 'MWh', net_generation: 'MWh', interchange: 'MWh', gen_ng: 'MWh', gen_sun: 'MWh' },
          tags: { region: 'PACW', tz: 'UTC' },
        },
      },
      {
        ok: true,
        line: 7,
        draft: {
          source: 'eia',
          entity: 'eia:PACW',
          ts: hour5 + 3_600_000,
          values: { demand: 2250 },
          units: { demand: 'MWh' },
          tags: { region: 'PACW', tz: 'UTC' },
        },
      },
    ]);
  });

  it('leaves out variables EIA published as null, and an hour with nothing else', () => {
    const body = response([region('D', null), region('NG', '1980'), region('D', null, '2026-01-01T06')]);
    expect(parseEia(body)).toMatchObject([{ ok: true, line: 1, draft: { values: { net_generation: 1980 } } }]);
  });

  it('rejects a bad row alone with its JSON, keeping the rest of its hour', () => {
    const badPeriod = region('DF', '1', '2026-01-01 05:00');
    const noRespondent = { ...region('NG', '1'), respondent: undefined };
    const badValue = region('TI', 'n/a');
    const badType = region('XX', '1');
    const body = response([region('D', '2310'), badPeriod, noRespondent, badValue, badType]);
    expect(parseEia(body)).toEqual([
      { ok: true, line: 1, draft: expect.objectContaining({ values: { demand: 2310 } }) },
      {
        ok: false,
        reason: 'wrong_type',
        message: 'period is an hour such as "2026-01-01T05", got "2026-01-01 05:00"',
        fieldPath: 'period',
        line: 2,
        raw: bytes(JSON.stringify(badPeriod)),
      },
      {
        ok: false,
        reason: 'missing_field',
        message: 'respondent is missing',
        fieldPath: 'respondent',
        line: 3,
        raw: bytes(JSON.stringify(noRespondent)),
      },
      {
        ok: false,
        reason: 'wrong_type',
        message: 'value is a number, got "n/a"',
        fieldPath: 'value',
        line: 4,
        raw: bytes(JSON.stringify(badValue)),
      },
      {
        ok: false,
        reason: 'wrong_type',
        message: 'type is one of D, DF, NG, TI, got "XX"',
        fieldPath: 'type',
        line: 5,
        raw: bytes(JSON.stringify(badType)),
      },
    ]);
  });

  it('rejects a body without response.data whole, as line 0', () => {
    const body = bytes('{"data":[]}');
    expect(parseEia(body)).toEqual([
      { ok: false, reason: 'malformed', message: 'not an EIA response: no response.data array', line: 0, raw: body },
    ]);
  });
});
