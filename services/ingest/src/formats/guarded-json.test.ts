import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, MAX_JSON_STRING_CHARS, parseGuardedJson } from './guarded-json.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('parseGuardedJson', () => {
  it('parses nesting up to the limit and refuses one level more', () => {
    expect(MAX_JSON_DEPTH).toBe(32);
    expect(parseGuardedJson(bytes('['.repeat(32) + ']'.repeat(32))).ok).toBe(true);
    expect(parseGuardedJson(bytes('['.repeat(33) + ']'.repeat(33)))).toEqual({
      ok: false,
      message: 'nested deeper than 32 levels',
    });
  });

  it('ignores brackets inside strings', () => {
    expect(parseGuardedJson(bytes(JSON.stringify({ a: '['.repeat(40) })))).toEqual({ ok: true, value: { a: '['.repeat(40) } });
  });

  it('counts a string in characters, an escape as one', () => {
    expect(MAX_JSON_STRING_CHARS).toBe(65_536);
    expect(parseGuardedJson(bytes(`"${'\\u0041'.repeat(65_536)}"`))).toEqual({ ok: true, value: 'A'.repeat(65_536) });
    expect(parseGuardedJson(bytes(`{"${'k'.repeat(65_537)}":1}`))).toEqual({
      ok: false,
      message: 'a string longer than 65536 characters',
    });
  });

  it('refuses invalid UTF-8 and text that is not JSON', () => {
    expect(parseGuardedJson(new Uint8Array([0x22, 0xff, 0x22]))).toEqual({
      ok: false,
      message: 'invalid UTF-8: The encoded data was not valid for encoding utf-8',
    });
    expect(parseGuardedJson(bytes('{"a":'))).toMatchObject({ ok: false, message: expect.stringMatching(/^not JSON: /) });
  });
});
