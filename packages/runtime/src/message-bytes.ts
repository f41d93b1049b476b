import type { IHeaders, Message } from 'kafkajs';

/**
 * What one producer request may carry: well below the broker's default limit of 1 MiB for one
 * partition's record batch, which kafkajs sends a request's records of a partition as.
 */
export const maxRequestBytes = 512 * 1024;

type TopicMessages = { topic: string; messages: Message[] };

const byteLength = (data: Buffer | string | null | undefined) => (typeof data === 'string' ? Buffer.byteLength(data) : (data?.length ?? 0));

/** A record's key, value and header bytes: its weight in a record batch, less the framing. */
export function messageBytes(message: { key?: Buffer | string | null; value: Buffer | string | null; headers?: IHeaders | undefined }): number {
  let bytes = byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    bytes += Buffer.byteLength(name);
    for (const item of Array.isArray(value) ? value : [value]) bytes += byteLength(item);
  }
  return bytes;
}

/** Splits `items`, in order, into runs of at most `maxBytes`; an item larger than that is a run of its own. */
export function byteBoundedRuns<T>(items: readonly T[], maxBytes: number, sizeOf: (item: T) => number): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let runBytes = 0;
  for (const item of items) {
    const bytes = sizeOf(item);
    if (run.length > 0 && runBytes + bytes > maxBytes) {
      runs.push(run);
      run = [];
      runBytes = 0;
    }
    run.push(item);
    runBytes += bytes;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** The messages of `topicMessages`, in order, as producer requests of at most `maxBytes` each. */
export function producerRequests(topicMessages: readonly TopicMessages[], maxBytes = maxRequestBytes): TopicMessages[][] {
  const flat = topicMessages.flatMap(({ topic, messages }) => messages.map((message) => ({ topic, message })));
  return byteBoundedRuns(flat, maxBytes, ({ message }) => messageBytes(message)).map((run) => {
    const request: TopicMessages[] = [];
    for (const { topic, message } of run) {
      const last = request.at(-1);
      if (last?.topic === topic) last.messages.push(message);
      else request.push({ topic, messages: [message] });
    }
    return request;
  });
}
