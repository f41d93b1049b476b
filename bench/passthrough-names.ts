// The topics and groups of bench/passthrough.ts, for the benches that start it and watch its lag.
import { topicNames } from '@gridstream/schemas';

/** The pass-through's consumer group and output topic for a topic prefix. */
export function passthroughNames(prefix: string): { group: string; output: string } {
  const t = topicNames(prefix);
  return { group: `${t.prefix}.passthrough`, output: `${t.prefix}.passthrough.out` };
}

/** A raw hop's consumer group and output topic. */
export function rawHopNames(to: string): { group: string; output: string } {
  return { group: `${to}.hop`, output: to };
}
