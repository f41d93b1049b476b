import type { DlqReason } from '@gridstream/runtime';
import type { Measurement } from '@gridstream/schemas';

/** What a format parser knows of a Measurement; ingest adds eventId, ingestedAt and batch. */
export type MeasurementDraft = Pick<Measurement, 'source' | 'entity' | 'ts' | 'values' | 'units' | 'tags'>;

/**
 * One item of an input: a draft, or why it was rejected with its original bytes for the DLQ.
 * `line` is the 1-based line, row or array element; 0 when the whole input failed.
 */
export type ParsedItem =
  | { ok: true; draft: MeasurementDraft; line: number }
  | { ok: false; reason: DlqReason; message: string; fieldPath?: string; line: number; raw: Uint8Array };

const utf8 = new TextEncoder();

export function accept(draft: MeasurementDraft, line: number): ParsedItem {
  return { ok: true, draft, line };
}

export function reject(
  reason: DlqReason,
  message: string,
  line: number,
  raw: Uint8Array | string,
  fieldPath?: string,
): ParsedItem {
  return {
    ok: false,
    reason,
    message,
    ...(fieldPath === undefined ? {} : { fieldPath }),
    line,
    raw: typeof raw === 'string' ? utf8.encode(raw) : raw,
  };
}

/** A bad value as it appears in a rejection message, cut short: the value may be 64 KiB of junk. */
export function excerpt(value: unknown): string {
  const text = typeof value === 'bigint' ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
