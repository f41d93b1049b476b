import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dlqReasons } from './errors.js';

describe('DLQ reason codes', () => {
  it('are exactly the codes docs/dlq-reasons.md lists', () => {
    const doc = readFileSync(new URL('../../../docs/dlq-reasons.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...dlqReasons].sort());
  });
});
