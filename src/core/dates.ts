// Reads the dates users type (`2026-02-18`, `02-18`, `2/18`, `today`, `昨天`) into digest dates, in the bot's time zone.

/** A date the user typed that could not be read; `input` is what they typed, `reason` why it failed. */
export class DateInputError extends Error {
  override name = "DateInputError";
  constructor(
    readonly input: string,
    readonly reason: "format" | "calendar",
  ) {
    super(
      reason === "format"
        ? `dates: cannot read "${input}"; use 2026-02-18, 02-18, 2/18, today or yesterday`
        : `dates: "${input}" is not a day of the calendar`,
    );
  }
}

const RELATIVE: Record<string, number> = {
  today: 0,
  "今天": 0,
  "今日": 0,
  yesterday: -1,
  "昨天": -1,
  "昨日": -1,
};

/** Full dates: 2026-02-18, 2026/2/18, 2026.02.18, 20260218, 2026年2月18日. */
const FULL = /^(\d{4})(?:[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?|(\d{2})(\d{2}))$/;
/** Month and day: 02-18, 2/18, 2月18日 (not 4.6: that is a version number far more often than a date). */
const MONTH_DAY = /^(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*[日号]?$/;

/**
 * True when `word` looks like something the user meant as a date (used by text parsing to pick a trailing
 * date word out of free text). It may still fail `resolveDate`, e.g. `02-30`.
 */
export function isDateLike(word: string): boolean {
  const w = normalize(word);
  return w in RELATIVE || FULL.test(w) || MONTH_DAY.test(w);
}

/** One formatter per time zone (a bot uses one or two): making one costs ~0.1 ms, more than a whole `/search`. */
const DAY_FORMATS = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of `now` in `timeZone`, as YYYY-MM-DD. */
export function dayIn(now: Date, timeZone: string): string {
  let format = DAY_FORMATS.get(timeZone);
  if (!format) {
    // en-CA formats as YYYY-MM-DD.
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    DAY_FORMATS.set(timeZone, format);
  }
  return format.format(now);
}

/** Adds whole days to a YYYY-MM-DD date (calendar arithmetic, no time zone involved). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/**
 * Resolves a typed date to `YYYY-MM-DD`. Relative words use the calendar day of `now` in `timeZone`;
 * a month-day without a year takes the current year, or last year when that day is still ahead
 * (on 2027-01-03, `12-30` means 2026-12-30). Throws `DateInputError`.
 *
 * @example
 * resolveDate("02-18", new Date("2026-03-01T00:00:00Z"), "Asia/Shanghai"); // "2026-02-18"
 * resolveDate("昨天", new Date("2026-02-18T20:00:00Z"), "Asia/Shanghai");  // "2026-02-18" (already the 19th there)
 */
export function resolveDate(input: string, now: Date, timeZone: string): string {
  const w = normalize(input);
  const offset = RELATIVE[w];
  if (offset !== undefined) return addDays(dayIn(now, timeZone), offset);

  const full = FULL.exec(w);
  if (full) {
    const year = Number(full[1]);
    const month = Number(full[2] ?? full[4]);
    const day = Number(full[3] ?? full[5]);
    return checked(input, year, month, day);
  }
  const md = MONTH_DAY.exec(w);
  if (md) {
    const month = Number(md[1]);
    const day = Number(md[2]);
    const today = dayIn(now, timeZone);
    const year = Number(today.slice(0, 4));
    // The most recent such day that is not in the future; 02-29 may reach back a few years.
    for (let y = year; y > year - 8; y--) {
      const candidate = validDate(y, month, day);
      if (candidate && candidate <= today) return candidate;
    }
    throw new DateInputError(input, "calendar");
  }
  throw new DateInputError(input, "format");
}

function checked(input: string, year: number, month: number, day: number): string {
  const date = validDate(year, month, day);
  if (!date) throw new DateInputError(input, "calendar");
  return date;
}

function validDate(year: number, month: number, day: number): string | undefined {
  const date = new Date(Date.UTC(year, month - 1, day));
  const ok = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!ok) return undefined;
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** Folds fullwidth digits and punctuation, case and spaces around the word. */
function normalize(input: string): string {
  return input
    .normalize("NFKC")
    .trim()
    .toLowerCase()
    .replace(/[\u2010-\u2015\u2212]/g, "-");
}

/**
 * An instant (ISO string) as local wall time in `timeZone`, `YYYY-MM-DD HH:mm`; anything unparseable is returned as is.
 *
 * @example
 * formatInZone("2026-02-19T01:00:00.000Z", "Asia/Shanghai"); // "2026-02-19 09:00"
 */
export function formatInZone(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    // sv-SE formats as "YYYY-MM-DD HH:mm".
    return new Intl.DateTimeFormat("sv-SE", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(date);
  } catch {
    return iso;
  }
}
