import { describe, expect, it } from 'vitest';
import { deadLetter, emit, quality, testContext } from '@gridstream/runtime';
import type { Measurement } from '@gridstream/schemas';
import { validate } from './transform.js';

const nowMs = Date.UTC(2026, 0, 1, 12);
const ctx = testContext({ maxFutureSkewMs: 300_000 }, { nowMs });

function meter(overrides: Partial<Measurement> = {}): Measurement {
  return {
    source: 'meter',
    entity: 'meter:M-0001',
    ts: Date.UTC(2026, 0, 1, 11, 45),
    values: { load: 1.5, pv: 0.25 },
    units: { load: 'kW', pv: 'kW' },
    tags: { tz: 'Europe/Berlin' },
    eventId: 'e1',
    ingestedAt: nowMs,
    batch: null,
    ...overrides,
  };
}

function tep(values: Record<string, number>): Measurement {
  const all: Record<string, number> = {};
  for (let i = 1; i <= 41; i++) all[`xmeas_${i}`] = 50;
  for (let i = 1; i <= 11; i++) all[`xmv_${i}`] = 40;
  return meter({ source: 'tep', entity: 'tep:unit-1', values: { ...all, ...values }, units: {}, tags: { fault: '0' } });
}

/** What validate makes of a record, without its quality figures. */
const verdict = (m: Measurement) => validate(m, undefined, ctx).filter((output) => output.kind !== 'quality');

describe('validate', () => {
  it('counts valid and invalid records per source, rejected ones with a bad ts or unknown source by arrival time', () => {
    const figures = (m: Measurement) => validate(m, undefined, ctx).filter((output) => output.kind === 'quality');
    expect(figures(meter())).toEqual([quality('meter', 'valid', 1, meter().ts)]);
    expect(figures(meter({ values: { load: -1 } }))).toEqual([quality('meter', 'invalid', 1, meter().ts)]);
    expect(figures(meter({ ts: Date.UTC(2027, 0, 1) }))).toEqual([quality('meter', 'invalid', 1, nowMs)]);
    expect(figures(meter({ source: 'scada', entity: 'scada:1' }))).toEqual([quality('unknown', 'invalid', 1, nowMs)]);
  });

  it('passes a measurement that meets its contract, keyed by entity, unchanged', () => {
    const m = meter();
    expect(verdict(m)).toEqual([emit('meter:M-0001', m)]);
  });

  it('accepts every unit of a quantity and checks the range in the contract unit', () => {
    expect(verdict(meter({ values: { load: 1500 }, units: { load: 'W' } }))[0]?.kind).toBe('emit');
    expect(verdict(meter({ values: { load: 11 }, units: { load: 'MW' } }))).toEqual([
      deadLetter('out_of_range', 'load 11 MW is outside 0..10000 kW', 'values.load'),
    ]);
  });

  it.each([
    ['unknown source', meter({ source: 'scada', entity: 'scada:1' }), deadLetter('unknown_source', 'no contract for source "scada"; known: meter, eia, weather, tep', 'source')],
    ['entity of another source', meter({ entity: 'eia:PACW' }), deadLetter('unknown_source', 'entity "eia:PACW" does not start with "meter:"', 'entity')],
    ['missing required variable', meter({ values: { pv: 1 } }), deadLetter('missing_field', 'load is required for source meter', 'values.load')],
    ['NaN', meter({ values: { load: Number.NaN } }), deadLetter('not_finite', 'load is NaN', 'values.load')],
    ['Infinity', meter({ values: { load: Number.POSITIVE_INFINITY } }), deadLetter('not_finite', 'load is Infinity', 'values.load')],
    ['negative load', meter({ values: { load: -0.1 } }), deadLetter('out_of_range', 'load -0.1 kW is outside 0..10000 kW', 'values.load')],
    ['unknown unit', meter({ units: { load: 'kWh', pv: 'kW' } }), deadLetter('unknown_unit', 'load in "kWh"; power takes W, kW, MW', 'units.load')],
    ['unit-less power', meter({ units: { pv: 'kW' } }), deadLetter('unknown_unit', 'load in ""; power takes W, kW, MW', 'units.load')],
    ['undeclared variable', meter({ values: { load: 1, lod: 2 } }), deadLetter('unknown_field', 'lod is not a variable of source meter', 'values.lod')],
    ['missing tz', meter({ tags: {} }), deadLetter('missing_field', 'tag "tz" is required for source meter', 'tags.tz')],
    ['bad tz', meter({ tags: { tz: 'Mars/Olympus' } }), deadLetter('unknown_time_zone', '"Mars/Olympus" is not an IANA time zone, e.g. Europe/Berlin', 'tags.tz')],
    ['before 1970', meter({ ts: -1 }), deadLetter('out_of_range', 'ts -1 is before 1970', 'ts')],
    [
      'far future',
      meter({ ts: Date.UTC(2027, 0, 1) }),
      deadLetter('future_ts', 'ts 2027-01-01T00:00:00.000Z is more than 300000 ms after now (2026-01-01T12:00:00.000Z)', 'ts'),
    ],
    ['TEP valve beyond 100 %', tep({ xmv_3: 100.5 }), deadLetter('out_of_range', 'xmv_3 100.5 is outside 0..100', 'values.xmv_3')],
    // Names that are also Object.prototype's properties: once a crash (unprocessable) and a unit that passed.
    ['source named constructor', meter({ source: 'constructor', entity: 'constructor:1' }), deadLetter('unknown_source', 'no contract for source "constructor"; known: meter, eia, weather, tep', 'source')],
    ['variable named constructor', meter({ values: { load: 1, constructor: 2 } }), deadLetter('unknown_field', 'constructor is not a variable of source meter', 'values.constructor')],
    ['unit named toString', meter({ units: { load: 'toString', pv: 'kW' } }), deadLetter('unknown_unit', 'load in "toString"; power takes W, kW, MW', 'units.load')],
    ['unit for a variable named constructor', meter({ units: { load: 'kW', pv: 'kW', constructor: 'kW' } }), deadLetter('unknown_field', 'unit given for constructor, which has no value', 'units.constructor')],
    ['1 MB entity', meter({ entity: `meter:${'x'.repeat(1_000_000)}` }), deadLetter('malformed', 'entity is 1000006 characters, more than 256', 'entity')],
    ['1 MB tag value', meter({ tags: { tz: 'UTC', site: 'x'.repeat(1_000_000) } }), deadLetter('malformed', 'tags.site is 1000000 characters, more than 256', 'tags.site')],
    ['1 MB unit', meter({ units: { load: 'k'.repeat(1_000_000), pv: 'kW' } }), deadLetter('malformed', 'units.load is 1000000 characters, more than 256', 'units.load')],
    ['variable name of 300 characters', meter({ values: { load: 1, ['v'.repeat(300)]: 1 } }), deadLetter('malformed', 'a name in values is 300 characters, more than 256', 'values')],
  ])('dead-letters %s with a reason and the field path', (_kind, m, expected) => {
    expect(verdict(m)).toEqual([expected]);
  });

  it('lets EIA publish its forecast up to two days ahead, and takes any gen_<fuel>', () => {
    const eia = meter({
      source: 'eia',
      entity: 'eia:PACW',
      ts: nowMs + 24 * 3_600_000,
      values: { forecast: 3050, gen_sun: 120 },
      units: { forecast: 'MWh', gen_sun: 'MWh' },
      tags: { region: 'PACW' },
    });
    expect(verdict(eia)[0]?.kind).toBe('emit');
    expect(verdict({ ...eia, values: { gen_: 1 }, units: { gen_: 'MWh' } })).toEqual([
      deadLetter('unknown_field', 'gen_ is not a variable of source eia', 'values.gen_'),
    ]);
  });

  it('requires every TEP variable and accepts them without units', () => {
    expect(verdict(tep({}))[0]?.kind).toBe('emit');
    const { xmeas_7: _dropped, ...incomplete } = tep({}).values;
    expect(verdict({ ...tep({}), values: incomplete })).toEqual([
      deadLetter('missing_field', 'xmeas_7 is required for source tep', 'values.xmeas_7'),
    ]);
  });
});
