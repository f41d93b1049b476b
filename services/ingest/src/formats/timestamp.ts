const iso = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Epoch ms of an ISO 8601 date-time with `Z` or an offset. Without a zone the instant is
 * ambiguous, so it is refused rather than read as local or UTC time.
 */
export function epochMsOfIso(text: string): number | undefined {
  const match = iso.exec(text);
  if (!match) return undefined;
  const day = Number(match[3]);
  // Date.parse rolls 2026-02-30 over into March and takes hour 24; no clock reads either.
  const dayExists = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, day)).getUTCDate() === day;
  if (!dayExists || Number(match[4]) > 23) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A cell of text holding either whole epoch milliseconds or an ISO 8601 date-time with a zone. */
export function epochMsOfText(text: string): number | undefined {
  if (!/^-?\d+$/.test(text)) return epochMsOfIso(text);
  const ms = Number(text);
  return Number.isSafeInteger(ms) ? ms : undefined;
}
