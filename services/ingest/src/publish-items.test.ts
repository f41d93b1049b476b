import { describe, expect, it } from 'vitest';
import type { OutgoingRecord, TopicClient } from '@gridstream/runtime';
import { topicNames } from '@gridstream/schemas';
import { batchMetadata } from './event-id.js';
import { reject } from './formats/parsed-item.js';
import { maxDeadLetterBytes, publishItems } from './publish-items.js';

/** A client that keeps what it is asked to publish. */
function recordingClient() {
  const published: Array<{ topic: string; records: OutgoingRecord[] }> = [];
  const client = { publish: async (topicRecords: typeof published) => void published.push(...topicRecords) } as unknown as TopicClient;
  return { client, published };
}

describe('publishItems', () => {
  const topics = topicNames('unit');
  const batch = batchMetadata('http', new Uint8Array(), 2, 1_767_225_600_000);
  const encodeRaw = () => Buffer.alloc(0);

  it('dead-letters a rejected line with its bytes, its line and the batch', async () => {
    const { client, published } = recordingClient();
    await publishItems(client, topics, encodeRaw, [reject('malformed', 'not JSON', 3, '{"x":')], 'http', batch);
    const [deadLetter] = published.find((p) => p.topic === topics.dlq)!.records;
    expect(deadLetter!.value).toEqual(Buffer.from('{"x":'));
    expect(deadLetter!.headers).toMatchObject({ '__connect.errors.topic': 'http', '__connect.errors.offset': '3', 'gridstream.reason': 'malformed', 'gridstream.batch.id': batch.batchId });
    expect(deadLetter!.headers).not.toHaveProperty('gridstream.original.bytes');
  });

  it('keeps the first bytes of a line longer than a Kafka record holds, and says how long it was', async () => {
    const { client, published } = recordingClient();
    const line = `{"note":"${'x'.repeat(2_000_000)}"}`;
    const outcome = await publishItems(client, topics, encodeRaw, [reject('malformed', 'a string longer than 65536 characters', 1, line)], 'http', batch);
    const [deadLetter] = published.find((p) => p.topic === topics.dlq)!.records;
    expect(deadLetter!.value).toEqual(Buffer.from(line).subarray(0, maxDeadLetterBytes));
    expect(deadLetter!.headers).toMatchObject({ 'gridstream.reason': 'malformed', 'gridstream.original.bytes': String(line.length) });
    expect(outcome.rejected).toEqual([{ line: 1, reason: 'malformed', message: 'a string longer than 65536 characters' }]);
  });
});
