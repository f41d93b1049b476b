import type { Admin, ITopicConfig } from 'kafkajs';

/** A topic a stage reads or writes; missing ones are created at start-up (the broker does not auto-create). */
export interface TopicSpec {
  topic: string;
  partitions: number;
  compacted?: boolean;
}

/** Creates the topics that do not exist yet and returns the partition count of every one. */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = specs
    .filter((spec) => !existing.has(spec.topic))
    .map((spec) => ({
      topic: spec.topic,
      numPartitions: spec.partitions,
      configEntries: spec.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
    }));
  // Another instance may create the same topic at the same moment; createTopics then reports false, which is fine.
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  const metadata = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.topic) });
  return new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
}
