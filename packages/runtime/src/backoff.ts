/** Capped exponential backoff with full jitter, so paused partitions do not retry in lockstep. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** The delay before retry number `attempt` (1-based): uniform in [0, min(maxMs, initialMs·2^(attempt-1))]. */
export function backoffMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceilingMs = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(random() * ceilingMs);
}
