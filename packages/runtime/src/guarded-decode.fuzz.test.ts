/**
 * Fuzz test of the guarded Avro decoder. Valid encodings of every value schema (its sample and
 * random records) are mutated, or replaced by random bytes, and decoded by the schema's decoder
 * and by every writer/reader pair schema evolution allows. Each input must decode to a value its
 * reader type accepts, or fail as `undecodable`, within 50 ms; the heap must not grow by 200 MB.
 *
 * GRIDSTREAM_FUZZ_INPUTS  how many inputs (default 100000), e.g. for a long run:
 *   GRIDSTREAM_FUZZ_INPUTS=1000000 node_modules/.bin/vitest run --project unit packages/runtime/src/guarded-decode.fuzz.test.ts
 * GRIDSTREAM_FUZZ_SEED    the seed (default 1); a failure names it, with the input as hex.
 */
import avro from 'avsc';
import { expect, it, vi } from 'vitest';
import { loadHistory, loadSchemas, samples, type AvroSchema } from '@gridstream/schemas';
import { defaultDecodeLimits, guardedDecoder } from './guarded-decode.js';
import { seededRandom, type SeededRandom } from '@gridstream/test-kit';

// avsc seeds type.random() from Math.random() once, as it loads (vi.hoisted runs before the imports):
// pin that draw so that a seed replays a run.
const { seed, unpinMathRandom } = vi.hoisted(() => {
  const seed = Number(process.env['GRIDSTREAM_FUZZ_SEED'] ?? 1);
  const draw = Math.random;
  Math.random = () => (seed * 0.618_033_988_75) % 1;
  return { seed, unpinMathRandom: () => (Math.random = draw) };
});
unpinMathRandom();

const inputCount = Number(process.env['GRIDSTREAM_FUZZ_INPUTS'] ?? 100_000);
const slowMs = 50;
const maxHeapGrowthBytes = 200 * 2 ** 20;


/** Avro's zigzag varint, for any integer: beyond 64 bits too, to reach the guard's 10-byte limit. */
function varint(value: bigint): number[] {
  let unsigned = value >= 0n ? value << 1n : (-value << 1n) - 1n;
  const bytes: number[] = [];
  for (; unsigned >= 0x80n; unsigned >>= 7n) bytes.push(Number(unsigned & 0x7fn) | 0x80);
  return [...bytes, Number(unsigned)];
}

const extremes = [0n, 1n, 2n, 3n, -1n, -2n, -3n, 64n, 65_536n, 2n ** 31n - 1n, 2n ** 31n, -(2n ** 31n), -(2n ** 31n) - 1n,
  2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n), 2n ** 62n, -(2n ** 62n), 2n ** 63n - 1n, -(2n ** 63n), 2n ** 70n];
const specialDoubles = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, Number.MIN_VALUE, Number.MAX_VALUE];
const invalidUtf8 = [[0xc3, 0x28], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff], [0x80]];

const splice = (body: Buffer, at: number, remove: number, insert: ArrayLike<number>) =>
  Buffer.concat([body.subarray(0, at), Buffer.from(insert as number[]), body.subarray(at + remove)]);

function randomBytes(r: SeededRandom, length: number): Buffer {
  const bytes = Buffer.alloc(length + 3);
  for (let i = 0; i < length; i += 4) bytes.writeUInt32LE(r.int(2 ** 32), i);
  return bytes.subarray(0, length);
}

/** Each takes a valid body (and another one to splice in) and returns a damaged copy. */
const mutations: Array<(r: SeededRandom, body: Buffer, other: Buffer) => Buffer> = [
  function flipBits(r, body) {
    const copy = Buffer.from(body);
    for (let n = 1 + r.int(8); n > 0 && copy.length > 0; n--) copy[r.int(copy.length)]! ^= 1 << r.int(8);
    return copy;
  },
  function setBytes(r, body) {
    const copy = Buffer.from(body);
    for (let n = 1 + r.int(4); n > 0 && copy.length > 0; n--) copy[r.int(copy.length)] = r.pick([0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, r.int(256)]);
    return copy;
  },
  (r, body) => splice(body, r.int(body.length + 1), 0, randomBytes(r, 1 + r.int(16))), // insert
  (r, body) => splice(body, r.int(body.length + 1), 1 + r.int(16), []), // delete
  (r, body) => body.subarray(0, r.int(body.length)), // truncate
  // The head of one record and the tail of another, often of another schema.
  (r, body, other) => Buffer.concat([body.subarray(0, r.int(body.length + 1)), other.subarray(r.int(other.length + 1))]),
  // A length, count, union branch or int replaced by an extreme value.
  (r, body) => splice(body, r.int(body.length + 1), r.int(3), varint(r.pick(extremes))),
  // A run of 0xff or 0x80: varints that do not end.
  (r, body) => splice(body, r.int(body.length + 1), r.int(2) * r.int(64), Buffer.alloc(1 + r.int(r.next() < 0.1 ? 4096 : 64), r.pick([0xff, 0x80]))),
  function negativeBlockCount(r, body) {
    // A byte that may be a small block count becomes the same count negated, followed by a (likely wrong) size in bytes.
    const at = r.int(body.length + 1);
    const count = body[at] !== undefined && body[at] % 2 === 0 && body[at] < 0x40 ? body[at] / 2 : 1 + r.int(3);
    return splice(body, at, 1, [...varint(-BigInt(count)), ...varint(r.pick(extremes))]);
  },
  // A big block of the smallest items: empty strings, zeros, 0.0.
  (r, body) => splice(body, r.int(body.length + 1), r.int(2), [...varint(BigInt(r.int(65_000))), ...Buffer.alloc(r.int(r.next() < 0.1 ? 65_000 : 64))]),
  function specialDouble(r, body) {
    const double = Buffer.alloc(8);
    double.writeDoubleLE(r.pick(specialDoubles));
    if (r.next() < 0.3) double.writeUInt32LE(r.int(2 ** 32)); // a NaN with a payload
    return splice(body, r.int(body.length + 1), 8, double);
  },
  (r, body) => splice(body, r.int(body.length + 1), r.int(3), r.pick(invalidUtf8)), // in a string, or not
];

interface Target {
  name: string;
  reader: avro.Type;
  decode: (body: Buffer) => unknown;
  /** Valid bodies as its writer encodes them. */
  corpus: Buffer[];
}

/** Decoders as the runtime builds them: each schema, and each older or newer writer read into another version. */
function targetsOf(name: string, schema: AvroSchema): Target[] {
  const typeOf = (s: AvroSchema) => avro.Type.forSchema(s as avro.Schema);
  const current = typeOf(schema);
  // FULL_TRANSITIVE lets a later version drop any field with a default; its readers skip that field in older data.
  const dropped = typeOf({ ...schema, fields: schema.fields.filter((field) => field.default === undefined) });
  const corpusOf = (writer: avro.Type) => {
    const sample = samples[name as keyof typeof samples];
    const records = [...(writer.isValid(sample) ? [sample] : []), ...Array.from({ length: 16 }, () => writer.random())];
    return records.map((record) => writer.toBuffer(record));
  };
  const target = (label: string, writer: avro.Type, reader: avro.Type): Target => ({
    name: `${name} ${label}`,
    reader,
    decode: writer === reader ? guardedDecoder(writer) : guardedDecoder(writer, defaultDecodeLimits, reader),
    corpus: corpusOf(writer),
  });
  return [
    target('current', current, current),
    target('read without its fields with defaults', current, dropped),
    ...loadHistory(name).flatMap((old, i) => [
      target(`v${i + 1} read as current`, typeOf(old), current),
      target(`current read as v${i + 1}`, current, typeOf(old)),
    ]),
  ];
}

const targets = [...loadSchemas()].map(([name, schema]) => targetsOf(name, schema));

function nextInput(r: SeededRandom): { target: Target; input: Buffer } {
  const forSchema = r.pick(targets);
  const target = r.next() < 0.5 ? forSchema[0]! : r.pick(forSchema);
  // Random bytes, mostly short: 0..64 KiB.
  if (r.next() < 0.1) return { target, input: randomBytes(r, Math.floor(65_536 * r.next() ** 3)) };
  let input = r.pick(target.corpus);
  if (r.next() < 0.05) return { target, input };
  for (let n = 1 + r.int(3); n > 0; n--) input = r.pick(mutations)(r, input, r.pick(r.pick(targets)).corpus[0]!);
  return { target, input };
}

it(`decodes or refuses as undecodable ${inputCount} fuzzed inputs, each within ${slowMs} ms (seed ${seed})`, () => {
  const r = seededRandom(seed);
  const outcomes = { decoded: 0, undecodable: 0 };
  const failures: string[] = [];
  let slowest = { ms: 0, target: '', bytes: 0 };
  const heapAtStart = process.memoryUsage().heapUsed;
  let heapPeak = heapAtStart;
  const startedMs = performance.now();

  let i = 0;
  for (; i < inputCount && failures.length < 3; i++) {
    const { target, input } = nextInput(r);
    let value: unknown;
    let error: unknown;
    const timed = () => {
      const started = performance.now();
      try {
        value = target.decode(input);
        error = undefined;
      } catch (thrown) {
        error = thrown;
      }
      return performance.now() - started;
    };
    let ms = timed();
    // A GC pause or a busy machine can stretch any one decode; a slow input is slow every time, so the best of three counts.
    if (ms > slowMs / 10) ms = Math.min(ms, timed(), timed());
    if (ms > slowest.ms) slowest = { ms, target: target.name, bytes: input.length };

    const code = (error as { code?: unknown } | undefined)?.code;
    const problem =
      ms > slowMs ? `took ${ms.toFixed(1)} ms`
      : error === undefined ? (target.reader.isValid(value) ? undefined : 'decoded to a value its reader type refuses')
      : code === 'undecodable' ? undefined
      : `threw ${String((error as Error)?.name)} (code ${String(code)}): ${String((error as Error)?.message)}`;
    if (problem) failures.push(`seed ${seed}, input ${i}, ${target.name}: ${problem}; input ${input.length} bytes: ${input.toString('hex')}`);
    else outcomes[error === undefined ? 'decoded' : 'undecodable']++;
    if (i % 1024 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);

  const seconds = (performance.now() - startedMs) / 1000;
  const heapGrowthMb = (heapPeak - heapAtStart) / 2 ** 20;
  console.info(
    `guarded-decode fuzz, seed ${seed}: ${i} inputs (${outcomes.decoded} decoded, ${outcomes.undecodable} undecodable) in ${seconds.toFixed(1)} s;` +
      ` slowest ${slowest.ms.toFixed(2)} ms (${slowest.target}, ${slowest.bytes} bytes); heap grew at most ${heapGrowthMb.toFixed(0)} MB`,
  );
  expect(failures).toEqual([]);
  expect(heapPeak - heapAtStart).toBeLessThan(maxHeapGrowthBytes);
  // Mutants that still decode reach the reader; most must not.
  expect(outcomes.decoded).toBeGreaterThan(inputCount / 100);
  expect(outcomes.undecodable).toBeGreaterThan(inputCount / 2);
}, Math.max(120_000, inputCount * 2));
