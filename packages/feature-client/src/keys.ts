/** Where the Redis sink keeps an entity's data; the feature client reads the same keys. */
export function redisKeys(prefix: string) {
  return {
    /** Hash: ts, featureSet (name:version), names and values (JSON, null for NaN), imputed (0/1). */
    latest: (entity: string) => `${prefix}:latest:${entity}`,
    /** Sorted set by ts; members `<ts>:<imputed>:<values JSON>`. */
    history: (entity: string) => `${prefix}:history:${entity}`,
    /** Hash: end, revision, start, stepMs, seqLen, featureSet, names (JSON), values and mask (bytes). */
    sequence: (entity: string, featureSet: string) => `${prefix}:sequence:${entity}:${featureSet}`,
  };
}
