export interface LocalTime {
  /** Hour of the local day, fractional: 7.25 is 07:15. */
  hour: number;
  /** 0 is Sunday. */
  weekday: number;
  /** 1 is 1 January. */
  dayOfYear: number;
}

const hourMs = 3_600_000;
const dayMs = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();
// The zones used here change offset only on whole UTC hours, so one Intl lookup per zone and hour does.
const lastOffsets = new Map<string, { hourTs: number; offsetMs: number }>();

function utcOffsetMs(ts: number, tz: string): number {
  const hourTs = Math.floor(ts / hourMs) * hourMs;
  const cached = lastOffsets.get(tz);
  if (cached?.hourTs === hourTs) return cached.offsetMs;
  let formatter = formatters.get(tz);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(tz, formatter);
  }
  const part = Object.fromEntries(formatter.formatToParts(hourTs).map((p) => [p.type, Number(p.value)]));
  const wallTs = Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!);
  const offsetMs = wallTs - hourTs;
  lastOffsets.set(tz, { hourTs, offsetMs });
  return offsetMs;
}

/** The wall-clock time at ts in an IANA time zone, daylight saving included. */
export function localTime(ts: number, tz: string): LocalTime {
  const local = new Date(ts + utcOffsetMs(ts, tz));
  const year = local.getUTCFullYear();
  return {
    hour: local.getUTCHours() + local.getUTCMinutes() / 60,
    weekday: local.getUTCDay(),
    dayOfYear: (Date.UTC(year, local.getUTCMonth(), local.getUTCDate()) - Date.UTC(year, 0, 1)) / dayMs + 1,
  };
}
