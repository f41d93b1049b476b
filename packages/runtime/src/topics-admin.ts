import type { Admin, ITopicConfig } from 'kafkajs';

/** A topic a stage reads or writes; missing ones are created at start-up (the broker does not auto-create). */
export interface TopicSpec {
  topic: string;
  partitions: number;
  compacted?: boolean;
  /** Topic-level settings, e.g. max.message.bytes. */
  config?: Record<string, string> | undefined;
}

/** Creates the topics that do not exist yet and returns the partition count of every one. */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  // A topic may be both read and written (the quality stage reads what every stage writes).
  const unique = [...new Map(specs.map((spec) => [spec.topic, spec])).values()];
  const missing: ITopicConfig[] = unique
    .filter((spec) => !existing.has(spec.topic))
    .map((spec) => ({
      topic: spec.topic,
      numPartitions: spec.partitions,
      configEntries: [
        ...(spec.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
        ...Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
      ],
    }));
  // Another instance may create the same topic at the same moment; createTopics then reports false, which is fine.
  // Leaders are awaited below: kafkajs' own wait gives up with "does not host this topic-partition"
  // while another process's new topic is still being set up (the kill storm crashed a stage on it).
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: false });
  return partitionCounts(admin, unique.map((spec) => spec.topic));
}

/**
 * The partition count of each topic once every partition has a leader. A topic another process
 * created a moment ago may not have them yet (the broker answers "does not host this
 * topic-partition"), so this asks again for up to `timeoutMs`.
 */
async function partitionCounts(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      if (metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) {
        return new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
      }
    } catch (error) {
      // kafkajs may wrap the broker's answer once its own retries run out, so any error is asked again until the deadline.
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have partitions without a leader after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
