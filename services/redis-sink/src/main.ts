import { runSink } from '@gridstream/runtime';
import { RedisSinkConfig } from './config.js';
import { openRedisWriter } from './redis-writer.js';

await runSink({
  stage: 'redis-sink',
  inputs: ['features', 'sequences'],
  config: RedisSinkConfig,
  open: (config, runtime, log) => openRedisWriter(config, runtime.topicPrefix, log),
  handleSignals: true,
});
