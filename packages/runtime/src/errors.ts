/**
 * Why a record went to the dead-letter topic. A code is also the `gridstream.reason` DLQ header,
 * so never rename or reuse one; docs/dlq-reasons.md lists them all.
 */
export const dlqReasons = [
  'undecodable',
  'malformed',
  'missing_field',
  'wrong_type',
  'not_finite',
  'out_of_range',
  'future_ts',
  'unknown_source',
  'unknown_unit',
  'unknown_time_zone',
  'unknown_field',
  'late',
  'unprocessable',
] as const;
export type DlqReason = (typeof dlqReasons)[number];

/** Base of the errors a stage classifies by `code` (never by `instanceof`). */
export abstract class GridstreamError extends Error {
  abstract readonly code: string;
}

/** The bytes are not a record of the schema they claim: poison, dead-lettered as they are. */
export class UndecodableError extends GridstreamError {
  readonly code = 'undecodable' satisfies DlqReason;
  override readonly name = 'UndecodableError';
}

/** The schema registry did not answer; the partition pauses and the call is retried. */
export class RegistryUnavailableError extends GridstreamError {
  readonly code = 'registry_unavailable';
  readonly retriable = true;
  override readonly name = 'RegistryUnavailableError';
}
