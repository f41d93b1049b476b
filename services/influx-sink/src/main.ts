import { runSink } from '@gridstream/runtime';
import { InfluxSinkConfig } from './config.js';
import { openInfluxWriter } from './influx-writer.js';

await runSink({
  stage: 'influx-sink',
  inputs: ['clean', 'features', 'gaps', 'quality'],
  config: InfluxSinkConfig,
  open: async (config, runtime, log) => openInfluxWriter(config, runtime.topicPrefix, log),
  handleSignals: true,
});
