import { runStage } from '@gridstream/runtime';
import { WindowConfig } from './config.js';
import { sequences } from './transform.js';
import { windowStateCodec } from './window-state.js';

await runStage({ stage: 'window', input: 'features', output: 'sequences', config: WindowConfig, transform: sequences, state: windowStateCodec, handleSignals: true });
