import { runStage } from '@gridstream/runtime';
import { QualityConfig } from './config.js';
import { addUp, windowCountsCodec } from './transform.js';

// Every stage's transaction writes a quality part, so quality met them one or two at a time, a
// transaction each (18 a second at half the pipeline's rate in bench/latency.ts). Its reports add up
// hour-long windows: a second's wait for more parts delays nothing anyone watches.
const partsFetch = { maxWaitMs: 1_000, minBytes: 64 * 1024 };

await runStage({ stage: 'quality', input: 'qualityParts', output: 'quality', config: QualityConfig, transform: addUp, state: windowCountsCodec, fetch: partsFetch, handleSignals: true });
