// patches/kafkajs@2.2.4.patch fixes four defects the fault tests found, and costs the benches found:
// - a read_committed consumer must drop every record of an aborted transaction, also when the broker
//   lists aborted transactions in the order of their abort markers (the kill storm read validate's
//   aborted quality counts back as committed);
// - reading a topic's offsets must retry while a partition's leader is not known yet (the window
//   rebalance test failed in CI on a topic created a moment before);
// - cluster metadata must retry a leader election instead of answering null (a service restarted in
//   the kill storm crashed in listTopics while the broker was still electing leaders);
// - finding a group coordinator must retry while no broker answers (validate's consumer crashed for
//   good in the outages test while the only broker restarted);
// - grouping a send's messages by partition copied the partition's array for every message, a few
//   per cent of every stage's CPU in the profiles of `pnpm bench` (measured there; checked here that
//   the grouping itself is unchanged);
// - a transaction started right after the last one's commit waited 300 ms or more: the coordinator
//   answers CONCURRENT_TRANSACTIONS until that commit's markers are written, and the send's retrier
//   backed off for its initial retry time (bench/README.md has the latencies before and after);
// - every request of a transaction looked its coordinator up first: four FindCoordinator requests
//   of its nine round trips (counted per service in bench/latency.ts's pipeline);
// - every connection checked its pending requests in a 1 ms timer loop, also with none pending
//   (kafkajs#1556): 7 % of a core per idle service, 3 % with the fix;
// - every record and header of a produce request got its own zero-filled 512-byte buffer, and a
//   copy of all of its message's fields: encoders now take unzeroed memory from Node's pool, which
//   is safe only while nothing reads past what an encoder wrote (checked here);
// - the CRC-32C of every produced record batch was computed byte by byte, 4-5 % of a stage's CPU;
//   now eight bytes per step (slicing-by-8), checked here against the byte-by-byte definition;
// - the default partitioner's murmur2 hashed every keyed message with 64-bit Long objects (3-4 % of
//   a stage's CPU); now in 32-bit arithmetic, checked here to give the hashes it gave before, which
//   place keys on the partitions the Java client places them on.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const filterAbortedMessages = require('kafkajs/src/consumer/filterAbortedMessages.js') as (input: {
  messages: Array<{ offset: string; key: Buffer | null; batchContext: { producerId: string; inTransaction: boolean } }>;
  abortedTransactions: Array<{ firstOffset: string; producerId: string }>;
}) => Array<{ offset: string }>;
const createAdmin = require('kafkajs/src/admin/index.js') as (params: object) => {
  fetchTopicOffsets(topic: string): Promise<Array<{ partition: number; high: string; low: string }>>;
  fetchTopicOffsetsByTimestamp(topic: string, timestamp: number): Promise<Array<{ partition: number; offset: string }>>;
};
const Cluster = require('kafkajs/src/cluster/index.js') as {
  prototype: {
    metadata(this: object, options?: { topics?: string[] }): Promise<unknown>;
    findGroupCoordinator(this: object, options: { groupId: string }): Promise<unknown>;
  };
};
const { KafkaJSGroupCoordinatorNotFound } = require('kafkajs/src/errors.js') as { KafkaJSGroupCoordinatorNotFound: new (message: string) => Error };
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition.js') as (input: {
  topic: string;
  partitionMetadata: unknown[];
  messages: Array<{ key: string }>;
  partitioner: (args: { message: { key: string } }) => number;
}) => Record<number, Array<{ key: string }>>;
const BrokerPool = require('kafkajs/src/cluster/brokerPool.js') as { prototype: { withBroker: unknown } };
const createRetry = require('kafkajs/src/retry/index.js') as (options: object) => unknown;
const createEosManager = require('kafkajs/src/producer/eosManager/index.js') as (params: object) => {
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  commit(): Promise<void>;
  addPartitionsToTransaction(topicData: Array<{ topic: string; partitions: Array<{ partition: number }> }>): Promise<void>;
  sendOffsets(input: { consumerGroupId: string; topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }): Promise<void>;
};
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (options: object) => {
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  throttledUntil: number;
  pending: unknown[];
  push(request: object): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer | null; size: number }): void;
};
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as { createErrorFromCode(code: number): Error };

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

describe('kafkajs, patched: reading offsets while a leader is not known', () => {
  const NOT_LEADER_FOR_PARTITION = 6;
  const LEADER_NOT_AVAILABLE = 5;
  const silent = { namespace: () => silent, info() {}, warn() {}, error() {}, debug() {} };

  /** A cluster whose first answers for offsets are the given errors; it counts metadata refreshes. */
  function clusterFailingWith(codes: number[]) {
    const failures = [...codes];
    const cluster = {
      refreshes: 0,
      addTargetTopic: async () => {},
      refreshMetadataIfNecessary: async () => {},
      refreshMetadata: async () => void cluster.refreshes++,
      findTopicPartitionMetadata: () => [{ partitionId: 0 }],
      fetchTopicsOffset: async ([request]: Array<{ topic: string }>) => {
        const code = failures.shift();
        if (code !== undefined) throw createErrorFromCode(code);
        return [{ topic: request!.topic, partitions: [{ partition: 0, offset: '7' }] }];
      },
    };
    return cluster;
  }
  const adminOf = (cluster: object) => createAdmin({ logger: silent, cluster, retry: { initialRetryTime: 1, retries: 5 } });

  it('retries fetchTopicOffsets after refreshing the metadata', async () => {
    const cluster = clusterFailingWith([NOT_LEADER_FOR_PARTITION, LEADER_NOT_AVAILABLE]);
    expect(await adminOf(cluster).fetchTopicOffsets('t')).toEqual([{ partition: 0, offset: '7', high: '7', low: '7' }]);
    expect(cluster.refreshes).toBe(2);
  });

  it('retries fetchTopicOffsetsByTimestamp the same way', async () => {
    const cluster = clusterFailingWith([NOT_LEADER_FOR_PARTITION]);
    expect(await adminOf(cluster).fetchTopicOffsetsByTimestamp('t', 0)).toEqual([{ partition: 0, offset: '7' }]);
    expect(cluster.refreshes).toBe(1);
  });

  it('still gives up at once on an error a retry cannot mend', async () => {
    const TOPIC_AUTHORIZATION_FAILED = 29;
    await expect(adminOf(clusterFailingWith([TOPIC_AUTHORIZATION_FAILED])).fetchTopicOffsets('t')).rejects.toThrow(/authoriz/i);
  });
});

describe('kafkajs, patched: cluster metadata during a leader election', () => {
  const LEADER_NOT_AVAILABLE = 5;
  const TOPIC_AUTHORIZATION_FAILED = 29;

  /** Cluster.metadata on the real BrokerPool.withBroker over one broker whose first answers are errors. */
  function metadataFailingWith(codes: number[]) {
    const failures = [...codes];
    const broker = {
      calls: 0,
      metadata: async () => {
        broker.calls++;
        const code = failures.shift();
        if (code !== undefined) throw createErrorFromCode(code);
        return { topicMetadata: [{ topic: 't' }] };
      },
    };
    const brokerPool = { brokers: { 1: broker }, findBroker: async () => broker, refreshMetadataIfNecessary: async () => {}, withBroker: BrokerPool.prototype.withBroker };
    const cluster = { brokerPool, retrier: createRetry({ initialRetryTime: 1, retries: 5 }) };
    return { broker, metadata: () => Cluster.prototype.metadata.call(cluster) };
  }

  it('retries until the broker answers, instead of answering null', async () => {
    const { broker, metadata } = metadataFailingWith([LEADER_NOT_AVAILABLE, LEADER_NOT_AVAILABLE]);
    expect(await metadata()).toEqual({ topicMetadata: [{ topic: 't' }] });
    expect(broker.calls).toBe(3);
  });

  it("fails with the broker's own error when a retry cannot mend it", async () => {
    const { broker, metadata } = metadataFailingWith([TOPIC_AUTHORIZATION_FAILED]);
    await expect(metadata()).rejects.toThrow(/authoriz/i);
    expect(broker.calls).toBe(1);
  });
});

describe('kafkajs, patched: finding the group coordinator while no broker answers', () => {
  it('retries the lookup instead of crashing the consumer for good', async () => {
    const broker = { nodeId: 1 };
    let lookups = 0;
    const cluster = {
      logger: { debug() {} },
      retrier: createRetry({ initialRetryTime: 1, retries: 5 }),
      // What BrokerPool.withBroker gives when every broker refused the connection: no coordinator.
      findGroupCoordinatorMetadata: async () => {
        if (++lookups <= 2) throw new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator');
        return { coordinator: { nodeId: 1 } };
      },
      findBroker: async () => broker,
    };
    expect(await Cluster.prototype.findGroupCoordinator.call(cluster, { groupId: 'g' })).toBe(broker);
    expect(lookups).toBe(3);
  });
});

describe('groupMessagesPerPartition (patched)', () => {
  it("puts each message under its partitioner's partition, in the order sent", () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}` }));
    const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}, {}, {}], messages, partitioner: ({ message }) => Number(message.key.slice(1)) % 3 });
    expect(grouped).toEqual({ 0: [messages[0], messages[3], messages[6], messages[9]], 1: [messages[1], messages[4], messages[7]], 2: [messages[2], messages[5], messages[8]] });
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 })).toEqual({});
  });
});

describe('kafkajs, patched: a transaction begun while the last commit completes', () => {
  const concurrentTransactions = 51;
  /** A coordinator that answers CONCURRENT_TRANSACTIONS `busyAnswers` times to each request of a transaction, then the error of `thenCode`, if any. */
  function transactionAgainst(busyAnswers: number, thenCode?: number, transactionTimeout = 60_000) {
    const calls = { addPartitionsToTxn: 0, addOffsetsToTxn: 0, txnOffsetCommit: 0 };
    const answer = (name: 'addPartitionsToTxn' | 'addOffsetsToTxn') => async () => {
      calls[name] += 1;
      if (calls[name] <= busyAnswers) throw createErrorFromCode(concurrentTransactions);
      if (thenCode !== undefined) throw createErrorFromCode(thenCode);
    };
    const coordinator = {
      initProducerId: async () => ({ producerId: 1, producerEpoch: 0 }),
      addPartitionsToTxn: answer('addPartitionsToTxn'),
      addOffsetsToTxn: answer('addOffsetsToTxn'),
      txnOffsetCommit: async () => void (calls.txnOffsetCommit += 1),
    };
    const cluster = { retry: { retries: 0 }, refreshMetadataIfNecessary: async () => undefined, findGroupCoordinator: async () => coordinator };
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const eos = createEosManager({ logger, cluster, transactional: true, transactionalId: 'tx', transactionTimeout });
    return { eos, calls };
  }

  it('asks again until the coordinator takes the partitions and the offsets', async () => {
    const { eos, calls } = transactionAgainst(3);
    await eos.initProducerId();
    eos.beginTransaction();
    await eos.addPartitionsToTransaction([{ topic: 't', partitions: [{ partition: 0 }] }]);
    await eos.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '1' }] }] });
    expect(calls).toEqual({ addPartitionsToTxn: 4, addOffsetsToTxn: 4, txnOffsetCommit: 1 });
  });

  it('passes any other error on at once', async () => {
    const { eos, calls } = transactionAgainst(1, 47); // INVALID_PRODUCER_EPOCH: fenced
    await eos.initProducerId();
    eos.beginTransaction();
    await expect(eos.addPartitionsToTransaction([{ topic: 't', partitions: [{ partition: 0 }] }])).rejects.toMatchObject({ type: 'INVALID_PRODUCER_EPOCH' });
    expect(calls.addPartitionsToTxn).toBe(2);
  });

  it('gives up once the transaction timeout has passed', async () => {
    const { eos } = transactionAgainst(Number.POSITIVE_INFINITY, undefined, 30);
    await eos.initProducerId();
    eos.beginTransaction();
    await expect(eos.addPartitionsToTransaction([{ topic: 't', partitions: [{ partition: 0 }] }])).rejects.toMatchObject({ type: 'CONCURRENT_TRANSACTIONS' });
  });
});

describe('kafkajs, patched: a transactional producer keeps its coordinators', () => {
  function producerAgainst(failures: Map<string, number> = new Map()) {
    const lookups: string[] = [];
    const sent: string[] = [];
    const request = (name: string) => async () => {
      sent.push(name);
      const code = failures.get(name);
      if (code !== undefined) {
        failures.delete(name);
        throw createErrorFromCode(code);
      }
      return name === 'initProducerId' ? { producerId: 1, producerEpoch: 0 } : undefined;
    };
    const coordinator = Object.fromEntries(['initProducerId', 'addPartitionsToTxn', 'addOffsetsToTxn', 'txnOffsetCommit', 'endTxn'].map((name) => [name, request(name)]));
    const broker = { nodeId: 1, ...coordinator };
    const cluster = {
      retry: { retries: 1, initialRetryTime: 1 },
      refreshMetadataIfNecessary: async () => undefined,
      findGroupCoordinator: async ({ groupId }: { groupId: string }) => (lookups.push(groupId), broker),
      findBroker: async ({ nodeId }: { nodeId: number }) => (nodeId === 1 ? broker : Promise.reject(new Error(`no broker ${nodeId}`))),
    };
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    return { eos: createEosManager({ logger, cluster, transactional: true, transactionalId: 'tx' }), lookups, sent };
  }
  const transaction = async (eos: ReturnType<typeof producerAgainst>['eos']) => {
    eos.beginTransaction();
    await eos.addPartitionsToTransaction([{ topic: 't', partitions: [{ partition: 0 }] }]);
    await eos.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '1' }] }] });
    await eos.commit();
  };

  it('looks each coordinator up once, not before every request', async () => {
    const { eos, lookups, sent } = producerAgainst();
    await eos.initProducerId();
    await transaction(eos);
    await transaction(eos);
    expect(sent.filter((name) => name === 'endTxn')).toHaveLength(2);
    expect(lookups).toEqual(['tx', 'g']);
  });

  it('looks a coordinator up again after it answered that it is not the coordinator', async () => {
    const { eos, lookups } = producerAgainst(new Map([['addOffsetsToTxn', 16]])); // NOT_COORDINATOR_FOR_GROUP
    await eos.initProducerId();
    eos.beginTransaction();
    await eos.addPartitionsToTransaction([{ topic: 't', partitions: [{ partition: 0 }] }]);
    await expect(eos.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '1' }] }] })).rejects.toMatchObject({ type: 'NOT_COORDINATOR_FOR_GROUP' });
    await eos.sendOffsets({ consumerGroupId: 'g', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '1' }] }] });
    expect(lookups).toEqual(['tx', 'tx', 'g']);
  });

  it('finds the group coordinator again when the offset commit went to a stale one', async () => {
    const { eos, lookups, sent } = producerAgainst(new Map([['txnOffsetCommit', 16]]));
    await eos.initProducerId();
    await transaction(eos); // sendOffsets retries the offset commit itself
    expect(sent.filter((name) => name === 'txnOffsetCommit')).toHaveLength(2);
    expect(lookups).toEqual(['tx', 'g', 'g']);
  });
});

describe('kafkajs, patched: a connection with no requests pending', () => {
  const logger = { debug() {}, info() {}, warn() {}, error() {} };
  const queueOf = () => new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'c', broker: 'b', logger });
  const request = (correlationId: number, sent: number[]) => ({ entry: { correlationId, apiKey: 1, apiName: 'Fetch', apiVersion: 11, resolve() {}, reject() {} }, expectResponse: true, sendRequest: () => sent.push(correlationId) });

  it('schedules no check after its last response', () => {
    const queue = queueOf();
    const sent: number[] = [];
    queue.push(request(1, sent));
    queue.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(sent).toEqual([1]);
    expect(queue.throttleCheckTimeoutId).toBeNull();
  });

  it('still sends a request held back by client-side throttling once the throttle ends', async () => {
    const queue = queueOf();
    const sent: number[] = [];
    queue.throttledUntil = Date.now() + 20;
    queue.push(request(1, sent));
    expect(sent).toEqual([]);
    expect(queue.throttleCheckTimeoutId).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sent).toEqual([1]);
  });

  it('sends a request held back by one in flight when that one is answered', () => {
    const queue = queueOf();
    const sent: number[] = [];
    queue.push(request(1, sent));
    queue.push(request(2, sent));
    expect(sent).toEqual([1]);
    queue.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(sent).toEqual([1, 2]);
  });
});

describe('kafkajs, patched: produce requests from unzeroed buffers', () => {
  const produceRequest = require('kafkajs/src/protocol/requests/produce/v3/request.js') as (input: object) => { encode(): Promise<{ buffer: Buffer }> };
  const request = () =>
    produceRequest({
      acks: -1,
      timeout: 30_000,
      transactionalId: 'gridstream.clean.0',
      topicData: [
        {
          topic: 'p.clean',
          partitions: [
            {
              partition: 0,
              firstSequence: 0,
              messages: [
                { key: Buffer.from('meter:M-1'), value: Buffer.from([0, 0, 0, 0, 1, 2]), headers: { 'gridstream.input.offset': '41' }, timestamp: 1_000 },
                { key: null, value: Buffer.alloc(700, 7), partition: 0, timestamp: 2_000 },
              ],
            },
          ],
        },
      ],
    });
  /** Leaves Node's buffer pool, where the next small allocations come from, full of `byte`. */
  const soilPool = (byte: number) => {
    for (let i = 0; i < 64; i++) Buffer.allocUnsafe(2_048).fill(byte);
  };

  it('encodes the same bytes whatever the pool held before', async () => {
    soilPool(0x00);
    const clean = (await request().encode()).buffer;
    soilPool(0xa5);
    const soiled = (await request().encode()).buffer;
    expect(soiled.equals(clean)).toBe(true);
    expect(clean.includes(Buffer.from('gridstream.input.offset'))).toBe(true);
  });
});

describe('kafkajs, patched: the record batch checksum', () => {
  const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (buffer: Buffer) => number;
  // CRC-32C by its definition: the reflected Castagnoli polynomial, one bit at a time.
  const byDefinition = (buffer: Buffer): number => {
    let crc = ~0;
    for (const byte of buffer) {
      crc ^= byte;
      for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    }
    return ~crc >>> 0;
  };

  it('gives the standard check value for "123456789"', () => {
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('agrees with the definition at every length, aligned to eight bytes or not', () => {
    let seed = 7;
    const bytes = Buffer.from(Array.from({ length: 300 }, () => (seed = (seed * 1_103_515_245 + 12_345) >>> 0) >>> 24));
    for (let length = 0; length <= 300; length++) {
      for (const start of [0, 3]) {
        const slice = bytes.subarray(start, Math.min(start + length, bytes.length));
        expect(crc32C(slice)).toBe(byDefinition(slice));
      }
    }
  });
});

describe("kafkajs, patched: the default partitioner's murmur2", () => {
  const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: string | Buffer) => number;
  const createPartitioner = require('kafkajs/src/producer/partitioners/default/index.js') as () => (args: object) => number;

  it('gives the hashes the unpatched Long version gave', () => {
    // From kafkajs 2.2.4 as released; "21" → -973932308 is also among the Java client's vectors.
    const before: Array<[string, number]> = [
      ['', 275646681], ['a', -1563381124], ['ab', 316155434], ['abc', 479470107], ['abcd', -1323649548],
      ['abcde', 461995741], ['meter:M-0001', -2060970099], ['meter:M-9999', 923319654],
      ['eia:CISO:demand', 1116424349], ['tep:run-7', -982409390], ['wéather:Zürich', -2098898151],
      ['21', -973932308], ['kafkajs', 574251914],
    ];
    for (const [key, hash] of before) expect(murmur2(key), key).toBe(hash);
    expect(murmur2(Buffer.from('meter:M-0001'))).toBe(-2060970099);
  });

  it('places a key by its hash and a keyless message on an available partition', () => {
    const partition = createPartitioner();
    const partitionMetadata = [0, 1, 2, 3, 4, 5].map((partitionId) => ({ partitionId, leader: partitionId === 2 ? -1 : 0 }));
    expect(partition({ topic: 't', partitionMetadata, message: { key: 'meter:M-0001' } })).toBe((-2060970099 & 0x7fffffff) % 6);
    for (let i = 0; i < 12; i++) expect(partition({ topic: 't', partitionMetadata, message: { value: 'x' } })).not.toBe(2);
  });
});
