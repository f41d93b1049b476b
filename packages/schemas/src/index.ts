export * from './generated/types.js';
export { topicNames, valueSchemaOf, type Stage, type TopicNames } from './topics.js';
export { loadSchemas, loadHistory, type AvroSchema } from './schema-files.js';
