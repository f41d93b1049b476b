import { runStage } from '@gridstream/runtime';
import { IngestConfig } from './config.js';
import { startHttpIngest } from './http-server.js';
import { ingestJson } from './transform.js';

await runStage({ stage: 'ingest', input: 'ingestJson', output: 'raw', config: IngestConfig, transform: ingestJson, attach: startHttpIngest, handleSignals: true });
