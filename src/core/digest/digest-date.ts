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
