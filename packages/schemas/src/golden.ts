import { readFileSync } from 'node:fs';

/** The golden Confluent wire bytes of a schema's sample record (`fixtures/<name>.bin`). */
export function goldenBytes(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/${name}.bin`, import.meta.url));
}
