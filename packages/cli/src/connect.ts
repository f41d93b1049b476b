import { parseConfig, runtimeConfigSchema, TopicClient } from '@gridstream/runtime';
import { topicNames, type TopicNames } from '@gridstream/schemas';

/** Kafka and registry from the same environment variables the services read. */
export async function connectFromEnv(): Promise<{ client: TopicClient; topics: TopicNames; partitions: number }> {
  const runtime = parseConfig(runtimeConfigSchema('ingest'), process.env);
  const client = await new TopicClient({ brokers: runtime.brokers, registryUrl: runtime.registryUrl, clientId: 'gridstream-cli' }).connect();
  return { client, topics: topicNames(runtime.topicPrefix), partitions: runtime.partitions };
}
