import avro from 'avsc';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, Partitioners, type Admin, type IHeaders, type KafkaMessage, type Message, type Producer } from 'kafkajs';
import { loadSchemas, valueSchemaOf, type AvroTopic } from '@gridstream/schemas';
import { producerRequests } from './message-bytes.js';
import { readToEnd } from './read-to-end.js';
import { RegistrySerde } from './registry-serde.js';
import { ensureTopics, type TopicSpec } from './topics-admin.js';

/** A record as read back from a topic. */
export interface TopicRecord {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
  timestampMs: number;
}

/** A record to publish; without a partition, the key picks it (the Java client's murmur2). */
export interface OutgoingRecord {
  key: string | null;
  value: Buffer | string | null;
  headers?: Record<string, string>;
  partition?: number;
}

/**
 * Kafka and registry access outside a stage: ingest endpoints, the simulator, operator tools
 * and tests publish and read through it, so only the runtime knows the client libraries.
 */
export class TopicClient {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private producer: Producer | null = null;
  private readonly serde: RegistrySerde;
  private readonly schemas = loadSchemas();
  private readonly readers = new Map<AvroTopic, avro.Type>();

  constructor(options: { brokers: readonly string[]; registryUrl: string; clientId?: string }) {
    this.kafka = new Kafka({ clientId: options.clientId ?? 'gridstream-client', brokers: [...options.brokers], logLevel: logLevel.NOTHING });
    this.admin = this.kafka.admin();
    this.serde = new RegistrySerde(new SchemaRegistry({ host: options.registryUrl }));
  }

  async connect(): Promise<this> {
    await this.admin.connect();
    return this;
  }

  ensureTopics(specs: TopicSpec[]): Promise<Map<string, number>> {
    return ensureTopics(this.admin, specs);
  }

  /**
   * Publishes with an idempotent producer, in order, and waits for every in-sync replica. Large
   * inputs go in several requests: the broker refuses a record batch over its message size
   * limit (1 MiB), and an HTTP body may be far larger.
   */
  async publish(topicRecords: Array<{ topic: string; records: OutgoingRecord[] }>): Promise<void> {
    if (!this.producer) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      this.producer = producer;
    }
    const topicMessages = topicRecords.map(({ topic, records }) => ({
      topic,
      messages: records.map((r): Message => ({ key: r.key, value: r.value, ...(r.headers && { headers: r.headers }), ...(r.partition !== undefined && { partition: r.partition }) })),
    }));
    for (const request of producerRequests(topicMessages)) await this.producer.sendBatch({ topicMessages: request, acks: -1 });
  }

  /** Registers the value schema of an Avro topic under its subject and returns an encoder for it. */
  async avroEncoder<T extends AvroTopic>(topicKey: T, topic: string): Promise<(value: unknown) => Buffer> {
    const id = await this.serde.register(`${topic}-value`, this.schemas.get(valueSchemaOf[topicKey])!);
    return (value) => this.serde.encode(id, value);
  }

  /** Decodes Confluent-framed Avro into the current schema of an Avro topic. */
  async decodeAvro(topicKey: AvroTopic, bytes: Buffer): Promise<unknown> {
    let reader = this.readers.get(topicKey);
    if (!reader) {
      reader = avro.Type.forSchema(this.schemas.get(valueSchemaOf[topicKey])! as avro.Schema);
      this.readers.set(topicKey, reader);
    }
    return (await this.serde.decode(bytes, reader)).value;
  }

  /** Records of `topic` not yet committed by consumer group `groupId` (all of them when it committed nothing). */
  async groupLag(groupId: string, topic: string): Promise<number> {
    const [ends, [committed]] = await Promise.all([this.admin.fetchTopicOffsets(topic), this.admin.fetchOffsets({ groupId, topics: [topic] })]);
    let lag = 0n;
    for (const end of ends) {
      const offset = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      lag += BigInt(end.high) - (offset === '-1' ? BigInt(end.low) : BigInt(offset));
    }
    return Number(lag);
  }

  /** Per partition, the first offset whose record timestamp is at or after `ms` (the end when none is). */
  async offsetsAt(topic: string, ms: number): Promise<Map<number, string>> {
    const [byTime, ends] = await Promise.all([this.admin.fetchTopicOffsetsByTimestamp(topic, ms), this.admin.fetchTopicOffsets(topic)]);
    return new Map(byTime.map((o) => [o.partition, o.offset === '-1' ? ends.find((e) => e.partition === o.partition)!.high : o.offset]));
  }

  /** How many records each partition holds from `from` to its end now. */
  async countFrom(topic: string, from: Map<number, string>): Promise<number> {
    const ends = await this.admin.fetchTopicOffsets(topic);
    return ends.reduce((sum, o) => sum + Math.max(0, Number(BigInt(o.high) - BigInt(from.get(o.partition) ?? o.low))), 0);
  }

  /** Committed records from the offsets in `from` to the end each partition has now; the callback may hold the reader with a promise. */
  async readFrom(topic: string, from: Map<number, string>, onRecord: (record: TopicRecord) => void | Promise<void>): Promise<void> {
    await readToEnd(this.kafka, this.admin, topic, 'all', (message, partition) => onRecord(toRecord(message, partition)), from);
  }

  /** Every committed record of a topic, from the start to the end it has now. */
  async readAll(topic: string): Promise<TopicRecord[]> {
    const records: TopicRecord[] = [];
    await readToEnd(this.kafka, this.admin, topic, 'all', (message, partition) => void records.push(toRecord(message, partition)));
    return records;
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
    await this.admin.disconnect();
  }
}

/** What a record adds to a request: key, value and headers (ingest's dead letters carry about 600 B of them). */
function toRecord(message: KafkaMessage, partition: number): TopicRecord {
  return { key: message.key?.toString() ?? null, value: message.value, headers: headerStrings(message.headers), partition, offset: message.offset, timestampMs: Number(message.timestamp) };
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(Array.isArray(value) ? value[0] : value)]));
}
