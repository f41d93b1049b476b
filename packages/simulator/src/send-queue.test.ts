import { describe, expect, it } from 'vitest';
import { SendQueue } from './send-queue.js';

describe('SendQueue', () => {
  it('pops by send position, keeping insertion order for equal positions', () => {
    const queue = new SendQueue<string>();
    for (const [at, item] of [[30, 'c'], [10, 'a1'], [20, 'b'], [10, 'a2'], [5, 'z'], [10, 'a3']] as const) queue.push(at, item);
    expect(queue.nextSendAtTs()).toBe(5);
    expect(Array.from({ length: 6 }, () => queue.pop())).toEqual(['z', 'a1', 'a2', 'a3', 'b', 'c']);
    expect(queue.size).toBe(0);
    expect(queue.nextSendAtTs()).toBe(Infinity);
  });
});
