import { inject, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { runStack, uniqueName } from '@gridstream/test-kit';

const stack = inject('stack');

describe('Redis', () => {
  it('runs with the append-only file on, so a written key survives a restart', async () => {
    const key = uniqueName('smoke:durable');
    const before = new Redis(stack.redisUrl, { lazyConnect: true });
    await before.connect();
    expect(await before.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    await before.hset(key, { kw: '1.25', ts: '1700000000000' });
    before.disconnect();

    runStack('restart', 'redis');

    const after = new Redis(stack.redisUrl, { lazyConnect: true });
    await after.connect();
    expect(await after.hgetall(key)).toEqual({ kw: '1.25', ts: '1700000000000' });
    await after.del(key);
    after.disconnect();
  });
});
