import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { parseParquet } from './parquet.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const t0 = 1_767_225_600_000;

describe('parseParquet', () => {
  it('reads the wide columns back from a file hyparquet-writer wrote, int64 ts as a number', async () => {
    const file = parquetWriteBuffer({
      columnData: [
        { name: 'source', data: ['meter', 'meter', 'meter'], type: 'STRING' },
        { name: 'entity', data: ['meter:M-0001', 'meter:M-0002', null], type: 'STRING' },
        { name: 'ts', data: [BigInt(t0), BigInt(t0 + 900_000), BigInt(t0)], type: 'INT64' },
        { name: 'load[kW]', data: [1.25, Number.NaN, 3], type: 'DOUBLE' },
        { name: 'pv[kW]', data: [0.5, null, 1], type: 'DOUBLE' },
        { name: 'tag:tz', data: ['Europe/Berlin', 'UTC', 'UTC'], type: 'STRING' },
      ],
    });
    expect(await parseParquet(new Uint8Array(file))).toEqual([
      {
        ok: true,
        line: 1,
        draft: {
          source: 'meter',
          entity: 'meter:M-0001',
          ts: t0,
          values: { load: 1.25, pv: 0.5 },
          units: { load: 'kW', pv: 'kW' },
          tags: { tz: 'Europe/Berlin' },
        },
      },
      {
        ok: true,
        line: 2,
        draft: {
          source: 'meter',
          entity: 'meter:M-0002',
          ts: t0 + 900_000,
          values: { load: Number.NaN },
          units: { load: 'kW' },
          tags: { tz: 'UTC' },
        },
      },
      {
        ok: false,
        reason: 'missing_field',
        message: 'entity is empty',
        fieldPath: 'entity',
        line: 3,
        raw: bytes(`{"source":"meter","entity":null,"ts":"${t0}","load[kW]":3,"pv[kW]":1,"tag:tz":"UTC"}`),
      },
    ]);
  });

  it('takes ts as a timestamp column or ISO text', async () => {
    const withTimestamp = parquetWriteBuffer({
      columnData: [
        { name: 'source', data: ['meter'], type: 'STRING' },
        { name: 'entity', data: ['meter:M-0001'], type: 'STRING' },
        { name: 'ts', data: [new Date(t0)], type: 'TIMESTAMP' },
        { name: 'load', data: [2], type: 'DOUBLE' },
      ],
    });
    const withText = parquetWriteBuffer({
      columnData: [
        { name: 'source', data: ['meter'], type: 'STRING' },
        { name: 'entity', data: ['meter:M-0001'], type: 'STRING' },
        { name: 'ts', data: ['2026-01-01T00:00:00Z'], type: 'STRING' },
        { name: 'load', data: [2], type: 'DOUBLE' },
      ],
    });
    const draft = { source: 'meter', entity: 'meter:M-0001', ts: t0, values: { load: 2 }, units: {}, tags: {} };
    expect(await parseParquet(new Uint8Array(withTimestamp))).toEqual([{ ok: true, line: 1, draft }]);
    expect(await parseParquet(new Uint8Array(withText))).toEqual([{ ok: true, line: 1, draft }]);
  });

  it('rejects bytes that are not Parquet whole, as line 0', async () => {
    const body = bytes('source,entity,ts\n');
    expect(await parseParquet(body)).toEqual([
      {
        ok: false,
        reason: 'malformed',
        message: 'not a readable Parquet file: parquet file invalid (footer != PAR1)',
        line: 0,
        raw: body,
      },
    ]);
  });
});
