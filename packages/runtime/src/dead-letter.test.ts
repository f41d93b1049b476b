import { describe, expect, it } from 'vitest';
import { deadLetterHeaders } from './dead-letter.js';

describe('deadLetterHeaders', () => {
  it('uses the Kafka Connect header names plus gridstream reason and failure history', () => {
    expect(
      deadLetterHeaders({
        topic: 'gridstream.raw',
        partition: 3,
        offset: '1042',
        stage: 'validate',
        reason: 'undecodable',
        errorClass: 'UndecodableError',
        message: 'magic byte 1, expected 0',
        firstFailureMs: 1_767_225_600_000,
        lastFailureMs: 1_767_225_600_250,
        attempts: 1,
      }),
    ).toEqual({
      '__connect.errors.topic': 'gridstream.raw',
      '__connect.errors.partition': '3',
      '__connect.errors.offset': '1042',
      '__connect.errors.stage': 'validate',
      '__connect.errors.exception.class.name': 'UndecodableError',
      '__connect.errors.exception.message': 'magic byte 1, expected 0',
      'gridstream.reason': 'undecodable',
      'gridstream.failure.first.ms': '1767225600000',
      'gridstream.failure.last.ms': '1767225600250',
      'gridstream.attempts': '1',
    });
  });

  it('names the field when the transform knows it', () => {
    const headers = deadLetterHeaders({
      topic: 'gridstream.raw',
      partition: 0,
      offset: '7',
      stage: 'validate',
      reason: 'out_of_range',
      errorClass: 'ContractViolation',
      message: 'load -3 kW is below 0 kW',
      firstFailureMs: 1,
      lastFailureMs: 1,
      attempts: 1,
      fieldPath: 'values.load',
    });
    expect(headers['gridstream.field.path']).toBe('values.load');
  });
});
