// Digest dates: finds a calendar date in front matter, titles and file names, and rejects impossible days.

/**
 * Date spellings publishers use: `2026-02-18`, `2026/2/18`, `2026.2.18`, `2026年2月18日`.
 * Non-digits on both sides keep `12026-02-180` from matching.
 */
const DATE_IN_TEXT = /(?<!\d)(\d{4})\s*(?:([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?)(?!\d)/u;

/** Outcome of looking for a date: none there, a real day, or something date-shaped that is no day. */
export type DateMatch =
  | { kind: "none" }
  | { kind: "valid"; date: string }
  | { kind: "invalid"; text: string };

/** True when year-month-day is a real calendar day (no 2026-02-30, no month 13). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

function toIso(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/**
 * Finds the first date in free text (an H1 title, a front matter value).
 *
 * @example
 * findDateInText("AI 日报 2026年2月18日") // { kind: "valid", date: "2026-02-18" }
 * findDateInText("2026-02-30")           // { kind: "invalid", text: "2026-02-30" }
 */
export function findDateInText(text: string): DateMatch {
  const m = DATE_IN_TEXT.exec(text);
  if (!m) return { kind: "none" };
  const year = Number(m[1]);
  const month = Number(m[3] ?? m[5]);
  const day = Number(m[4] ?? m[6]);
  if (!isCalendarDate(year, month, day)) return { kind: "invalid", text: m[0].trim() };
  return { kind: "valid", date: toIso(year, month, day) };
}

/** The date a file name like `2026-02-18.md` stands for; `none` when the name is not a date. */
export function dateFromFileName(file: string): DateMatch {
  const base = file.split(/[\\/]/).pop() ?? file;
  const m = /^(\d{4})-(\d{2})-(\d{2})\.(?:md|markdown)$/i.exec(base);
  if (!m) return { kind: "none" };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isCalendarDate(year, month, day)) return { kind: "invalid", text: base };
  return { kind: "valid", date: toIso(year, month, day) };
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
/** `Mar 20 2024`, `March 20, 2024`, `20 March 2024`. */
const ENGLISH_DATE =
  /\b(?:(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})|(\d{1,2})(?:st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(\d{4}))\b/i;
/** `03-20-2024` or `07-08-2025`: month and day order decided by the value (or by `dayFirst`). */
const NUMERIC_DMY = /(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?!\d)/;

/**
 * Like {@link findDateInText}, and also English month names and `MM-DD-YYYY` / `DD-MM-YYYY` (a day over 12 decides
 * the order; otherwise `dayFirst`, which the caller derives from the file's other dates).
 *
 * @example
 * findAnyDate("AI Submissions for Wed Mar 20 2024") // { kind: "valid", date: "2024-03-20" }
 */
export function findAnyDate(text: string, dayFirst = false): DateMatch {
  const iso = findDateInText(text);
  if (iso.kind !== "none") return iso;
  const en = ENGLISH_DATE.exec(text);
  if (en) {
    const month = MONTHS.indexOf((en[1] ?? en[5] ?? "").toLowerCase()) + 1;
    const day = Number(en[2] ?? en[4]);
    const year = Number(en[3] ?? en[6]);
    return isCalendarDate(year, month, day) ? { kind: "valid", date: toIso(year, month, day) } : { kind: "invalid", text: en[0] };
  }
  const num = NUMERIC_DMY.exec(text);
  if (num) {
    const [a, b, year] = [Number(num[1]), Number(num[2]), Number(num[3])];
    const [month, day] = a > 12 ? [b, a] : b > 12 ? [a, b] : dayFirst ? [b, a] : [a, b];
    if (isCalendarDate(year, month, day)) return { kind: "valid", date: toIso(year, month, day) };
  }
  return { kind: "none" };
}

/** True when the text writes numeric dates day first (some `DD-MM-YYYY` in it has a day over 12). */
export function writesDayFirst(text: string): boolean {
  for (const m of text.matchAll(/(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.]\d{4}(?!\d)/g)) {
    if (Number(m[1]) > 12 && Number(m[2]) <= 12) return true;
  }
  return false;
}

/**
 * A date in a file name with a prefix or suffix (`china-ai-digest-2026-02-18.md`, `digest_03-20-2024.md`), else
 * in a folder of its path (`2026-02-14/index.md`, `2026/02/14/…`). `where` says which.
 */
export function dateFromPath(file: string): { date: string; where: "file name" | "folder name" } | undefined {
  const parts = file.split(/[\\/]/);
  const base = (parts.pop() ?? "").replace(/\.(?:md|markdown)$/i, "");
  const inName = findDateInText(base);
  if (inName.kind === "valid") return { date: inName.date, where: "file name" };
  const compact = /(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)/.exec(base);
  if (compact && isCalendarDate(Number(compact[1]), Number(compact[2]), Number(compact[3]))) {
    return { date: toIso(Number(compact[1]), Number(compact[2]), Number(compact[3])), where: "file name" };
  }
  const other = findAnyDate(base);
  if (other.kind === "valid") return { date: other.date, where: "file name" };
  for (let i = parts.length - 1; i >= 0; i--) {
    const folder = findDateInText(parts[i] ?? "");
    if (folder.kind === "valid") return { date: folder.date, where: "folder name" };
    // `…/2026/02/14/file.md`
    if (i >= 2 && /^\d{4}$/.test(parts[i - 2] ?? "") && /^\d{1,2}$/.test(parts[i - 1] ?? "") && /^\d{1,2}$/.test(parts[i] ?? "")) {
      const [y, m, d] = [Number(parts[i - 2]), Number(parts[i - 1]), Number(parts[i])];
      if (isCalendarDate(y, m, d)) return { date: toIso(y, m, d), where: "folder name" };
    }
  }
  return undefined;
}

/** The calendar day of an instant in a time zone (`Europe/Berlin`), as `YYYY-MM-DD`. */
export function dayInTimeZone(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(at);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}
