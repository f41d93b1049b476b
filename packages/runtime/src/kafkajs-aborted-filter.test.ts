// patches/kafkajs@2.2.4.patch: a read_committed consumer must drop every record of an aborted
// transaction, also when the broker lists aborted transactions in the order of their abort
// markers. The kill-storm fault test found validate's aborted quality counts read back as committed.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const filterAbortedMessages = require('kafkajs/src/consumer/filterAbortedMessages.js') as (input: {
  messages: Array<{ offset: string; key: Buffer | null; batchContext: { producerId: string; inTransaction: boolean } }>;
  abortedTransactions: Array<{ firstOffset: string; producerId: string }>;
}) => Array<{ offset: string }>;

const abortMarker = Buffer.from([0, 0, 0, 0]);
const record = (offset: number, producerId: string, key: Buffer | null = Buffer.from('k')) => ({ offset: String(offset), key, batchContext: { producerId, inTransaction: true } });

describe('kafkajs, patched: filtering aborted transactions', () => {
  it('drops two interleaved aborted transactions listed by abort marker, keeps the committed one', () => {
    const messages = [
      record(10, 'committed'),
      record(11, 'x'),
      record(12, 'x'),
      record(13, 'y'),
      record(14, 'y'),
      record(15, 'y', abortMarker),
      record(16, 'x', abortMarker),
      record(17, 'committed'),
    ];
    // y was aborted first, so the broker lists it first although x started earlier.
    const kept = filterAbortedMessages({ messages, abortedTransactions: [{ firstOffset: '13', producerId: 'y' }, { firstOffset: '11', producerId: 'x' }] });
    expect(kept.map((m) => m.offset)).toEqual(['10', '15', '16', '17']);
  });
});
