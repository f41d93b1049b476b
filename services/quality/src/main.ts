import { runStage } from '@gridstream/runtime';
import { QualityConfig } from './config.js';
import { addUp, windowCountsCodec } from './transform.js';

await runStage({ stage: 'quality', input: 'qualityParts', output: 'quality', config: QualityConfig, transform: addUp, state: windowCountsCodec, handleSignals: true });
