/** A seeded source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * An independent mulberry32 stream per label, so one entity's values do not shift when another
 * entity or a fault share is added. Good enough for simulation, not for cryptography.
 */
export function randomStream(seed: number, label: string): Random {
  let state = 0x811c9dc5; // FNV-1a of seed and label picks the starting state
  for (const char of `${seed}/${label}`) state = Math.imul(state ^ char.charCodeAt(0), 0x01000193);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box-Muller). */
export function normal(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A uniform integer in [min, max]. */
export function integerBetween(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
