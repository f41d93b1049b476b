import type { Message } from 'kafkajs';
import type { Quality } from './transform.js';

/** What one transaction will write, by topic, and which entity states changed. */
export class PendingWrites {
  readonly byTopic = new Map<string, Message[]>();
  readonly dirty = new Set<string>();
  /** Dropped records by `reason|source`, counted once the transaction commits. */
  readonly dropped = new Map<string, number>();
  /** Quality figures, exported once the transaction commits so a retried batch is not counted twice. */
  readonly quality: Array<Quality> = [];

  add(topic: string, message: Message): void {
    const messages = this.byTopic.get(topic);
    if (messages) messages.push(message);
    else this.byTopic.set(topic, [message]);
  }

  topicMessages(): Array<{ topic: string; messages: Message[] }> {
    return [...this.byTopic].map(([topic, messages]) => ({ topic, messages }));
  }
}
