import { inject, afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { uniqueName } from '@gridstream/test-kit';

const stack = inject('stack');
const kafka = new Kafka({ clientId: 'smoke', brokers: stack.kafkaBrokers, // Retries of the first transactional calls log at ERROR; the assertions tell what matters.
  logLevel: logLevel.NOTHING, });
const topic = uniqueName('smoke-txn');

/** Collects the values a consumer group reads from the topic, from the beginning. */
async function collect(readUncommitted: boolean): Promise<{ consumer: Consumer; values: string[] }> {
  const consumer = kafka.consumer({ groupId: uniqueName('smoke-txn-group'), readUncommitted, maxWaitTimeInMs: 100 });
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
  return { consumer, values };
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Kafka (KRaft, one node)', () => {
  const admin = kafka.admin();
  let producer: Producer;

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    producer = kafka.producer({ transactionalId: uniqueName('smoke-txn-producer'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it('refuses to create topics on first use', async () => {
    const plain = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 1 } });
    await plain.connect();
    await expect(plain.send({ topic: uniqueName('smoke-no-such-topic'), messages: [{ value: 'x' }] })).rejects.toThrow(
      /does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION/i,
    );
    await plain.disconnect();
  });

  it('shows a transaction to read_committed consumers only after commit, and an aborted one never', async () => {
    const send = async (value: string, outcome: 'commit' | 'abort' | 'open') => {
      const txn = await producer.transaction();
      await txn.send({ topic, messages: [{ key: 'meter:M-0001', value }] });
      if (outcome === 'commit') await txn.commit();
      if (outcome === 'abort') await txn.abort();
      return txn;
    };

    await send('committed-first', 'commit');
    await send('aborted', 'abort');
    const open = await send('committed-later', 'open');

    const committed = await collect(false);
    const uncommitted = await collect(true);
    try {
      // The uncommitted reader proves the open transaction's record is in the log...
      await until(() => uncommitted.values.length === 3, 'read_uncommitted to see all three records');
      await until(() => committed.values.length === 1, 'read_committed to see the first commit');
      // ...and the committed reader, caught up to the last stable offset, still stops before it.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(uncommitted.values).toEqual(['committed-first', 'aborted', 'committed-later']);
      expect(committed.values).toEqual(['committed-first']);

      await open.commit();
      await until(() => committed.values.length === 2, 'read_committed to see the second commit');
      expect(committed.values).toEqual(['committed-first', 'committed-later']);
    } finally {
      await committed.consumer.disconnect();
      await uncommitted.consumer.disconnect();
    }
  });
});
