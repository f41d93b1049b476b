import { runStage } from '@gridstream/runtime';
import { FeatureConfig } from './config.js';
import { featureStateCodec } from './feature-state.js';
import { features } from './transform.js';

await runStage({ stage: 'feature', input: 'clean', output: 'features', config: FeatureConfig, transform: features, state: featureStateCodec, handleSignals: true });
