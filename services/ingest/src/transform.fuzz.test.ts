/**
 * Fuzz test of ingest's guarded JSON path (<p>.ingest.json messages). Canonical events, mutated
 * or replaced by random bytes, deep nesting, 1 MB strings, invalid UTF-8 and huge numbers must
 * each give Measurements the runtime can encode as Avro, or dead letters with a known reason:
 * never an exception. Each input must take under 50 ms per started 64 KiB; the heap must not grow by 200 MB.
 *
 * GRIDSTREAM_FUZZ_INPUTS  how many inputs (default 100000), e.g. for a long run:
 *   GRIDSTREAM_FUZZ_INPUTS=1000000 node_modules/.bin/vitest run --project unit services/ingest/src/transform.fuzz.test.ts
 * GRIDSTREAM_FUZZ_SEED    the seed (default 1); a failure names it, with the input as hex.
 */
import { expect, it } from 'vitest';
import { dlqReasons, RegistrySerde, testContext } from '@gridstream/runtime';
import { loadSchemas } from '@gridstream/schemas';
import { ingestJson } from './transform.js';
import { seededRandom, type SeededRandom } from '@gridstream/test-kit';

const seed = Number(process.env['GRIDSTREAM_FUZZ_SEED'] ?? 1);
const inputCount = Number(process.env['GRIDSTREAM_FUZZ_INPUTS'] ?? 100_000);
const slowMsPer64KiB = 50;
const maxHeapGrowthBytes = 200 * 2 ** 20;

const ctx = testContext({ httpPort: 0, httpHost: '127.0.0.1', token: 'x'.repeat(16), maxBodyBytes: 1024, maxPendingBytes: 4096 }, { nowMs: 1_767_225_700_000 });
// The runtime encodes what ingest emits with this serde; a registry that answers id 1 is all it needs here.
const serde = new RegistrySerde({ register: async () => ({ id: 1 }) } as unknown as ConstructorParameters<typeof RegistrySerde>[0]);
const measurementSchemaId = await serde.register('fuzz-value', loadSchemas().get('Measurement')!);


const numbers = ['0', '-0', '1.25', '1767225600000', '9007199254740993', '1e308', '1e400', '-1e400', '1e-400', '0.1e-99999',
  `1${'0'.repeat(400)}`, '123456789012345678901234567890', '"NaN"', '"Infinity"', '"-Infinity"', 'NaN', '01', '1.', '.5', '-'];
const strings = ['"meter"', '"meter:M-0001"', '""', '"2026-01-01T00:00:00Z"', '"2026-02-30T00:00:00+01:00"', '"9999-12-31T23:59:59.999999999Z"',
  '"\\ud800"', '"\\udfff\\ud800"', '"é\\u0000"', '"__proto__"', '"constructor"', 'null', 'true', '{}', '[]'];
const keys = ['"load"', '"pv"', '"__proto__"', '"constructor"', '"toString"', '""', '"\\ud83d"', '"a.b"', '"0"'];
const invalidUtf8 = [[0xc3, 0x28], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff], [0x80]];

function randomBytes(r: SeededRandom, length: number): Uint8Array {
  const bytes = Buffer.alloc(length + 3);
  for (let i = 0; i < length; i += 4) bytes.writeUInt32LE(r.int(2 ** 32), i);
  return bytes.subarray(0, length);
}

/** A canonical event as text, each slot filled with a realistic or a nasty value. */
function eventText(r: SeededRandom): string {
  const value = () => (r.next() < 0.7 ? r.pick(numbers) : r.pick(strings));
  const map = (of: () => string) => `{${Array.from({ length: r.int(4) }, () => `${r.pick(keys)}:${of()}`).join(',')}}`;
  const fields = [
    `"source":${r.next() < 0.8 ? '"meter"' : r.pick(strings)}`,
    `"entity":${r.next() < 0.8 ? `"meter:M-${r.int(10_000)}"` : r.pick([...strings, ...numbers])}`,
    `"ts":${r.next() < 0.8 ? r.pick(['1767225600000', '"2026-01-01T00:00:00Z"']) : r.pick([...numbers, ...strings])}`,
    `"values":${r.next() < 0.8 ? `{"load":${value()}}` : map(value)}`,
    `"units":${map(() => (r.next() < 0.8 ? '"kW"' : r.pick(strings)))}`,
    `"tags":${map(() => r.pick(strings))}`,
  ].filter(() => r.next() < 0.95);
  return `{${fields.join(',')}}`;
}

function messageText(r: SeededRandom): string {
  return r.next() < 0.7 ? eventText(r) : `[${Array.from({ length: r.int(6) }, () => eventText(r)).join(',')}]`;
}

/** Each takes a message and returns a damaged copy. */
const mutations: Array<(r: SeededRandom, text: string) => Uint8Array> = [
  function flipBits(r, text) {
    const bytes = Buffer.from(text);
    for (let n = 1 + r.int(8); n > 0 && bytes.length > 0; n--) bytes[r.int(bytes.length)]! ^= 1 << r.int(8);
    return bytes;
  },
  (r, text) => {
    const at = r.int(text.length + 1);
    return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(r.pick(invalidUtf8)), Buffer.from(text.slice(at))]);
  },
  (r, text) => Buffer.from(text.slice(0, r.int(text.length))),
  (r, text) => {
    const at = r.int(text.length + 1);
    return Buffer.from(text.slice(0, at) + text.slice(at + 1 + r.int(16)));
  },
  (r, text) => {
    const at = r.int(text.length + 1);
    return Buffer.from(text.slice(0, at) + r.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '\\u', '\\ud800']) + text.slice(at));
  },
  (r, text) => Buffer.from(text.slice(0, r.int(text.length + 1)) + messageText(r).slice(r.int(40))),
  function deepNesting(r, text) {
    const depth = r.pick([16, 31, 32, 33, 1000, 100_000]);
    const [open, close] = r.pick([['[', ']'], ['{"a":', '}']]);
    return Buffer.from(text.replace(/"values":/, `"values":${open!.repeat(depth)}1${r.next() < 0.5 ? close!.repeat(depth) : ''}`));
  },
  function longString(r, text) {
    // Either side of the 65536-character limit, now and then 1 MB.
    const length = r.next() < 0.01 ? 2 ** 20 : r.pick([1_000, 1_000, 65_536, 65_537]);
    const unit = r.pick(['x', 'é', '\\u0041', '😀']);
    return Buffer.from(text.replace(/"entity":/, `"entity":"${unit.repeat(Math.ceil(length / unit.length))}",${r.next() < 0.5 ? '"x"' : '"y":0,"z"'}:`));
  },
];

function nextInput(r: SeededRandom): Uint8Array {
  if (r.next() < 0.1) return randomBytes(r, Math.floor(65_536 * r.next() ** 3));
  const text = messageText(r);
  return r.next() < 0.2 ? Buffer.from(text) : r.pick(mutations)(r, text);
}

it(`gives Measurements or dead letters for ${inputCount} fuzzed ingest.json messages (seed ${seed})`, () => {
  const r = seededRandom(seed);
  const outcomes = { emitted: 0, deadLettered: 0, mostOutputs: 0 };
  const failures: string[] = [];
  let slowest = { ms: 0, bytes: 0 };
  const heapAtStart = process.memoryUsage().heapUsed;
  let heapPeak = heapAtStart;
  const startedMs = performance.now();

  let i = 0;
  for (; i < inputCount && failures.length < 3; i++) {
    const input = nextInput(r);
    const fail = (problem: string) =>
      failures.push(`seed ${seed}, input ${i}: ${problem}; input ${input.length} bytes: ${Buffer.from(input).toString('hex')}`);
    const limitMs = slowMsPer64KiB * Math.max(1, Math.ceil(input.length / 65_536));
    let outputs: ReturnType<typeof ingestJson> = [];
    let error: unknown;
    const timed = () => {
      const started = performance.now();
      try {
        outputs = ingestJson(input, undefined, ctx);
        error = undefined;
      } catch (thrown) {
        error = thrown;
      }
      return performance.now() - started;
    };
    let ms = timed();
    // A GC pause or a busy machine can stretch any one parse; a slow input is slow every time, so the best of three counts.
    if (ms > limitMs / 10) ms = Math.min(ms, timed(), timed());
    if (ms > slowest.ms) slowest = { ms, bytes: input.length };
    if (ms > limitMs) fail(`took ${ms.toFixed(1)} ms`);
    if (error !== undefined) fail(`threw ${String((error as Error)?.name)}: ${String((error as Error)?.message)}`);
    outcomes.mostOutputs = Math.max(outcomes.mostOutputs, outputs.length);
    for (const output of outputs) {
      if (output.kind === 'dead-letter') {
        if ((dlqReasons as readonly string[]).includes(output.reason)) outcomes.deadLettered++;
        else fail(`dead-lettered with unknown reason ${output.reason}`);
      } else if (output.kind === 'emit') {
        try {
          serde.encode(measurementSchemaId, output.value);
          outcomes.emitted++;
        } catch (thrown) {
          fail(`emitted a Measurement Avro cannot encode: ${(thrown as Error).message}`);
        }
      } else fail(`unexpected output ${output.kind}`);
    }
    if (i % 1024 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);

  const seconds = (performance.now() - startedMs) / 1000;
  const heapGrowthMb = (heapPeak - heapAtStart) / 2 ** 20;
  console.info(
    `ingest.json fuzz, seed ${seed}: ${i} inputs (${outcomes.emitted} Measurements, ${outcomes.deadLettered} dead letters, at most ${outcomes.mostOutputs} from one)` +
      ` in ${seconds.toFixed(1)} s; slowest ${slowest.ms.toFixed(2)} ms (${slowest.bytes} bytes); heap grew at most ${heapGrowthMb.toFixed(0)} MB`,
  );
  expect(failures).toEqual([]);
  expect(heapPeak - heapAtStart).toBeLessThan(maxHeapGrowthBytes);
  expect(outcomes.emitted).toBeGreaterThan(inputCount / 100);
  expect(outcomes.deadLettered).toBeGreaterThan(inputCount / 10);
}, Math.max(120_000, inputCount * 2));
