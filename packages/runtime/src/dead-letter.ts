import type { DlqReason } from './errors.js';

/** Where a dead-lettered record came from and why it failed. */
export interface DeadLetterContext {
  topic: string;
  partition: number;
  offset: string;
  stage: string;
  reason: DlqReason;
  /** The error's class name, e.g. UndecodableError. */
  errorClass: string;
  message: string;
  firstFailureMs: number;
  lastFailureMs: number;
  attempts: number;
  /** Where in the record the problem is, e.g. `values.load`, when known. */
  fieldPath?: string;
}

/**
 * The headers of a dead-letter record, whose value is the original bytes untouched: Kafka
 * Connect's names, so Connect-aware tools read them, plus gridstream's reason and failure history.
 */
export function deadLetterHeaders(context: DeadLetterContext): Record<string, string> {
  return {
    '__connect.errors.topic': context.topic,
    '__connect.errors.partition': String(context.partition),
    '__connect.errors.offset': context.offset,
    '__connect.errors.stage': context.stage,
    '__connect.errors.exception.class.name': context.errorClass,
    '__connect.errors.exception.message': context.message,
    'gridstream.reason': context.reason,
    'gridstream.failure.first.ms': String(context.firstFailureMs),
    'gridstream.failure.last.ms': String(context.lastFailureMs),
    'gridstream.attempts': String(context.attempts),
    ...(context.fieldPath === undefined ? {} : { 'gridstream.field.path': context.fieldPath }),
  };
}
