import { runStage } from '@gridstream/runtime';
import { ValidateConfig } from './config.js';
import { validate } from './transform.js';

await runStage({ stage: 'validate', input: 'raw', output: 'valid', config: ValidateConfig, transform: validate, handleSignals: true });
