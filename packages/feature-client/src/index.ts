export { FeatureClient, type Context, type FeatureSetRef, type LatestSequence, type LatestVector, type VectorRange } from './feature-client.js';
export { redisKeys } from './keys.js';
