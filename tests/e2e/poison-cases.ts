import type { DlqReason } from '@gridstream/runtime';
import type { Measurement } from '@gridstream/schemas';

/** Event time of every record unless a case changes it: in the past, so never `future_ts`. */
const ts = Date.UTC(2026, 0, 1, 12);
const oneMb = 1_000_000;

export type EntryPoint = 'http' | 'file' | 'ingest.json' | 'raw';

/** A Kafka record as a foreign producer writes it; header values may be any bytes. */
export interface ForeignRecord {
  key: string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string>;
}

/** An HTTP request of its own, and the status it must be answered with. */
export interface HttpRequest {
  contentType: string;
  body: string | Buffer;
  query?: string;
  authorization?: string;
  /** Declared instead of sending the body: the server answers 413 before reading one, and a client still writing gets EPIPE. */
  contentLength?: number;
  status: number;
}

export type Payload =
  | { line: string | Buffer } // one line of the shared NDJSON request
  | { request: HttpRequest }
  | { file: { name: string; bytes: string | Buffer } }
  | { record: ForeignRecord } // on the entry point's topic
  | { records: ForeignRecord[] };

/**
 * Where a case must end up: dead-lettered by a stage with a reason, passed on to `<p>.valid`
 * (that many records, keyed by their entity), or answered by HTTP with nothing written.
 */
export type Outcome = { stage: 'ingest' | 'validate'; reason: DlqReason } | { passes: number } | { answered: number };

export interface PoisonCase {
  /** Unique; it is the record's key (`poison:<id>`), its `case` tag, or its entity's id, so its results can be found. */
  id: string;
  kind: string;
  entry: EntryPoint;
  outcome: Outcome;
  payload: Payload;
  /** Dead letters it makes when not 1. */
  deadLetters?: number;
  /** Entity ids of good records the payload carries itself (beside the one sent after every case). */
  goods?: string[];
}

/** What building payloads needs from the running pipeline. */
export interface CaseContext {
  encodeRaw: (m: Measurement) => Buffer;
  /** A FeatureVector in the wire format, under the schema id of its own subject. */
  featureVectorBytes: Buffer;
  /** The id of a JSON Schema registered under another subject. */
  jsonSchemaId: number;
}

/** A good canonical event of a case (tagged with its id); each kind breaks one thing about it. */
export function event(id: string, overrides: Record<string, unknown> = {}) {
  const { tags, ...rest } = overrides;
  return {
    source: 'meter',
    entity: `meter:${id}`,
    ts,
    values: { load: 1.5 },
    units: { load: 'kW' },
    ...rest,
    tags: { tz: 'Europe/Berlin', case: id, ...(tags as object) },
  };
}

/** A good event, by entity only: it must reach `<p>.valid`. */
export const goodEvent = (id: string) => ({ source: 'meter', entity: `meter:${id}`, ts, values: { load: 2 }, units: { load: 'kW' }, tags: { tz: 'UTC' } });

/** The same event as a foreign producer's Measurement on `<p>.raw`. */
export function measurement(id: string, overrides: Partial<Measurement> = {}): Measurement {
  const { tags, ...rest } = overrides;
  return { ...event(id), eventId: `foreign-${id}`, ingestedAt: ts, batch: null, ...rest, tags: { tz: 'UTC', case: id, ...tags } };
}

const line = (id: string, overrides: Record<string, unknown> = {}) => ({ line: JSON.stringify(event(id, overrides)) });
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const nested = (depth: number) => `{"source":"meter","deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;
const latin1 = (text: string) => Buffer.from(text, 'latin1');
/** Confluent framing: magic byte 0 and a 4-byte schema id. */
const framed = (schemaId: number, body: Buffer) => Buffer.concat([Buffer.from([0, schemaId >>> 24, (schemaId >>> 16) & 255, (schemaId >>> 8) & 255, schemaId & 255]), body]);

const tepVariables = [...Array.from({ length: 41 }, (_, i) => `xmeas_${i + 1}`), ...Array.from({ length: 11 }, (_, i) => `xmv_${i + 1}`)];
/** A TEP CSV: `unit,sample,fault,<variables>`, one row per unit id (its entity is `tep:<unit>`), every value 42. */
function tepCsv(variables: string[], rows: Array<{ unit: string; cells?: number; override?: [string, number] }>): string {
  const body = rows.map(({ unit, cells = variables.length, override }, i) =>
    [unit, i + 1, 0, ...variables.slice(0, cells).map((name) => (name === override?.[0] ? override[1] : 42))].join(','),
  );
  return [['unit', 'sample', 'fault', ...variables].join(','), ...body].join('\n');
}

const poison = (id: string) => `poison:${id}`;
const badJson = '{"source":"meter","entity":';

export function poisonCases({ encodeRaw, featureVectorBytes, jsonSchemaId }: CaseContext): PoisonCase[] {
  const rawOf = (id: string, overrides: Partial<Measurement> = {}) => encodeRaw(measurement(id, overrides));
  const good = rawOf('good-unused');
  const schemaId = good.readInt32BE(1);
  const http = (id: string, kind: string, outcome: Outcome, payload: Payload, goods?: string[]): PoisonCase => ({ id, kind, entry: 'http', outcome, payload, ...(goods && { goods }) });
  const ingest = (reason: DlqReason): Outcome => ({ stage: 'ingest', reason });
  const validate = (reason: DlqReason): Outcome => ({ stage: 'validate', reason });

  return [
    // HTTP: lines of one NDJSON request, each followed by a good line.
    http('h-syntax', 'JSON that does not parse', ingest('malformed'), { line: badJson }),
    http('h-no-entity', 'entity missing', ingest('missing_field'), line('h-no-entity', { entity: undefined })),
    http('h-array', 'an event that is an array', ingest('wrong_type'), { line: '[1,2,3]' }),
    http('h-ts-no-zone', 'ISO timestamp without a zone', ingest('wrong_type'), line('h-ts-no-zone', { ts: '2026-01-01T12:00:00' })),
    http('h-num-string-huge', 'number as a string beyond double range ("1e400")', ingest('wrong_type'), line('h-num-string-huge', { values: { load: '1e400' } })),
    http('h-bad-utf8', 'invalid UTF-8 in a JSON string', ingest('malformed'), { line: Buffer.concat([Buffer.from('{"source":"meter","entity":"meter:'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]) }),
    http('h-nested', 'JSON nested 10 000 levels deep', ingest('malformed'), { line: nested(10_000) }),
    http('h-entity-1mb', '1 MB entity', ingest('malformed'), line('h-entity-1mb', { entity: `meter:${'x'.repeat(oneMb)}` })),
    http('h-nan', 'value "NaN"', validate('not_finite'), line('h-nan', { values: { load: 'NaN' } })),
    http('h-minus-inf', 'value "-Infinity"', validate('not_finite'), line('h-minus-inf', { values: { load: '-Infinity' } })),
    // JSON.parse reads 1e400 as Infinity; JSON.stringify cannot write it, so the line is patched.
    http('h-num-huge', 'number literal beyond double range (1e400)', validate('not_finite'), { line: line('h-num-huge').line.replace('"load":1.5', '"load":1e400') }),
    http('h-negative', 'negative load', validate('out_of_range'), line('h-negative', { values: { load: -4 } })),
    http('h-before-1970', 'timestamp before 1970', validate('out_of_range'), line('h-before-1970', { ts: '1969-07-20T20:17:40Z' })),
    http('h-after-2100', 'timestamp after 2100', validate('future_ts'), line('h-after-2100', { ts: '2101-01-01T00:00:00Z' })),
    http('h-wrong-unit', 'energy unit for a power variable', validate('unknown_unit'), line('h-wrong-unit', { units: { load: 'kWh' } })),
    http('h-no-unit', 'value without the unit its contract needs', validate('unknown_unit'), line('h-no-unit', { units: {} })),
    http('h-proto-unit', 'unit named like an Object method ("toString")', validate('unknown_unit'), line('h-proto-unit', { units: { load: 'toString' } })),
    http('h-unknown-source', 'unknown source', validate('unknown_source'), line('h-unknown-source', { source: 'scada', entity: 'scada:7' })),
    http('h-proto-source', 'source named like an Object property ("constructor")', validate('unknown_source'), line('h-proto-source', { source: 'constructor', entity: 'constructor:1' })),
    http('h-other-entity', 'entity id of another source', validate('unknown_source'), line('h-other-entity', { entity: 'eia:PACW' })),
    http('h-bad-tz', 'time zone that does not exist', validate('unknown_time_zone'), line('h-bad-tz', { tags: { tz: 'Mars/Olympus' } })),
    http('h-no-load', 'required variable missing', validate('missing_field'), line('h-no-load', { values: { pv: 1 }, units: { pv: 'kW' } })),
    http('h-undeclared', 'variable the contract does not declare', validate('unknown_field'), line('h-undeclared', { values: { load: 1, lod: 2 }, units: { load: 'kW', lod: 'kW' } })),
    http('h-proto-variable', 'variable named like an Object property ("constructor")', validate('unknown_field'), line('h-proto-variable', { values: { load: 1, constructor: 2 } })),
    // JSON.parse keeps the key; the Avro record on <p>.raw then carries it as a map key, which validate's decoder refuses.
    http('h-proto-proto', 'variable named __proto__', validate('undecodable'), line('h-proto-proto', { values: { load: 1, ['__proto__']: 2 } })),

    // HTTP: requests of their own.
    http('h-empty-json', 'empty JSON body', ingest('malformed'), { request: { contentType: 'application/json', body: '', status: 400 } }),
    http('h-latin1', 'body in the ISO-8859-1 charset it declares', ingest('malformed'), {
      request: { contentType: 'application/x-ndjson; charset=iso-8859-1', body: Buffer.concat([latin1(JSON.stringify(event('h-latin1', { tags: { site: 'Müller' } }))), Buffer.from(`\n${JSON.stringify(goodEvent('good-latin1'))}`)]), status: 202 },
    }, ['good-latin1']),
    http('h-eia-type', 'EIA row with an unknown type code', ingest('wrong_type'), {
      request: {
        contentType: 'application/json',
        query: '?format=eia',
        body: JSON.stringify({ response: { data: [{ period: '2026-01-01T05', respondent: 'GOODEIA', type: 'XX', value: 1 }, { period: '2026-01-01T05', respondent: 'GOODEIA', type: 'D', value: 3000 }] } }),
        status: 202,
      },
    }, ['GOODEIA']),
    http('h-csv-text', 'CSV cell that is not a number', ingest('wrong_type'), {
      request: { contentType: 'text/csv', body: `source,entity,ts,load[kW],tag:tz\nmeter,meter:h-csv-text,${ts},abc,UTC\nmeter,meter:good-csv,${ts},2,UTC\n`, status: 202 },
    }, ['good-csv']),
    http('h-csv-huge', 'CSV number beyond double range (1e400)', validate('not_finite'), {
      request: { contentType: 'text/csv', body: `source,entity,ts,load[kW],tag:tz,tag:case\nmeter,meter:h-csv-huge,${ts},1e400,UTC,h-csv-huge\n`, status: 202 },
    }),
    http('h-line-2mb', '2 MB line (more than a Kafka record holds)', ingest('malformed'), {
      request: { contentType: 'application/x-ndjson', body: `${JSON.stringify(event('h-line-2mb', { note: 'x'.repeat(2 * oneMb) }))}\n${JSON.stringify(goodEvent('good-line-2mb'))}`, status: 202 },
    }, ['good-line-2mb']),
    { ...http('h-bad-lines', '5 000 bad lines in one body', ingest('malformed'), { request: { contentType: 'application/x-ndjson', body: `${'{"x":\n'.repeat(5_000)}${JSON.stringify(goodEvent('good-bad-lines'))}`, status: 202 } }, ['good-bad-lines']), deadLetters: 5_000 },
    http('h-csv-header-only', 'CSV with a header only', { answered: 202 }, { request: { contentType: 'text/csv', body: 'source,entity,ts,load[kW],tag:tz\n', status: 202 } }),
    http('h-token', 'wrong bearer token', { answered: 401 }, { request: { contentType: 'application/x-ndjson', body: JSON.stringify(goodEvent('never')), authorization: 'Bearer wrong-token-0123456789', status: 401 } }),
    http('h-content-type', 'unsupported content type', { answered: 415 }, { request: { contentType: 'text/plain', body: JSON.stringify(goodEvent('never')), status: 415 } }),
    http('h-too-large', 'body over INGEST_MAX_BODY_BYTES', { answered: 413 }, { request: { contentType: 'application/x-ndjson', body: '', contentLength: 5 * 2 ** 20, status: 413 } }),

    // Files, each beside a good row.
    {
      id: 'f-csv-cells', kind: 'CSV row with one cell too many', entry: 'file', outcome: ingest('malformed'), goods: ['good-f-csv'],
      payload: { file: { name: 'cells.csv', bytes: `source,entity,ts,load[kW],tag:tz\nmeter,meter:good-f-csv,${ts},2.5,UTC\nmeter,meter:f-csv-cells,${ts},2.5,UTC,surplus\n` } },
    },
    {
      id: 'f-csv-utf8', kind: 'CSV file with invalid UTF-8 (the whole file is refused)', entry: 'file', outcome: ingest('malformed'),
      payload: { file: { name: 'latin1.csv', bytes: latin1(`source,entity,ts,load[kW],tag:site\nmeter,meter:f-csv-utf8,${ts},2.5,Müller\n`) } },
    },
    {
      id: 'f-tep-51', kind: 'TEP row with 51 variables (52 in the header)', entry: 'file', outcome: ingest('malformed'), goods: ['good-f-tep'],
      payload: { file: { name: 'tep51.csv', bytes: tepCsv(tepVariables, [{ unit: 'good-f-tep' }, { unit: 'f-tep-51', cells: 51 }]) } },
    },
    {
      id: 'f-tep-header-51', kind: 'TEP file whose header has 51 variables (xmv_11 missing)', entry: 'file', outcome: validate('missing_field'),
      payload: { file: { name: 'tep-header51.csv', bytes: tepCsv(tepVariables.slice(0, 51), [{ unit: 'f-tep-header-51' }]) } },
    },
    {
      id: 'f-tep-range', kind: 'TEP valve beyond 100 %', entry: 'file', outcome: validate('out_of_range'),
      payload: { file: { name: 'tep-range.csv', bytes: tepCsv(tepVariables, [{ unit: 'f-tep-range', override: ['xmv_3', 150] }]) } },
    },
    {
      id: 'f-parquet', kind: 'truncated Parquet file', entry: 'file', outcome: ingest('malformed'),
      payload: { file: { name: 'cut.parquet', bytes: Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7)]) } },
    },

    // <p>.ingest.json, written by a foreign producer; each record followed by a good one.
    ...([
      ['j-syntax', 'JSON that does not parse', ingest('malformed'), { record: { key: poison('j-syntax'), value: '{"not json' } }],
      ['j-ts-word', 'ts that is a word', ingest('wrong_type'), { record: { key: poison('j-ts-word'), value: json(event('j-ts-word', { ts: 'yesterday' })) } }],
      ['j-bad-utf8', 'invalid UTF-8 in a record', ingest('malformed'), { record: { key: poison('j-bad-utf8'), value: Buffer.concat([json(event('j-bad-utf8')).subarray(0, 20), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]) } }],
      ['j-tag-1mb', '1 MB tag value', ingest('malformed'), { record: { key: poison('j-tag-1mb'), value: json(event('j-tag-1mb', { tags: { site: 'x'.repeat(oneMb) } })) } }],
      ['j-nested', 'JSON nested 10 000 levels deep', ingest('malformed'), { record: { key: poison('j-nested'), value: nested(10_000) } }],
      ['j-tombstone', 'tombstone (null value)', ingest('malformed'), { record: { key: poison('j-tombstone'), value: null } }],
      ['j-empty', 'zero-length value', ingest('malformed'), { record: { key: poison('j-empty'), value: '' } }],
      ['j-array', 'array with a bad element beside a good one', ingest('missing_field'), { record: { key: poison('j-array'), value: json([goodEvent('good-j-array'), event('j-array', { ts: undefined })]) } }, ['good-j-array']],
      ['j-header-utf8', 'header value of invalid UTF-8', ingest('malformed'), { record: { key: poison('j-header-utf8'), value: badJson, headers: { origin: Buffer.from([0xff, 0xfe, 0xc3]) } } }],
      ['j-header-100k', '100 KiB header', ingest('malformed'), { record: { key: poison('j-header-100k'), value: badJson, headers: { trace: 'h'.repeat(100 * 1024) } } }],
      ['j-header-huge', '400 KiB header', ingest('malformed'), { record: { key: poison('j-header-huge'), value: badJson, headers: { trace: 'h'.repeat(400 * 1024) } } }],
      ['j-key', 'key that disagrees with the entity', { passes: 1 }, { record: { key: 'meter:somebody-else', value: json(event('j-key')) } }],
    ] as const).map(([id, kind, outcome, payload, goods]): PoisonCase => ({ id, kind, entry: 'ingest.json', outcome, payload, ...(goods && { goods: [...goods] }) })),

    // <p>.raw, Avro written by a foreign producer; each record followed by a good one.
    ...([
      ['r-magic', 'magic byte 1', validate('undecodable'), { record: { key: poison('r-magic'), value: Buffer.concat([Buffer.from([1]), good.subarray(1)]) } }],
      ['r-unknown-id', 'schema id that does not exist', validate('undecodable'), { record: { key: poison('r-unknown-id'), value: framed(0x7ffffff0, good.subarray(5)) } }],
      ['r-truncated', 'truncated Avro', validate('undecodable'), { record: { key: poison('r-truncated'), value: good.subarray(0, good.length - 6) } }],
      // source "m", entity "e", then a values map declaring 2^31 entries in 10 bytes of body
      ['r-huge-map', 'map declaring 2^31 entries', validate('undecodable'), { record: { key: poison('r-huge-map'), value: framed(schemaId, Buffer.from([2, 0x6d, 2, 0x65, 0, 0x80, 0x80, 0x80, 0x80, 0x10])) } }],
      ['r-bad-utf8', 'invalid UTF-8 in an Avro string', validate('undecodable'), { record: { key: poison('r-bad-utf8'), value: Buffer.from(rawOf('r-bad-utf8').toString('latin1').replace('meter:r-bad', 'meter:r\xffbad'), 'latin1') } }],
      // source "m", entity "e", ts 2^61 (zigzag varint), then empty maps and strings, ingestedAt 0 and a null batch
      ['r-long-ts', 'ts beyond 2^53 (precision lost)', validate('undecodable'), { record: { key: poison('r-long-ts'), value: framed(schemaId, Buffer.from([2, 0x6d, 2, 0x65, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0, 0, 0, 0, 0, 0])) } }],
      ['r-tombstone', 'tombstone (null value)', validate('undecodable'), { record: { key: poison('r-tombstone'), value: null } }],
      ['r-empty', 'zero-length value', validate('undecodable'), { record: { key: poison('r-empty'), value: Buffer.alloc(0) } }],
      ['r-nan', 'NaN double', validate('not_finite'), { record: { key: poison('r-nan'), value: rawOf('r-nan', { values: { load: Number.NaN } }) } }],
      ['r-entity-1mb', '1 MB entity', validate('malformed'), { record: { key: poison('r-entity-1mb'), value: rawOf('r-entity-1mb', { entity: `meter:${'x'.repeat(oneMb)}` }) } }],
      ['r-tag-1mb', '1 MB tag value', validate('malformed'), { record: { key: poison('r-tag-1mb'), value: rawOf('r-tag-1mb', { tags: { site: 'x'.repeat(oneMb) } }) } }],
      ['r-unit-1mb', '1 MB unit', validate('malformed'), { record: { key: poison('r-unit-1mb'), value: rawOf('r-unit-1mb', { units: { load: 'k'.repeat(oneMb) } }) } }],
      ['r-header-utf8', 'header value of invalid UTF-8', validate('out_of_range'), { record: { key: poison('r-header-utf8'), value: rawOf('r-header-utf8', { values: { load: -1 } }), headers: { origin: Buffer.from([0xff, 0xfe, 0xc3]) } } }],
      ['r-header-100k', '100 KiB header', validate('out_of_range'), { record: { key: poison('r-header-100k'), value: rawOf('r-header-100k', { values: { load: -1 } }), headers: { trace: 'h'.repeat(100 * 1024) } } }],
      ['r-header-huge', '400 KiB header', validate('out_of_range'), { record: { key: poison('r-header-huge'), value: rawOf('r-header-huge', { values: { load: -1 } }), headers: { trace: 'h'.repeat(400 * 1024) } } }],
      ['r-good-bad-headers', 'good record with corrupted headers', { passes: 1 }, { record: { key: 'meter:r-good-bad-headers', value: rawOf('r-good-bad-headers'), headers: { origin: Buffer.from([0xff]), trace: 'h'.repeat(100 * 1024) } } }],
      ['r-key', 'key that disagrees with the entity', { passes: 1 }, { record: { key: 'meter:somebody-else', value: rawOf('r-key') } }],
      ['r-no-key', 'no key', { passes: 1 }, { record: { key: null, value: rawOf('r-no-key') } }],
      // (entity, ts) identifies a measurement: validate passes both, and clean keeps the first (docs/clean.md).
      ['r-dup-event-id', 'duplicated eventId with different values', { passes: 2 }, {
        records: [1, 2].map((load) => ({ key: 'meter:r-dup-event-id', value: rawOf('r-dup-event-id', { values: { load }, eventId: 'same-event' }) })),
      }],
      ['r-feature-vector', 'FeatureVector (schema id of another subject)', validate('undecodable'), { record: { key: poison('r-feature-vector'), value: featureVectorBytes } }],
      // Its dead letter is the record plus context headers: larger than the broker lets a default topic hold.
      ['r-at-limit', 'record at the broker\'s size limit', validate('undecodable'), { record: { key: poison('r-at-limit'), value: framed(0x7ffffff0, Buffer.alloc(1_048_395, 7)) } }],
      ['r-json-schema', 'schema id of a JSON Schema', validate('undecodable'), { record: { key: poison('r-json-schema'), value: framed(jsonSchemaId, Buffer.from('{"load":1}')) } }],
    ] as const).map(([id, kind, outcome, payload]): PoisonCase => ({ id, kind, entry: 'raw', outcome, payload })),
  ];
}
