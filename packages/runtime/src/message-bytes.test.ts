import { describe, expect, it } from 'vitest';
import { byteBoundedRuns, messageBytes, producerRequests } from './message-bytes.js';

describe('message bytes', () => {
  it('weighs key, value and headers, multi-byte characters and repeated headers included', () => {
    expect(messageBytes({ key: 'k', value: Buffer.alloc(10), headers: { ab: 'é', list: [Buffer.alloc(3), 'xy'] } })).toBe(1 + 10 + 2 + 2 + 4 + 3 + 2);
    expect(messageBytes({ key: null, value: null })).toBe(0);
  });

  it('cuts runs at the byte bound, in order, and gives an oversized item a run of its own', () => {
    expect(byteBoundedRuns([3, 3, 3, 10, 1, 1], 6, (n) => n)).toEqual([[3, 3], [3], [10], [1, 1]]);
    expect(byteBoundedRuns([], 6, (n: number) => n)).toEqual([]);
  });

  it('splits topic messages into requests that keep order within and across topics', () => {
    const m = (n: number) => ({ key: String(n), value: Buffer.alloc(99) });
    const requests = producerRequests(
      [
        { topic: 'a', messages: [m(1), m(2), m(3)] },
        { topic: 'b', messages: [m(4)] },
      ],
      250,
    );
    const keys = requests.map((request) => request.map(({ topic, messages }) => `${topic}:${messages.map((x) => x.key).join(',')}`));
    expect(keys).toEqual([['a:1,2'], ['a:3', 'b:4']]);
  });
});
