import { describe, expect, it } from 'vitest';
import { scratchMadeAt, uniqueName } from './unique-name.js';

describe('uniqueName', () => {
  it('makes a new name each time, which tells when it was made', () => {
    const before = Date.now();
    const [a, b] = [uniqueName('smoke'), uniqueName('smoke')];
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scratch-[0-9a-z]+-smoke-[0-9a-f]{8}$/);
    expect(scratchMadeAt(a)).toBeGreaterThanOrEqual(before);
    expect(scratchMadeAt(a)).toBeLessThanOrEqual(Date.now());
  });

  it('claims no name it did not make, such as a demo prefix', () => {
    expect(scratchMadeAt('gridstream-demo-1795809437')).toBeNull();
    expect(scratchMadeAt('scratchy-1-x')).toBeNull();
  });
});
