/** Deepest nesting of objects and arrays accepted; real events have 2 or 3 levels. */
export const MAX_JSON_DEPTH = 32;
/** Longest string (key or value) accepted, in UTF-16 code units. */
export const MAX_JSON_STRING_CHARS = 65_536;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type GuardedJson = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Decodes UTF-8 strictly and parses JSON, after a scan that refuses deep nesting and long strings:
 * both are cheap for a sender and expensive for every stage downstream.
 */
export function parseGuardedJson(bytes: Uint8Array): GuardedJson {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    return { ok: false, message: `invalid UTF-8: ${(error as Error).message}` };
  }
  const overLimit = limitBreach(text);
  if (overLimit !== undefined) return { ok: false, message: overLimit };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: `not JSON: ${(error as Error).message}` };
  }
}

function limitBreach(text: string): string | undefined {
  let depth = 0;
  let inString = false;
  let stringChars = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '"') {
        inString = false;
        continue;
      }
      if (char === '\\') i += text[i + 1] === 'u' ? 5 : 1; // an escape decodes to one code unit
      if (++stringChars > MAX_JSON_STRING_CHARS) return `a string longer than ${MAX_JSON_STRING_CHARS} characters`;
    } else if (char === '"') {
      inString = true;
      stringChars = 0;
    } else if (char === '{' || char === '[') {
      if (++depth > MAX_JSON_DEPTH) return `nested deeper than ${MAX_JSON_DEPTH} levels`;
    } else if (char === '}' || char === ']') {
      depth--;
    }
  }
  return undefined;
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
