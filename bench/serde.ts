// Run from the repository root: node --import tsx bench/serde.ts [--records 200000]
// Per record, a Measurement through the serde the stages use (Confluent-framed Avro, registered in
// the real registry; decoded with the guarded decoder into the reader type) against JSON.stringify
// and JSON.parse of the same objects, alternating in one process. Prints ns per record, bytes per
// record and the ratios, and writes bench/results/<date>-serde.json.
import { parseArgs } from 'node:util';
import avro from 'avsc';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { RegistrySerde } from '@gridstream/runtime';
import { loadSchemas, type Measurement } from '@gridstream/schemas';
import { readStackEnv, runStack, uniqueName } from '@gridstream/test-kit';
import { median, positiveIntegerArg, writeResult } from './results.js';

const ROUNDS = 5;
const { values: args } = parseArgs({ options: { records: { type: 'string', default: '200000' } } });
const count = positiveIntegerArg('--records', args.records, '200000');

runStack('up', 'registry');
const stack = readStackEnv();
const serde = new RegistrySerde(new SchemaRegistry({ host: stack.schemaRegistryUrl }));
const schema = loadSchemas().get('Measurement')!;
const reader = avro.Type.forSchema(schema as avro.Schema);
const schemaId = await serde.register(`${uniqueName('bench-serde')}-value`, schema);

// Meter readings with two values and a batch, as ingest writes them to <p>.raw.
const records: Measurement[] = Array.from({ length: count }, (_, i) => ({
  source: 'meter',
  entity: `meter:M-${String(i % 500).padStart(4, '0')}`,
  ts: Date.UTC(2026, 0, 1) + Math.floor(i / 500) * 900_000,
  values: { load: (i % 997) / 100, voltage: 230 + (i % 13) / 10 },
  units: { load: 'kW', voltage: 'V' },
  tags: { tz: 'Europe/Berlin' },
  eventId: `bench-${i}`,
  ingestedAt: Date.UTC(2026, 0, 1) + i,
  batch: { batchId: 'b-0001', source: 'http', ingestedAt: Date.UTC(2026, 0, 1), recordCount: 1_000, checksum: 'ab'.repeat(32) },
}));

/** Nanoseconds per record of `work` over every record. */
function nsPerRecord(work: () => void): number {
  const start = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - start) / count;
}

const avroBytes = records.map((m) => serde.encode(schemaId, m));
const jsonBytes = records.map((m) => Buffer.from(JSON.stringify(m)));
// The first decode of a schema id asks the registry; after that it is cached, as in a stage.
await serde.decode(avroBytes[0]!, reader);

const rounds: Array<Record<'avroEncode' | 'jsonEncode' | 'avroDecode' | 'jsonDecode', number>> = [];
for (let round = 0; round < ROUNDS; round++) {
  const avroEncode = nsPerRecord(() => {
    for (const m of records) serde.encode(schemaId, m);
  });
  const jsonEncode = nsPerRecord(() => {
    for (const m of records) Buffer.from(JSON.stringify(m));
  });
  const start = process.hrtime.bigint();
  for (const bytes of avroBytes) await serde.decode(bytes, reader);
  const avroDecode = Number(process.hrtime.bigint() - start) / count;
  const jsonDecode = nsPerRecord(() => {
    for (const bytes of jsonBytes) JSON.parse(bytes.toString());
  });
  rounds.push({ avroEncode, jsonEncode, avroDecode, jsonDecode });
  console.error(`round ${round + 1}: ${Object.entries(rounds.at(-1)!).map(([k, v]) => `${k} ${v.toFixed(0)} ns`).join(', ')}`);
}

const medians = {
  avroEncode: median(rounds.map((r) => r.avroEncode)),
  jsonEncode: median(rounds.map((r) => r.jsonEncode)),
  avroDecode: median(rounds.map((r) => r.avroDecode)),
  jsonDecode: median(rounds.map((r) => r.jsonDecode)),
};
const bytes = {
  avro: avroBytes.reduce((sum, b) => sum + b.length, 0) / count,
  json: jsonBytes.reduce((sum, b) => sum + b.length, 0) / count,
};
// Above 1, Avro is faster (or smaller) than JSON.
const ratios = {
  encode: medians.jsonEncode / medians.avroEncode,
  decode: medians.jsonDecode / medians.avroDecode,
  size: bytes.json / bytes.avro,
};
console.log(`serde: Measurement, ${count} records, median of ${ROUNDS} rounds\n`);
console.log('| | Avro (registry serde) | JSON | JSON / Avro |');
console.log('| --- | ---: | ---: | ---: |');
console.log(`| encode, ns per record | ${medians.avroEncode.toFixed(0)} | ${medians.jsonEncode.toFixed(0)} | ${ratios.encode.toFixed(2)}x |`);
console.log(`| decode, ns per record | ${medians.avroDecode.toFixed(0)} | ${medians.jsonDecode.toFixed(0)} | ${ratios.decode.toFixed(2)}x |`);
console.log(`| bytes per record | ${bytes.avro.toFixed(0)} | ${bytes.json.toFixed(0)} | ${ratios.size.toFixed(2)}x |`);
console.log(`\nwritten to ${writeResult('serde', { records: count, rounds: ROUNDS, medians, bytes, ratios, runs: rounds })}`);
