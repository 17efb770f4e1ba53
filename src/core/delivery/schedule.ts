// Cron arithmetic in a time zone: the most recent and the next scheduled minute, computed from a clock so tests can fake time.
import cron from "node-cron";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** How far back/forward a schedule is searched; a yearly cron still has a match within this. */
const SEARCH_LIMIT_MS = 400 * 24 * HOUR;

/** A bad schedule setting; the message says how to fix it. */
export class ScheduleError extends Error {
  override name = "ScheduleError";
}

interface Fields {
  minute: Set<number>;
  hour: Set<number>;
  dayOfMonth: Set<number>;
  month: Set<number>;
  dayOfWeek: Set<number>;
}

/** Local wall-clock parts of an instant in a zone. */
interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

/**
 * A cron expression (5 fields, or node-cron's 6 with seconds — seconds are ignored, delivery works per minute)
 * evaluated in an IANA time zone. Daylight-saving rules follow the wall clock, like node-cron:
 * a time skipped by a spring-forward jump does not run that day; a time repeated by a fall-back runs at its first
 * occurrence only (so `30 1 * * *` never fires twice in one night).
 *
 * @example
 * const schedule = createSchedule("0 9 * * *", "Asia/Shanghai");
 * schedule.previous(new Date("2026-02-18T03:00:00Z")); // 2026-02-18T01:00:00.000Z (09:00 in Shanghai)
 * schedule.next(new Date("2026-02-18T03:00:00Z"));     // 2026-02-19T01:00:00.000Z
 */
export interface Schedule {
  readonly cron: string;
  readonly timezone: string;
  /** The most recent scheduled minute at or before `now`; undefined when none within ~400 days. */
  previous(now: Date): Date | undefined;
  /** The first scheduled minute strictly after `now`. */
  next(now: Date): Date | undefined;
}

export function createSchedule(expression: string, timezone: string): Schedule {
  const fields = parseFields(expression);
  const zone = zoneReader(timezone);
  const matches = (t: number): boolean => {
    const p = zone(t);
    if (!fields.minute.has(p.minute) || !fields.hour.has(p.hour)) return false;
    if (!fields.dayOfMonth.has(p.day) || !fields.month.has(p.month) || !fields.dayOfWeek.has(p.weekday)) return false;
    // Fall-back repeats a wall-clock hour; only its first occurrence counts.
    const hourBefore = zone(t - HOUR);
    return !(hourBefore.hour === p.hour && hourBefore.minute === p.minute && hourBefore.day === p.day);
  };
  return {
    cron: expression,
    timezone,
    previous(now) {
      let t = Math.floor(now.getTime() / MINUTE) * MINUTE;
      const stop = t - SEARCH_LIMIT_MS;
      while (t >= stop) {
        const p = zone(t);
        if (!fields.hour.has(p.hour) || !fields.dayOfMonth.has(p.day) || !fields.month.has(p.month) || !fields.dayOfWeek.has(p.weekday)) {
          // Jump to the last minute of the previous wall-clock hour.
          t -= (p.minute + 1) * MINUTE;
          continue;
        }
        if (matches(t)) return new Date(t);
        t -= MINUTE;
      }
      return undefined;
    },
    next(now) {
      let t = Math.floor(now.getTime() / MINUTE) * MINUTE + MINUTE;
      const stop = t + SEARCH_LIMIT_MS;
      while (t <= stop) {
        const p = zone(t);
        if (!fields.hour.has(p.hour) || !fields.dayOfMonth.has(p.day) || !fields.month.has(p.month) || !fields.dayOfWeek.has(p.weekday)) {
          t += (60 - p.minute) * MINUTE;
          continue;
        }
        if (matches(t)) return new Date(t);
        t += MINUTE;
      }
      return undefined;
    },
  };
}

function parseFields(expression: string): Fields {
  if (!cron.validate(expression)) {
    throw new ScheduleError(`schedule: "${expression}" is not a valid cron expression; use five fields like "0 9 * * *"`);
  }
  const parsed = cron.parse(expression) as unknown as Record<keyof Fields, unknown[]>;
  const numbers = (name: keyof Fields): Set<number> => {
    const values = parsed[name];
    if (!Array.isArray(values) || values.some((v) => typeof v !== "number")) {
      throw new ScheduleError(
        `schedule: "${expression}" uses a ${name} form the delivery schedule does not support (L, W, #); use plain numbers, ranges, lists and steps`,
      );
    }
    return new Set(values as number[]);
  };
  const dayOfWeek = numbers("dayOfWeek");
  // Sunday may be written 7.
  if (dayOfWeek.has(7)) dayOfWeek.add(0);
  return {
    minute: numbers("minute"),
    hour: numbers("hour"),
    dayOfMonth: numbers("dayOfMonth"),
    month: numbers("month"),
    dayOfWeek,
  };
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Reads wall-clock parts in a zone, cached per UTC quarter hour (offsets change on quarter-hour boundaries). */
function zoneReader(timezone: string): (t: number) => LocalParts {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
    });
  } catch {
    throw new ScheduleError(`schedule: "${timezone}" is not a known IANA time zone; use one like Asia/Shanghai or UTC`);
  }
  const offsets = new Map<number, number>();
  const offsetAt = (t: number): number => {
    const key = Math.floor(t / (15 * MINUTE));
    let offset = offsets.get(key);
    if (offset === undefined) {
      const base = key * 15 * MINUTE;
      const parts = read(format, base);
      offset = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute) - base;
      if (offsets.size > 50_000) offsets.clear();
      offsets.set(key, offset);
    }
    return offset;
  };
  return (t) => {
    const local = new Date(t + offsetAt(t));
    return {
      year: local.getUTCFullYear(),
      month: local.getUTCMonth() + 1,
      day: local.getUTCDate(),
      hour: local.getUTCHours(),
      minute: local.getUTCMinutes(),
      weekday: local.getUTCDay(),
    };
  };
}

function read(format: Intl.DateTimeFormat, t: number): LocalParts {
  const out: Record<string, string> = {};
  for (const part of format.formatToParts(new Date(t))) out[part.type] = part.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour),
    minute: Number(out.minute),
    weekday: WEEKDAYS[out.weekday ?? ""] ?? 0,
  };
}

/** The calendar day (`YYYY-MM-DD`) of an instant in a zone. */
export function localDate(instant: Date, timezone: string): string {
  const p = zoneReader(timezone)(instant.getTime());
  return `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}
