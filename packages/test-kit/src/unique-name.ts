import { randomBytes } from 'node:crypto';

/** How every name `uniqueName` makes starts, so `pruneScratch` can find what earlier runs left. */
export const SCRATCH_PREFIX = 'scratch-';

/** A topic, group or key name no other test or earlier run uses, e.g. `scratch-smoke-txn-3f9a1c0e`. */
export function uniqueName(base: string): string {
  return `${SCRATCH_PREFIX}${base}-${randomBytes(4).toString('hex')}`;
}
