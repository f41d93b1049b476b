import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { goldenBytes, loadSchemas, samples } from '@gridstream/schemas';
import { guardedDecoder, type DecodeLimits } from './guarded-decode.js';

const schemas = loadSchemas();
const typeOf = (name: string) => avro.Type.forSchema(schemas.get(name) as avro.Schema);
const bodyOf = (name: string) => goldenBytes(name).subarray(5);
const measurement = guardedDecoder(typeOf('Measurement'));

/** Zigzag varint, as Avro writes int and long. */
function varint(value: number): number[] {
  let unsigned = value >= 0 ? value * 2 : -value * 2 - 1;
  const bytes: number[] = [];
  while (unsigned >= 128) {
    bytes.push((unsigned % 128) | 0x80);
    unsigned = Math.floor(unsigned / 128);
  }
  return [...bytes, unsigned];
}
const str = (s: string) => [...varint(Buffer.byteLength(s)), ...Buffer.from(s)];

/** Measurement's first fields: source "m", entity "e", ts 0; `values` (a map) comes next. */
const measurementHead = [...str('m'), ...str('e'), ...varint(0)];

function undecodable(decode: (body: Buffer) => unknown, body: Buffer): string {
  try {
    decode(body);
  } catch (error) {
    expect((error as { code?: string }).code).toBe('undecodable');
    return (error as Error).message;
  }
  throw new Error('decoded without complaint');
}

describe('guardedDecoder', () => {
  it('refuses a map key "__proto__", which avsc would drop into the prototype (a variable gone unnoticed)', () => {
    const values = [...varint(1), ...str('__proto__'), ...new Array(8).fill(0), 0];
    const body = Buffer.from([...measurementHead, ...values]);
    expect(undecodable(measurement, body)).toMatch(/values: a map key "__proto__"/);
    // Its length 9 spelled in two varint bytes (0x92 0x00) as well.
    const longLength = Buffer.from([...measurementHead, ...varint(1), 0x92, 0x00, ...Buffer.from('__proto__'), ...new Array(8).fill(0), 0]);
    expect(undecodable(measurement, longLength)).toMatch(/values: a map key "__proto__"/);
  });

  it.each(Object.keys(samples))('decodes the golden %s body to its sample', (name) => {
    expect(guardedDecoder(typeOf(name))(bodyOf(name))).toEqual(samples[name as keyof typeof samples]);
  });

  it('refuses a 10-byte record declaring 2^31 map entries before allocating anything', () => {
    const poison = Buffer.from([...measurementHead, ...varint(2 ** 31)]);
    expect(poison.length).toBe(10);
    const rssBefore = process.memoryUsage().rss;
    expect(undecodable(measurement, poison)).toBe(
      'Measurement.values: declares 2147483648 items, over the limit of 1000000 per message',
    );
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses a count its items cannot fit in the bytes left, under the item limit too', () => {
    const poison = Buffer.from([...measurementHead, ...varint(1000), ...str('k')]);
    expect(undecodable(measurement, poison)).toBe(
      'Measurement.values: declares 1000 items of at least 9 bytes, but 2 bytes are left',
    );
  });

  it('counts items over the whole message against maxItems', () => {
    // 2 outer items + 2 + 2 inner ones = 6 items in all.
    const limits: DecodeLimits = { maxItems: 5, maxValueBytes: 1024 };
    const type = avro.Type.forSchema({ type: 'array', items: { type: 'array', items: 'null' } });
    const twoByTwo = Buffer.from([...varint(2), ...varint(2), 0, ...varint(2), 0, 0]);
    expect(undecodable(guardedDecoder(type, limits), twoByTwo)).toBe('array[1]: declares 2 items, over the limit of 5 per message');
    expect(guardedDecoder(type, { ...limits, maxItems: 6 })(twoByTwo)).toEqual([[null, null], [null, null]]);
  });

  it('refuses a string longer than the message or the limit, and invalid UTF-8', () => {
    expect(undecodable(measurement, Buffer.from([...varint(50), 0x6d]))).toBe('Measurement.source: declares 50 bytes, but 1 are left');
    const small = guardedDecoder(typeOf('Measurement'), { maxItems: 10, maxValueBytes: 4 });
    expect(undecodable(small, Buffer.from(str('meter')))).toBe('Measurement.source: declares 5 bytes, over the limit of 4');
    expect(undecodable(measurement, Buffer.from([...varint(2), 0xc3, 0x28]))).toBe(
      'Measurement.source: invalid UTF-8 in a string at byte 0',
    );
  });

  it('refuses truncation, leftover bytes, a bad union branch and an oversized varint', () => {
    const body = bodyOf('Measurement');
    expect(undecodable(measurement, body.subarray(0, body.length - 3))).toBe(
      'Measurement.batch.checksum: declares 4 bytes, but 1 are left',
    );
    expect(undecodable(measurement, Buffer.concat([body, Buffer.from([0])]))).toBe(
      '1 bytes left over after the record (' + (body.length + 1) + ' bytes)',
    );
    const badBranch = Buffer.concat([body.subarray(0, body.indexOf(Buffer.from('b-1')) - 2), Buffer.from(varint(5))]);
    expect(undecodable(measurement, badBranch)).toBe('Measurement.batch: union branch 5 of 2');
    expect(undecodable(measurement, Buffer.from([...str('m'), ...str('e'), ...Array(10).fill(0xff)]))).toMatch(
      /^Measurement\.ts: varint longer than 10 bytes/,
    );
  });

  it('refuses an int beyond 32 bits, which avsc would decode and then fail to re-encode', () => {
    // Found by guarded-decode.fuzz.test.ts (seed 1): `entities` reads as 3429996953936.
    const fuzzed = Buffer.from(
      '044d77808ce0ea0c80dcbba20ea08580bcd3c70180cd9bff0e00000000e1a2d13f00000080fa73e43f000000804c41e83f000000007a72c03f' +
        '8089d1de07000000401128ec3b00000088c8a1d33f80b497bf0e80e4a88a0680d4ce9e0b8084afd70880f4f73b',
      'hex',
    );
    expect(undecodable(guardedDecoder(typeOf('QualityReport')), fuzzed)).toBe('QualityReport.entities: 3429996953936 does not fit in an int');
    const gap = guardedDecoder(typeOf('Gap'));
    const gapWith = (imputedSteps: number) => Buffer.from([...str('tep'), ...str('e'), 0, 0, 0, 0, ...varint(imputedSteps)]);
    expect(undecodable(gap, gapWith(2 ** 31))).toBe('Gap.imputedSteps: 2147483648 does not fit in an int');
    expect(undecodable(gap, gapWith(-(2 ** 31) - 1))).toBe('Gap.imputedSteps: -2147483649 does not fit in an int');
    expect(gap(gapWith(2 ** 31 - 1))).toMatchObject({ imputedSteps: 2 ** 31 - 1 });
    expect(gap(gapWith(-(2 ** 31)))).toMatchObject({ imputedSteps: -(2 ** 31) });
  });

  it("checks a block's size in bytes, by which a reader that dropped the field skips it", () => {
    // A later Measurement may drop `units` (it has a default); its readers skip units by the block's size.
    const schema = schemas.get('Measurement')!;
    const reader = avro.Type.forSchema({ ...schema, fields: schema.fields.filter((f) => f.name !== 'units') } as avro.Schema);
    const decode = guardedDecoder(typeOf('Measurement'), undefined, reader);
    // values {}, then units as one block of -1 entries ({k: "kW"}, 5 bytes), tags {}, eventId "x", ingestedAt 0, batch null.
    const withUnitsBlock = (blockBytes: number) =>
      Buffer.from([...measurementHead, 0, ...varint(-1), ...varint(blockBytes), ...str('k'), ...str('kW'), 0, 0, ...str('x'), 0, 0]);
    expect(decode(withUnitsBlock(5))).toMatchObject({ source: 'm', entity: 'e', eventId: 'x', batch: null });
    // -2 sent avsc's skip back to the count, for ever.
    expect(undecodable(decode, withUnitsBlock(-2))).toBe('Measurement.units: a block declares -2 bytes but its items take 5');
    expect(undecodable(decode, withUnitsBlock(4))).toBe('Measurement.units: a block declares 4 bytes but its items take 5');
  });

  it('decodes 65,000 empty strings, and still checks the UTF-8 of strings that are not ASCII', () => {
    // Each string used to cost a TextDecoder call: these 64 KB took about 50 ms.
    const names = (strings: number[][]) =>
      Buffer.from([...str('e'), 0, ...str('s'), 0, ...varint(strings.length), ...strings.flat(), 0, 0, 0, 0]);
    const featureVector = guardedDecoder(typeOf('FeatureVector'));
    expect((featureVector(names(Array.from({ length: 65_000 }, () => [0]))) as { names: string[] }).names).toEqual(Array(65_000).fill(''));
    expect(featureVector(names([str('load'), str('température')]))).toMatchObject({ names: ['load', 'température'] });
    expect(undecodable(featureVector, names([str('load'), [...varint(2), 0xc3, 0x28]]))).toBe(
      'FeatureVector.names[1]: invalid UTF-8 in a string at byte 12',
    );
  });

  it('names the field a record type used twice was read in, and checks a recursive record all the way down', () => {
    const point: avro.Schema = { type: 'record', name: 'Point', fields: [{ name: 'label', type: 'string' }] };
    const pair = avro.Type.forSchema({ type: 'record', name: 'Pair', fields: [{ name: 'from', type: point }, { name: 'to', type: 'Point' }] });
    expect(undecodable(guardedDecoder(pair), Buffer.from([...str('a'), ...varint(50)]))).toBe('Pair.to.label: declares 50 bytes, but 0 are left');
    const list = avro.Type.forSchema({ type: 'record', name: 'Node', fields: [{ name: 'value', type: 'int' }, { name: 'next', type: ['null', 'Node'] }] });
    const decode = guardedDecoder(list);
    // 1 -> 2 -> 3, then the same list with an int over 32 bits at its third node.
    expect(decode(Buffer.from([...varint(1), 2, ...varint(2), 2, ...varint(3), 0]))).toEqual({ value: 1, next: { value: 2, next: { value: 3, next: null } } });
    expect(undecodable(decode, Buffer.from([...varint(1), 2, ...varint(2), 2, ...varint(2 ** 40), 0]))).toBe('Node.next.next.value: 1099511627776 does not fit in an int');
  });

  it('either decodes or refuses as undecodable every mutation of the golden bodies (seeded)', () => {
    let seed = 0x5eed;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed / 2 ** 31);
    const outcomes = { decoded: 0, undecodable: 0 };
    for (const name of Object.keys(samples)) {
      const decode = guardedDecoder(typeOf(name));
      const golden = bodyOf(name);
      for (let i = 0; i < 500; i++) {
        const body = Buffer.from(golden);
        for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
          body[Math.floor(random() * body.length)] = Math.floor(random() * 256);
        }
        const cut = random() < 0.2 ? body.subarray(0, Math.floor(random() * body.length)) : body;
        try {
          decode(cut);
          outcomes.decoded++;
        } catch (error) {
          expect((error as { code?: string }).code).toBe('undecodable');
          outcomes.undecodable++;
        }
      }
    }
    expect(outcomes.decoded + outcomes.undecodable).toBe(500 * Object.keys(samples).length);
    expect(outcomes.undecodable).toBeGreaterThan(300);
  });
});
