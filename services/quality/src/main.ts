import { runStage } from '@gridstream/runtime';
import { addUp, QualityConfig, windowCountsCodec } from './transform.js';

await runStage({ stage: 'quality', input: 'qualityParts', output: 'quality', config: QualityConfig, transform: addUp, state: windowCountsCodec, handleSignals: true });
