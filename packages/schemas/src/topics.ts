import type { CleanMeasurement, FeatureVector, Gap, Measurement, QualityPart, QualityReport, Sequence } from './generated/types.js';

/** The stages of the pipeline; each names its consumer group and changelog. */
export type Stage = 'ingest' | 'validate' | 'clean' | 'feature' | 'quality' | 'window' | 'redis-sink' | 'influx-sink';

/** A topic prefix becomes part of topic names: Kafka allows letters, digits, '.', '_' and '-'. */
export const topicPrefixPattern = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Every topic, subject and consumer-group name, derived from the topic prefix.
 * `topicNames('gridstream').valid` is `gridstream.valid`.
 */
export function topicNames(prefix: string) {
  if (!topicPrefixPattern.test(prefix)) {
    throw new Error(`topic prefix "${prefix}": use 1-200 letters, digits, '.', '_' or '-', e.g. gridstream`);
  }
  return {
    prefix,
    /** JSON from external producers such as meters, parsed by ingest. */
    ingestJson: `${prefix}.ingest.json`,
    raw: `${prefix}.raw`,
    valid: `${prefix}.valid`,
    clean: `${prefix}.clean`,
    gaps: `${prefix}.gaps`,
    features: `${prefix}.features`,
    /** Feature's kept weather records, which every feature instance reads whole for the as-of join onto load. */
    weather: `${prefix}.weather`,
    /** Data-quality counts per stage transaction, which the quality stage adds up into <p>.quality. */
    qualityParts: `${prefix}.quality.parts`,
    quality: `${prefix}.quality`,
    sequences: `${prefix}.sequences`,
    dlq: `${prefix}.dlq`,
    /** Compacted topic holding a stage's per-partition state. */
    changelog: (stage: Stage) => `${prefix}.${stage}.changelog`,
    /** Registry subject of a topic's values (TopicNameStrategy). */
    subject: (topic: string) => `${topic}-value`,
    group: (stage: Stage) => `${prefix}.${stage}`,
  };
}
export type TopicNames = ReturnType<typeof topicNames>;

/** The value schema (a file in avro/) of each Avro topic; the DLQ and JSON input carry raw bytes. */
export const valueSchemaOf = {
  raw: 'Measurement',
  valid: 'Measurement',
  clean: 'CleanMeasurement',
  gaps: 'Gap',
  features: 'FeatureVector',
  weather: 'CleanMeasurement',
  qualityParts: 'QualityPart',
  quality: 'QualityReport',
  sequences: 'Sequence',
} as const satisfies Partial<Record<keyof TopicNames, string>>;
export type AvroTopic = keyof typeof valueSchemaOf;

const largestSequenceBytes = 64 * 2 ** 20;
/**
 * Topic-level settings a topic is created with: a year-long sequence of a wide feature set is
 * several MiB, and a dead letter is its record plus headers, so it must fit where the record did.
 */
export const topicSettings: Partial<Record<AvroTopic | 'dlq', Record<string, string>>> = {
  sequences: { 'max.message.bytes': String(largestSequenceBytes) },
  dlq: { 'max.message.bytes': String(largestSequenceBytes + 2 ** 20) },
};

/** The decoded value of each topic a stage can read: Avro topics as their record, the JSON input as bytes. */
export interface TopicValues {
  ingestJson: Uint8Array;
  raw: Measurement;
  valid: Measurement;
  clean: CleanMeasurement;
  gaps: Gap;
  features: FeatureVector;
  weather: CleanMeasurement;
  qualityParts: QualityPart;
  quality: QualityReport;
  sequences: Sequence;
}
