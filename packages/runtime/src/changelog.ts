import type { Admin, Kafka } from 'kafkajs';
import { readToEnd } from './read-to-end.js';

/** The header of a changelog record naming the last input offset its state reflects. */
export const inputOffsetHeader = 'gridstream.input.offset';

/** The newest state of each entity of one partition, and the newest input offset any of them reflects (-1n when none). */
export interface RestoredPartition {
  states: Map<string, Buffer>;
  inputOffset: bigint;
}

/** Reads one partition of a compacted changelog, keeping the newest value per key (a null value deletes). */
export async function restorePartition(kafka: Kafka, admin: Admin, topic: string, partition: number): Promise<RestoredPartition> {
  const restored: RestoredPartition = { states: new Map(), inputOffset: -1n };
  await readToEnd(kafka, admin, topic, [partition], (message) => {
    const key = message.key?.toString() ?? '';
    if (message.value === null) restored.states.delete(key);
    else restored.states.set(key, message.value);
    const inputOffset = message.headers?.[inputOffsetHeader];
    if (inputOffset !== undefined && BigInt(inputOffset.toString()) > restored.inputOffset) {
      restored.inputOffset = BigInt(inputOffset.toString());
    }
  });
  return restored;
}
