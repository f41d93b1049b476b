import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './influx-writer.js';

describe('retryAfterMs', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const nowMs = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('30', nowMs)).toBe(30_000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:12 GMT', nowMs)).toBe(12_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', nowMs)).toBe(0);
    expect(retryAfterMs(null, nowMs)).toBeUndefined();
    expect(retryAfterMs('soon', nowMs)).toBeUndefined();
  });
});
