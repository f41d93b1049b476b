import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { batchMetadata, eventIdOf, toMeasurement } from './event-id.js';
import type { MeasurementDraft } from './formats/parsed-item.js';

const draft: MeasurementDraft = {
  source: 'meter',
  entity: 'meter:M-0001',
  ts: 1_767_225_600_000,
  values: { load: 1.25, pv: Number.NaN },
  units: { load: 'kW' },
  tags: { tz: 'Europe/Berlin' },
};
const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('eventIdOf', () => {
  it('hashes source, entity, ts and the values sorted by name, NaN written as NaN', () => {
    expect(eventIdOf(draft)).toBe(sha256('["meter","meter:M-0001",1767225600000,[["load","1.25"],["pv","NaN"]]]'));
    expect(eventIdOf(draft)).toBe('c2c62f932951f0832135f8d1e91929e426b3ae3b498371b14bafded3542d926b');
  });

  it('stays the same under key order and different units or tags', () => {
    const reordered = { ...draft, values: { pv: Number.NaN, load: 1.25 }, units: {}, tags: { tz: 'UTC' } };
    expect(eventIdOf(reordered)).toBe(eventIdOf(draft));
  });

  it('changes with any value, the ts or the entity', () => {
    const ids = [
      draft,
      { ...draft, values: { load: 1.26, pv: Number.NaN } },
      { ...draft, values: { load: 1.25, pv: Number.POSITIVE_INFINITY } },
      { ...draft, values: { load: 1.25 } },
      { ...draft, ts: draft.ts + 1 },
      { ...draft, entity: 'meter:M-0002' },
    ].map(eventIdOf);
    expect(new Set(ids).size).toBe(6);
  });
});

describe('batchMetadata', () => {
  it('checksums the body and derives the batchId from source, time and checksum', () => {
    const body = new TextEncoder().encode('source,entity,ts,load[kW]\n');
    const checksum = 'c043b471bdbe46354437da7936e61c65d4f94434ddadd2f9bcd2f75b574d4baa'; // sha256sum of the body
    expect(batchMetadata('file:loads.csv', body, 3, 1_767_225_660_000)).toEqual({
      batchId: sha256(`file:loads.csv\u00001767225660000\u0000${checksum}`).slice(0, 32),
      source: 'file:loads.csv',
      ingestedAt: 1_767_225_660_000,
      recordCount: 3,
      checksum,
    });
  });
});

describe('toMeasurement', () => {
  it('adds eventId, ingestedAt and the batch', () => {
    const batch = batchMetadata('http', new Uint8Array([1]), 1, 5);
    expect(toMeasurement(draft, 5, batch)).toEqual({ ...draft, eventId: eventIdOf(draft), ingestedAt: 5, batch });
    expect(toMeasurement(draft, 5, null).batch).toBeNull();
  });
});
