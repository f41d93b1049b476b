import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig } from './config.js';

const CleanConfig = z
  .object({
    CLEAN_GRACE_MS: z.coerce.number().int().positive().default(5000).describe('a positive integer (milliseconds)'),
    KAFKA_BROKERS: z.string().min(1).describe('host:port[,host:port]').meta({ examples: ['127.0.0.1:19092'] }),
    TOPIC_PREFIX: z.string().default('gridstream'),
  })
  .transform((env) => ({ graceMs: env.CLEAN_GRACE_MS, brokers: env.KAFKA_BROKERS.split(','), topicPrefix: env.TOPIC_PREFIX }));

describe('parseConfig', () => {
  it('parses, applies defaults and freezes the result', () => {
    const config = parseConfig(CleanConfig, { KAFKA_BROKERS: 'a:1,b:2' });
    expect(config).toEqual({ graceMs: 5000, brokers: ['a:1', 'b:2'], topicPrefix: 'gridstream' });
    expect(Object.isFrozen(config) && Object.isFrozen(config.brokers)).toBe(true);
  });

  it('names each bad variable, what it expects, what it got and an example', () => {
    expect(() => parseConfig(CleanConfig, { CLEAN_GRACE_MS: '5s' })).toThrow(
      [
        'CLEAN_GRACE_MS: expected a positive integer (milliseconds), got "5s"; e.g. CLEAN_GRACE_MS=5000',
        'KAFKA_BROKERS: expected host:port[,host:port], not set; e.g. KAFKA_BROKERS=127.0.0.1:19092',
      ].join('\n'),
    );
  });

  it('falls back to the validator message where a field has no description', () => {
    const Strict = z.object({ TOPIC_PREFIX: z.string().regex(/^[a-z]+$/).default('gridstream') });
    expect(() => parseConfig(Strict, { TOPIC_PREFIX: 'Grid Stream' })).toThrow(
      /^TOPIC_PREFIX: Invalid string: must match pattern .*, got "Grid Stream"; e\.g\. TOPIC_PREFIX=gridstream$/,
    );
  });
});
