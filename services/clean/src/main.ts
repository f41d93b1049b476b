import { runStage } from '@gridstream/runtime';
import { cleanStateCodec } from './clean-state.js';
import { CleanConfig } from './config.js';
import { clean, cleanEventTime } from './transform.js';

await runStage({
  stage: 'clean',
  input: 'valid',
  output: 'clean',
  outputs: ['gaps'],
  config: CleanConfig,
  transform: clean,
  state: cleanStateCodec,
  eventTime: cleanEventTime,
  handleSignals: true,
});
