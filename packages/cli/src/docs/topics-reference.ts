// docs/topics.md: every topic and every Avro schema, read off packages/schemas (topics.ts and the
// .avsc files) so the reference cannot drift. Who writes and reads each topic is written here, and
// a test holds it to the services' wiring (services/*/src/main.ts).
import { deadLetterHeaders } from '@gridstream/runtime';
import {
  loadHistory,
  loadSchemas,
  topicNames,
  topicSettings,
  valueSchemaOf,
  type AvroSchema,
  type AvroTopic,
  type Stage,
  type TopicNames,
} from '@gridstream/schemas';
import { redrivenFromHeader } from '../dlq-command.js';
import { anchorOf, code, table } from './markdown.js';
import { regenerateCommand } from './regenerate-command.js';

/** The topics of a pipeline, by their key in `topicNames(prefix)`; changelogs are per stage. */
export type TopicKey = Exclude<keyof TopicNames, 'prefix' | 'changelog' | 'subject' | 'group'>;

export interface TopicRole {
  /** What the message key is. */
  key: string;
  /** Who writes and who reads it: a Stage name is that service's wiring (checked by a test), anything else is Markdown. */
  writers: string[];
  readers: string[];
}

export const topicRoles: Record<TopicKey, TopicRole> = {
  ingestJson: {
    key: "the producer's choice (the simulator sends the entity id); ingest keys what it writes by the entity in the event",
    writers: ['external producers', '`gridstream simulate --to kafka`'],
    readers: ['ingest'],
  },
  raw: {
    key: 'entity id',
    writers: ['ingest', "ingest's HTTP endpoint (`POST /v1/measurements`)", '`gridstream ingest file|url`'],
    readers: ['validate'],
  },
  valid: { key: 'entity id', writers: ['validate'], readers: ['clean'] },
  clean: { key: 'entity id', writers: ['clean'], readers: ['feature', 'influx-sink', '`gridstream replay`'] },
  gaps: { key: 'entity id', writers: ['clean'], readers: ['influx-sink', '`gridstream replay`'] },
  features: { key: 'entity id', writers: ['feature'], readers: ['window', 'redis-sink', 'influx-sink', '`gridstream replay`'] },
  weather: {
    key: 'entity id (`weather:<station>`)',
    writers: ['feature'],
    readers: ['every feature instance, all partitions (side input)'],
  },
  qualityParts: {
    key: '`<source>@<window start, ISO 8601>`',
    writers: ["any stage's runtime, in the batch's transaction (validate and clean count today)"],
    readers: ['quality'],
  },
  quality: { key: '`<source>@<window start, ISO 8601>`', writers: ['quality'], readers: ['influx-sink', '`gridstream replay`'] },
  sequences: { key: 'entity id', writers: ['window'], readers: ['redis-sink', '`gridstream replay`'] },
  dlq: {
    key: "the failed record's own key (none for HTTP and file input)",
    writers: ['every stage and sink', "ingest's HTTP endpoint and `gridstream ingest file|url`"],
    readers: ['`gridstream dlq`'],
  },
};

/** The stages that keep per-entity state, so write `<p>.<stage>.changelog` (their `state` in main.ts). */
export const changelogStages: Stage[] = ['clean', 'feature', 'quality', 'window'];

/** What each header of a dead letter holds; the names are checked against the runtime's `deadLetterHeaders`. */
const deadLetterHeaderMeanings: Record<string, string> = {
  '__connect.errors.topic': 'the topic the record was read from (`http` or `file:<name>` for input that never was on Kafka)',
  '__connect.errors.partition': 'its partition (-1 for HTTP and file input)',
  '__connect.errors.offset': 'its offset (the line or element number for HTTP and file input)',
  '__connect.errors.stage': 'the stage or sink that gave up on it',
  '__connect.errors.exception.class.name': 'the error class, e.g. `UndecodableError`, `ContractViolation`, `StoreRejected`',
  '__connect.errors.exception.message': 'what was wrong, e.g. `load -0.1 kW is outside 0..10000 kW`',
  'gridstream.reason': 'the reason code ([dlq-reasons.md](dlq-reasons.md))',
  'gridstream.field.path': 'where in the record the problem is, e.g. `values.load` (when known)',
  'gridstream.failure.first.ms': 'when processing its batch first failed (a transient fault before), else when it was dead-lettered; epoch milliseconds',
  'gridstream.failure.last.ms': 'when it was dead-lettered, epoch milliseconds',
  'gridstream.attempts': 'attempts at its batch: 1, plus one per retry after a transient fault',
};

const placeholder = 'PREFIX';
const shown = (name: string) => name.replace(placeholder, '<p>');

export function renderTopicsReference(): string {
  const t = topicNames(placeholder);
  const keys = (Object.keys(t) as Array<keyof TopicNames>).filter((key): key is TopicKey => typeof t[key] === 'string' && key !== 'prefix');
  const undocumented = keys.filter((key) => !(key in topicRoles));
  if (undocumented.length > 0) throw new Error(`topics without a role in topics-reference.ts: ${undocumented.join(', ')}`);
  const schemas = loadSchemas();

  return `# Topics and schemas

<!-- Generated from packages/schemas (topics.ts and avro/*.avsc) by \`${regenerateCommand}\`; edit those, not this file. -->

Every topic is named \`<p>.<name>\`, where \`<p>\` is the topic prefix (\`GRIDSTREAM_TOPIC_PREFIX\`,
default \`gridstream\`). All topic, subject and consumer-group names come from \`topicNames(prefix)\`
in \`packages/schemas/src/topics.ts\`, so pipelines with different prefixes can share one cluster.

- **Keys** are UTF-8 strings without a schema. gridstream's producers pick the partition from the
  key with the Java client's murmur2 hash, so every record of an entity lands on the same
  partition, as it would from any Java-compatible client.
- **Values** of the Avro topics are in the Confluent wire format: magic byte 0, the schema id as a
  4-byte big-endian integer, then the Avro body. The value schema is registered under the subject
  \`<topic>-value\` (TopicNameStrategy) by whoever writes the topic, at start-up; a new subject is
  set to FULL_TRANSITIVE compatibility. Readers decode any registered version into their own
  schema. The schemas are [below](#schemas).
- **Consumer groups** are \`<p>.<stage>\`; a stage's transactional producers are
  \`<p>.<stage>.<input partition>\` ([architecture.md](architecture.md#exactly-once)).

This page is generated: \`${regenerateCommand}\` rewrites it, and a unit test fails while it
differs from the schemas, or while a service's wiring differs from who is said to read and
write a topic.

## Topics

${table(
  ['topic', 'key', 'value', 'written by', 'read by'],
  [
    ...keys.map((key) => {
      const role = topicRoles[key];
      return [code(shown(t[key])), role.key, valueOf(key), role.writers.map(who).join(', '), role.readers.map(who).join(', ')];
    }),
    [
      code(shown(t.changelog('STAGE' as Stage)).replace('STAGE', '<stage>')),
      "the input record's key (for quality `<source>@<window start>`); see below",
      "a stage's own encoding of one entity's state",
      `the stage itself: ${changelogStages.map(who).join(', ')}`,
      'the same stage, when a partition is assigned',
    ],
  ],
)}

## Partitions and settings

gridstream does not rely on the broker creating topics (the local stack runs with
\`auto.create.topics.enable=false\`). Each service creates the topics it reads and writes when it
starts and they do not exist yet; a topic that exists is left as it is.

${table(
  ['topic', 'partitions', 'cleanup.policy', 'other settings'],
  [
    ...keys.map((key) => [code(shown(t[key])), `\`GRIDSTREAM_PARTITIONS\` of the service that creates it`, "the broker's default (`delete`)", settingsOf(key)]),
    [code('<p>.<stage>.changelog'), "as many as the stage's input topic", '`compact`', '—'],
  ],
)}

- The replication factor and retention are the broker's defaults (\`default.replication.factor\`,
  \`log.retention.*\`); gridstream sets neither. Retention bounds how far back
  \`gridstream replay\` and \`gridstream dlq\` can reach, and how much of \`<p>.weather\` a new
  feature instance reads.
- Choose the partition count before the first start: it bounds how many instances of a stage
  share the work, and a changelog has exactly one partition per input partition
  ([operations.md](operations.md#scaling-out)).

## Changelogs

A stateful stage keeps each input partition's entity states in the same partition of its
compacted \`<p>.<stage>.changelog\`, written in the same transaction as the batch's output and
offsets. Keys: the input record's key (the entity id; for quality \`<source>@<window start>\`); a
stage whose state is kept in parts (window) writes \`<key>\\u0000<part>\` per part; a stage that
works in event time (clean) also writes its partition clock under \`\\u0000watermark\`. Every
changelog record carries the header \`gridstream.input.offset\`: the last input offset its state
reflects.

## Headers

A dead letter on \`<p>.dlq\` keeps the key, value and headers of the record that failed and adds
Kafka Connect's error headers plus gridstream's own:

${table(
  ['header', 'meaning'],
  deadLetterHeaderNames().map((name) => [code(name), deadLetterHeaderMeanings[name]!]),
)}

Some dead letters carry more: \`gridstream.late.by.ms\` (reason \`late\`, from clean and window: by
how much it missed), \`gridstream.batch.id\` (HTTP and file input: the batch it came in). A record
that \`gridstream dlq redrive\` sent back to its topic carries \`${redrivenFromHeader}\`
(\`<dlq topic>/<partition>/<offset>\`), and none of the \`__connect.errors.*\` or other \`gridstream.*\`
headers.

## Schemas

The \`.avsc\` files in \`packages/schemas/avro/\` are the source of truth; the TypeScript types in
\`packages/schemas/src/generated/\` and this section are generated from them. Every released
version is kept in \`avro/history/<Name>/v<N>.avsc\`, and a test checks each schema against all of
them both ways (FULL_TRANSITIVE): a field added later has a default, which a reader fills in when
the data was written without the field. Timestamps are epoch milliseconds, UTC.

${[...schemas.values()].map((schema) => schemaSection(schema, t)).join('\n\n')}
`;
}

function who(role: string): string {
  return /^[a-z-]+$/.test(role) ? code(role) : role;
}

function valueOf(key: TopicKey): string {
  if (key === 'ingestJson') return 'JSON: one canonical event or an array of them (bytes, no schema)';
  if (key === 'dlq') return 'the original bytes, untouched';
  const name = valueSchemaOf[key];
  return `[${name}](#${anchorOf(name)})`;
}

function settingsOf(key: TopicKey): string {
  const settings = key in valueSchemaOf || key === 'dlq' ? topicSettings[key as AvroTopic | 'dlq'] : undefined;
  return settings ? Object.entries(settings).map(([name, value]) => code(`${name}=${value}`)).join(', ') : '—';
}

/** The header names `deadLetterHeaders` writes, checked against the meanings above. */
function deadLetterHeaderNames(): string[] {
  const names = Object.keys(
    deadLetterHeaders({ topic: 't', partition: 0, offset: '0', stage: 's', reason: 'late', errorClass: 'E', message: 'm', firstFailureMs: 0, lastFailureMs: 0, attempts: 1, fieldPath: 'f' }),
  );
  const unexplained = names.filter((name) => !(name in deadLetterHeaderMeanings));
  const gone = Object.keys(deadLetterHeaderMeanings).filter((name) => !names.includes(name));
  if (unexplained.length > 0 || gone.length > 0) {
    throw new Error(`dead-letter headers changed: explain ${unexplained.join(', ') || '-'}; drop ${gone.join(', ') || '-'} (topics-reference.ts)`);
  }
  return names;
}

type AvroField = AvroSchema['fields'][number];
interface NamedRecord {
  name: string;
  doc?: string;
  fields: AvroField[];
}

function schemaSection(schema: AvroSchema, t: TopicNames): string {
  const topics = (Object.entries(valueSchemaOf) as Array<[AvroTopic, string]>).filter(([, name]) => name === schema.name).map(([key]) => code(shown(t[key])));
  const versions = loadHistory(schema.name).length;
  const nested: NamedRecord[] = [];
  const rows = fieldRows(schema.fields, nested);
  const doc = typeof schema.doc === 'string' ? `${prose(schema.doc)}\n\n` : '';
  const where = `Topics: ${topics.join(', ') || 'none'}. Released versions: ${versions} (\`avro/history/${schema.name}/\`).`;
  const parts = [`### ${schema.name}\n\n${doc}${where}\n\n${rows}`];
  for (let i = 0; i < nested.length; i++) {
    const record = nested[i]!;
    parts.push(`#### ${schema.name}.${record.name}\n\n${record.doc ? `${prose(record.doc)}\n\n` : ''}${fieldRows(record.fields, nested)}`);
  }
  return parts.join('\n\n');
}

function fieldRows(fields: AvroField[], nested: NamedRecord[]): string {
  return table(
    ['field', 'type', 'default', 'meaning'],
    fields.map((field) => [code(field.name), code(typeOf(field.type, nested)), field.default === undefined ? '—' : code(JSON.stringify(field.default)), prose(field.doc ?? '')]),
  );
}

/** A schema's doc text as Markdown: topic names such as <p>.clean as code, or \`<p>\` would be read as HTML. */
function prose(text: string): string {
  return text.replace(/<p>\.[\w.]+/g, (topic) => code(topic));
}

/** An Avro type as text; records met on the way are collected to be described after the schema. */
function typeOf(type: unknown, nested: NamedRecord[]): string {
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.map((branch) => typeOf(branch, nested)).join(' | ');
  const t = type as { type: string; logicalType?: string; items?: unknown; values?: unknown; name?: string; doc?: string; fields?: AvroField[]; symbols?: string[]; size?: number };
  if (t.logicalType) return `${t.logicalType} (${t.type})`;
  if (t.type === 'array') return `array<${typeOf(t.items, nested)}>`;
  if (t.type === 'map') return `map<${typeOf(t.values, nested)}>`;
  if (t.type === 'record') {
    if (!nested.some((record) => record.name === t.name)) nested.push({ name: t.name!, ...(t.doc === undefined ? {} : { doc: t.doc }), fields: t.fields ?? [] });
    return t.name!;
  }
  if (t.type === 'enum') return `enum ${t.name} (${(t.symbols ?? []).join(', ')})`;
  if (t.type === 'fixed') return `fixed ${t.name} (${t.size} bytes)`;
  return t.type;
}
