import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { detectFormat, parseByFormat } from './detect.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('detectFormat', () => {
  it.each([
    ['upload.bin', new Uint8Array([0x50, 0x41, 0x52, 0x31, 0x15]), 'parquet'],
    ['events.ndjson', bytes('{"source":"meter"}\n'), 'ndjson'],
    ['events.JSONL', bytes('{"source":"meter"}\n'), 'ndjson'],
    ['pacw.json', bytes('{\n  "response": {"total": 2, "data": [{"per'), 'eia'],
    ['download', bytes('{"response":{"data":[]}}'), 'eia'],
    ['events.json', bytes('[{"source":"meter","response":1}]'), 'json'],
    ['tep.csv', bytes('sample,fault,xmeas_1,xmeas_2\n1,0,0.25,3664\n'), 'tep-csv'],
    ['tep.csv', bytes('"XMEAS(1)","XMEAS(2)"\n'), 'tep-csv'],
    ['loads.csv', bytes('source,entity,ts,load[kW]\n'), 'csv'],
  ] as const)('calls %s starting %j %s', (fileName, firstBytes, format) => {
    expect(detectFormat(fileName, firstBytes)).toBe(format);
  });
});

describe('parseByFormat', () => {
  it('hands the bytes to the parser of the format', async () => {
    const draft = { source: 'meter', entity: 'meter:M-0001', ts: 1_767_225_600_000, values: { load: 2 }, units: { load: 'kW' }, tags: {} };
    const parquet = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'source', data: ['meter'], type: 'STRING' },
          { name: 'entity', data: ['meter:M-0001'], type: 'STRING' },
          { name: 'ts', data: [BigInt(draft.ts)], type: 'INT64' },
          { name: 'load[kW]', data: [2], type: 'DOUBLE' },
        ],
      }),
    );
    expect(await parseByFormat('parquet', parquet)).toEqual([{ ok: true, line: 1, draft }]);
    expect(await parseByFormat('csv', bytes('source,entity,ts,load[kW]\nmeter,meter:M-0001,1767225600000,2\n'))).toEqual([
      { ok: true, line: 2, draft },
    ]);
    expect(await parseByFormat('ndjson', bytes(JSON.stringify(draft)))).toEqual([{ ok: true, line: 1, draft }]);
    expect(await parseByFormat('json', bytes(JSON.stringify([draft])))).toEqual([{ ok: true, line: 1, draft }]);
    expect(await parseByFormat('tep-csv', bytes('sample,xmeas_1\n2,0.25\n'), { startTs: 0 })).toEqual([
      { ok: true, line: 2, draft: { source: 'tep', entity: 'tep:unit-1', ts: 180_000, values: { xmeas_1: 0.25 }, units: {}, tags: {} } },
    ]);
    const eia = bytes('{"response":{"data":[{"period":"2026-01-01T00","respondent":"PACW","type":"D","value":2}]}}');
    expect(await parseByFormat('eia', eia)).toMatchObject([{ ok: true, line: 1, draft: { entity: 'eia:PACW', values: { demand: 2 } } }]);
  });
});
