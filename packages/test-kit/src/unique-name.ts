import { randomBytes } from 'node:crypto';

/** How every name `uniqueName` makes starts, so `pruneScratch` can find what earlier runs left. */
export const SCRATCH_PREFIX = 'scratch-';

/**
 * A topic, group or key name no other test or earlier run uses, e.g.
 * `scratch-mij2k3b4-smoke-txn-3f9a1c0e`: the time it was made (ms, base 36) lets `pruneScratch`
 * leave alone what a run still going on the same stack uses.
 */
export function uniqueName(base: string): string {
  return `${SCRATCH_PREFIX}${Date.now().toString(36)}-${base}-${randomBytes(4).toString('hex')}`;
}

/** When `uniqueName` made a name, or null for a name it did not make. */
export function scratchMadeAt(name: string): number | null {
  const match = /^scratch-([0-9a-z]+)-/.exec(name);
  return match ? parseInt(match[1]!, 36) : null;
}
