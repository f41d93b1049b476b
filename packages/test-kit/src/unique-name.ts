import { randomBytes } from 'node:crypto';

/** A topic, group or key name no other test or earlier run uses, e.g. `smoke-txn-3f9a1c0e`. */
export function uniqueName(base: string): string {
  return `${base}-${randomBytes(4).toString('hex')}`;
}
