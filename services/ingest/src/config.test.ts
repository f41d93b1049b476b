import { describe, expect, it } from 'vitest';
import { parseConfig } from '@gridstream/runtime';
import { IngestConfig } from './config.js';

describe('IngestConfig', () => {
  it('refuses to start without a token and says how to make one', () => {
    expect(() => parseConfig(IngestConfig, {})).toThrow(
      'INGEST_TOKEN: expected the bearer token HTTP clients send, at least 16 printable characters, not set; e.g. INGEST_TOKEN=<32 random characters, e.g. from openssl rand -hex 16>',
    );
  });

  it('has defaults for everything else', () => {
    expect(parseConfig(IngestConfig, { INGEST_TOKEN: 'a-token-of-16-ch' })).toEqual({
      httpPort: 18090,
      httpHost: '127.0.0.1',
      token: 'a-token-of-16-ch',
      maxBodyBytes: 16 * 1024 * 1024,
      maxPendingBytes: 64 * 1024 * 1024,
    });
  });
});
