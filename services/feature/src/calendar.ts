import Holidays from 'date-holidays';

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  /** ISO: Monday 1 … Sunday 7. */
  dayOfWeek: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();
const weekdays: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

const localTimes = new Map<string, LocalTime>();
const quarterHourMs = 900_000;

/**
 * The wall-clock fields of an instant in an IANA time zone. Every zone's offset is a whole
 * number of quarter hours, so the fields hold for a whole quarter hour and are cached by it.
 */
export function localTime(ts: number, timeZone: string): LocalTime {
  const key = `${timeZone}|${Math.floor(ts / quarterHourMs)}`;
  let local = localTimes.get(key);
  if (!local) {
    local = formatLocalTime(ts, timeZone);
    if (localTimes.size >= 200_000) localTimes.clear();
    localTimes.set(key, local);
  }
  return local;
}

function formatLocalTime(ts: number, timeZone: string): LocalTime {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', weekday: 'short' });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(ts).map((p) => [p.type, p.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), dayOfWeek: weekdays[parts.weekday!]! };
}

const minuteFormats = new Map<string, Intl.DateTimeFormat>();

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds (whole minutes). */
function offsetMs(ts: number, timeZone: string): number {
  const minute = Math.floor(ts / 60_000) * 60_000;
  let format = minuteFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    minuteFormats.set(timeZone, format);
  }
  const wall = format
    .formatToParts(minute)
    .reduce<Record<string, string>>((acc, p) => ({ ...acc, [p.type]: p.value }), {});
  return Date.UTC(Number(wall.year), Number(wall.month) - 1, Number(wall.day), Number(wall.hour), Number(wall.minute)) - minute;
}

/** The instant the local date begins; two corrections settle the offset on either side of a DST change. */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wallMidnight = Date.UTC(year, month - 1, day);
  let instant = wallMidnight - offsetMs(wallMidnight, timeZone);
  instant = wallMidnight - offsetMs(instant, timeZone);
  return instant;
}

const dayHoursCache = new Map<string, number>();

/** The length of the local date in hours: 24, or 23 and 25 on DST transition days. */
export function dayHours(local: LocalTime, timeZone: string): number {
  const key = `${timeZone}|${local.year}-${local.month}-${local.day}`;
  let hours = dayHoursCache.get(key);
  if (hours === undefined) {
    const next = new Date(Date.UTC(local.year, local.month - 1, local.day + 1));
    hours = (localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone) - localMidnight(local.year, local.month, local.day, timeZone)) / 3_600_000;
    if (dayHoursCache.size < 100_000) dayHoursCache.set(key, hours);
  }
  return hours;
}

const publicHolidays = new Map<string, Set<string>>();

/** Whether the local date is a public holiday of the country (and state or region), per date-holidays. */
export function isPublicHoliday(local: LocalTime, country: string, region: string | undefined): boolean {
  const key = `${country}|${region ?? ''}|${local.year}`;
  let dates = publicHolidays.get(key);
  if (!dates) {
    const holidays = region === undefined ? new Holidays(country) : new Holidays(country, region);
    // getHolidays lists each holiday's local start as "YYYY-MM-DD hh:mm:ss".
    dates = new Set((holidays.getHolidays(local.year) || []).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10)));
    publicHolidays.set(key, dates);
  }
  const date = `${local.year}-${String(local.month).padStart(2, '0')}-${String(local.day).padStart(2, '0')}`;
  return dates.has(date);
}
