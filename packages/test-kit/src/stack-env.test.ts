import { describe, expect, it } from 'vitest';
import { parseStackEnv } from './stack-env.js';

describe('parseStackEnv', () => {
  it('reads every address scripts/stack env prints', () => {
    const text = [
      'KAFKA_BROKERS=127.0.0.1:19092,127.0.0.1:19094',
      'SCHEMA_REGISTRY_URL=http://127.0.0.1:18081/apis/ccompat/v7',
      'REDIS_URL=redis://127.0.0.1:16379',
      'INFLUX_URL=http://127.0.0.1:18086',
      'INFLUX_TOKEN=dev-token',
      'INFLUX_ORG=gridstream',
      'INFLUX_BUCKET=gridstream',
    ].join('\n');
    expect(parseStackEnv(text)).toEqual({
      kafkaBrokers: ['127.0.0.1:19092', '127.0.0.1:19094'],
      schemaRegistryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7',
      redisUrl: 'redis://127.0.0.1:16379',
      influx: { url: 'http://127.0.0.1:18086', token: 'dev-token', org: 'gridstream', bucket: 'gridstream' },
    });
  });

  it('names the missing variable instead of guessing a default', () => {
    expect(() => parseStackEnv('KAFKA_BROKERS=127.0.0.1:19092\n')).toThrow(/did not print SCHEMA_REGISTRY_URL/);
  });
});
