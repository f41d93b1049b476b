export * from './generated/types.js';
export { topicNames, topicPrefixPattern, topicSettings, valueSchemaOf, type AvroTopic, type Stage, type TopicNames, type TopicValues } from './topics.js';
export { loadSchemas, loadHistory, type AvroSchema } from './schema-files.js';
export { goldenSchemaId, samples } from '../fixtures/samples.js';
export { goldenBytes } from './golden.js';
