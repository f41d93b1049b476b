import { describe, expect, it } from 'vitest';
import { backoffMs } from './backoff.js';

const policy = { initialMs: 100, maxMs: 5_000 };

describe('backoffMs', () => {
  it('doubles the ceiling per attempt', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffMs(policy, attempt, () => 1))).toEqual([100, 200, 400, 800]);
  });

  it('caps the ceiling at maxMs, also after very many attempts', () => {
    expect(backoffMs(policy, 7, () => 1)).toBe(5_000);
    expect(backoffMs(policy, 10_000, () => 1)).toBe(5_000);
  });

  it('draws the delay uniformly below the ceiling (full jitter)', () => {
    expect(backoffMs(policy, 3, () => 0)).toBe(0);
    expect(backoffMs(policy, 3, () => 0.5)).toBe(200);
  });
});
