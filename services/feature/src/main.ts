import { runStage } from '@gridstream/runtime';
import { FeatureConfig } from './config.js';
import { featureStateCodec } from './feature-state.js';
import { featureStage } from './transform.js';
import { WeatherHistory } from './weather-join.js';

const { transform, sideInput } = featureStage(new WeatherHistory(Date.now()));
await runStage({
  stage: 'feature',
  input: 'clean',
  output: 'features',
  outputs: ['weather'],
  config: FeatureConfig,
  transform,
  sideInput,
  state: featureStateCodec,
  handleSignals: true,
});
