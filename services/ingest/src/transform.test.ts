import { describe, expect, it } from 'vitest';
import { emit, testContext } from '@gridstream/runtime';
import { eventIdOf } from './event-id.js';
import { ingestJson } from './transform.js';

const ctx = testContext({ httpPort: 0, httpHost: '127.0.0.1', token: 'x'.repeat(16), maxBodyBytes: 1024, maxPendingBytes: 4096 }, { nowMs: 1_767_225_700_000 });
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const event = { source: 'meter', entity: 'meter:M-0001', ts: '2026-01-01T00:00:00Z', values: { load: 1.25 }, units: { load: 'kW' }, tags: { tz: 'UTC' } };

describe('ingestJson', () => {
  it('turns a JSON message into a Measurement keyed by entity, stamped with the ingest time and its eventId', () => {
    const draft = { source: 'meter', entity: 'meter:M-0001', ts: 1_767_225_600_000, values: { load: 1.25 }, units: { load: 'kW' }, tags: { tz: 'UTC' } };
    expect(ingestJson(bytes(event), undefined, ctx)).toEqual([
      emit('meter:M-0001', { ...draft, eventId: eventIdOf(draft), ingestedAt: 1_767_225_700_000, batch: null }),
    ]);
  });

  it('dead-letters what does not parse, naming the element of an array', () => {
    expect(ingestJson(bytes('{"source":'), undefined, ctx)).toMatchObject([{ kind: 'dead-letter', reason: 'malformed' }]);
    const results = ingestJson(bytes([event, { ...event, ts: 'yesterday' }]), undefined, ctx);
    expect(results.map((r) => r.kind)).toEqual(['emit', 'dead-letter']);
    expect(results[1]).toMatchObject({ reason: 'wrong_type', fieldPath: 'ts', message: expect.stringMatching(/^element 2: ts is epoch milliseconds/) as unknown });
  });

  it('dead-letters a message once however many of its elements are bad (each dead letter carries the whole message)', () => {
    const results = ingestJson(bytes([{ ...event, ts: 'yesterday' }, event, 0, { ...event, entity: undefined }]), undefined, ctx);
    expect(results.map((r) => r.kind)).toEqual(['emit', 'dead-letter']);
    expect(results[1]).toMatchObject({ reason: 'wrong_type', fieldPath: 'ts', message: expect.stringMatching(/^ts is epoch milliseconds.*\(and 2 more bad elements in this message\)$/) as unknown });
  });
});
