// Tests for reading typed dates into digest dates.
import { describe, expect, it } from "vitest";
import { DateInputError, addDays, formatInZone, isDateLike, resolveDate } from "../../src/core/dates.js";

const TZ = "Asia/Shanghai";
// 2026-03-01 08:00 in Shanghai.
const NOW = new Date("2026-03-01T00:00:00Z");

describe("resolveDate", () => {
  it.each([
    ["2026-02-18", "2026-02-18"],
    ["2026-2-8", "2026-02-08"],
    ["2026/02/18", "2026-02-18"],
    ["20260218", "2026-02-18"],
    ["2026年2月18日", "2026-02-18"],
    ["02-18", "2026-02-18"],
    ["2/18", "2026-02-18"],
    ["2月18日", "2026-02-18"],
    ["０２－１８", "2026-02-18"],
    ["today", "2026-03-01"],
    ["Today", "2026-03-01"],
    ["今天", "2026-03-01"],
    ["yesterday", "2026-02-28"],
    ["昨天", "2026-02-28"],
  ])("reads %s as %s", (input, expected) => {
    expect(resolveDate(input, NOW, TZ)).toBe(expected);
  });

  it("uses the calendar day of the bot's time zone", () => {
    const lateUtc = new Date("2026-02-18T20:00:00Z"); // already 02-19 04:00 in Shanghai
    expect(resolveDate("today", lateUtc, TZ)).toBe("2026-02-19");
    expect(resolveDate("today", lateUtc, "UTC")).toBe("2026-02-18");
    expect(resolveDate("yesterday", lateUtc, "America/New_York")).toBe("2026-02-17");
  });

  it("takes last year for a month-day still ahead this year", () => {
    expect(resolveDate("12-30", new Date("2027-01-03T04:00:00Z"), TZ)).toBe("2026-12-30");
    expect(resolveDate("02-29", NOW, TZ)).toBe("2024-02-29");
  });

  it("crosses month and year ends", () => {
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
    expect(resolveDate("yesterday", new Date("2024-03-01T12:00:00Z"), "UTC")).toBe("2024-02-29");
  });

  it.each([
    ["tomorrow", "format", 'dates: cannot read "tomorrow"; use 2026-02-18, 02-18, 2/18, today or yesterday'],
    ["", "format", 'dates: cannot read ""; use 2026-02-18, 02-18, 2/18, today or yesterday'],
    ["2026-13-01", "calendar", 'dates: "2026-13-01" is not a day of the calendar'],
    ["02-30", "calendar", 'dates: "02-30" is not a day of the calendar'],
    ["2025-02-29", "calendar", 'dates: "2025-02-29" is not a day of the calendar'],
  ])("rejects %j (%s)", (input, reason, message) => {
    let caught: unknown;
    try {
      resolveDate(input, NOW, TZ);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DateInputError);
    expect((caught as DateInputError).reason).toBe(reason);
    expect((caught as DateInputError).message).toBe(message);
  });
});

describe("isDateLike", () => {
  it("spots date words but not version numbers or ids", () => {
    for (const w of ["02-18", "2/18", "2026-02-18", "today", "昨天", "02-30"]) expect(isDateLike(w)).toBe(true);
    for (const w of ["4.6", "sonnet", "20260218-1-3", "gpt-5", "397B"]) expect(isDateLike(w)).toBe(false);
  });
});

describe("formatInZone", () => {
  it("shows an instant as wall time of the zone", () => {
    expect(formatInZone("2026-02-19T01:00:00.000Z", "Asia/Shanghai")).toBe("2026-02-19 09:00");
    expect(formatInZone("2026-03-08T14:00:00.000Z", "America/New_York")).toBe("2026-03-08 10:00");
    expect(formatInZone("soon", "UTC")).toBe("soon");
  });
});
