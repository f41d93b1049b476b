import { randomUUID } from 'node:crypto';
import { AssignerProtocol, type Admin, type Kafka, type KafkaMessage, type PartitionAssigner } from 'kafkajs';

/**
 * Reads partitions of a topic, committed records only, from their start (or the offsets in
 * `from`) to the end they have now, then stops; a returned promise holds the reader until it
 * settles. kafkajs has no manual assignment, so the reader is a consumer in a throwaway group
 * whose assigner hands it exactly these partitions.
 */
export async function readToEnd(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  partitions: number[] | 'all',
  onMessage: (message: KafkaMessage, partition: number) => void | Promise<void>,
  from?: Map<number, string>,
): Promise<void> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const startOf = (o: { partition: number; low: string }) => BigInt(from?.get(o.partition) ?? o.low);
  const wanted = offsets.filter((o) => (partitions === 'all' || partitions.includes(o.partition)) && BigInt(o.high) > startOf(o));
  if (wanted.length === 0) return;
  const pending = new Map(wanted.map((o) => [o.partition, BigInt(o.high)]));

  const groupId = `${topic}.read.${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [assignerOf(topic, [...pending.keys()])],
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 8 * 1024 * 1024,
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      // Fired for every fetched batch, also one holding only transaction markers, which eachBatch never sees.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const endOffset = pending.get(payload.partition);
        if (endOffset !== undefined && BigInt(payload.lastOffset) + 1n >= endOffset) pending.delete(payload.partition);
        if (pending.size === 0) resolve();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            // A fetch made before the seek below took effect starts at the beginning.
            const start = BigInt(from?.get(batch.partition) ?? '0');
            for (const message of batch.messages) if (BigInt(message.offset) >= start) await onMessage(message, batch.partition);
          },
        })
        .then(() => {
          for (const o of wanted) if (from?.has(o.partition)) consumer.seek({ topic, partition: o.partition, offset: from.get(o.partition)! });
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined); // it never committed; a leftover empty group expires anyway
  }
}

/** A consumer following every partition of a topic; `caughtUp` settles once it has read what the topic held when it started. */
export interface TopicFollower {
  caughtUp: Promise<void>;
  /** Whether it has read everything the topic holds now. */
  atEnd(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Follows every partition of a topic from its start, committed records only, until stopped:
 * a side input every instance reads whole. Like readToEnd, a consumer in a throwaway group.
 */
export async function followTopic(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  onBatch: (messages: KafkaMessage[], partition: number) => Promise<void>,
): Promise<TopicFollower> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const pending = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
  const groupId = `${topic}.follow.${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [assignerOf(topic, offsets.map((o) => o.partition))],
    readUncommitted: false,
    maxWaitTimeInMs: 100,
  });
  let markCaughtUp = () => {};
  const caughtUp = new Promise<void>((resolve, reject) => {
    markCaughtUp = resolve;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) reject(payload.error);
    });
  });
  if (pending.size === 0) markCaughtUp();
  const positions = new Map<number, bigint>();
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    positions.set(payload.partition, BigInt(payload.lastOffset) + 1n);
    const endOffset = pending.get(payload.partition);
    if (endOffset !== undefined && BigInt(payload.lastOffset) + 1n >= endOffset) pending.delete(payload.partition);
    if (pending.size === 0) markCaughtUp();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ autoCommit: false, eachBatch: ({ batch }) => onBatch(batch.messages, batch.partition) });
  return {
    caughtUp,
    async atEnd() {
      const ends = await admin.fetchTopicOffsets(topic);
      return ends.every((o) => BigInt(o.high) <= (positions.get(o.partition) ?? BigInt(o.low)));
    },
    async stop() {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
    },
  };
}

function assignerOf(topic: string, partitions: number[]): PartitionAssigner {
  const name = 'GridstreamReadToEnd';
  return () => ({
    name,
    version: 0,
    async assign({ members }) {
      return members.map(({ memberId }, index) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: index === 0 ? { [topic]: partitions } : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return { name, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
    },
  });
}
