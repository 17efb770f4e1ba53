// Cron in a time zone: previous/next scheduled minute across zones and daylight-saving changes.
import { describe, expect, it } from "vitest";
import { createSchedule, localDate, ScheduleError } from "../../../src/core/delivery/schedule.js";

const at = (iso: string) => new Date(iso);
const iso = (d: Date | undefined) => d?.toISOString();

describe("createSchedule", () => {
  it("finds the latest and next 09:00 in Shanghai", () => {
    const s = createSchedule("0 9 * * *", "Asia/Shanghai");
    expect(iso(s.previous(at("2026-02-18T03:00:00Z")))).toBe("2026-02-18T01:00:00.000Z");
    expect(iso(s.previous(at("2026-02-18T00:59:59Z")))).toBe("2026-02-17T01:00:00.000Z");
    expect(iso(s.previous(at("2026-02-18T01:00:00Z")))).toBe("2026-02-18T01:00:00.000Z");
    expect(iso(s.next(at("2026-02-18T01:00:00Z")))).toBe("2026-02-19T01:00:00.000Z");
  });

  it("follows the wall clock across New York's DST changes", () => {
    const s = createSchedule("0 9 * * *", "America/New_York");
    // EST (UTC-5) before 2026-03-08, EDT (UTC-4) after.
    expect(iso(s.next(at("2026-03-07T00:00:00Z")))).toBe("2026-03-07T14:00:00.000Z");
    expect(iso(s.next(at("2026-03-07T14:00:00Z")))).toBe("2026-03-08T13:00:00.000Z");
    expect(iso(s.previous(at("2026-11-02T00:00:00Z")))).toBe("2026-11-01T14:00:00.000Z");
  });

  it("skips a time that spring-forward removes and runs a repeated time once", () => {
    const skipped = createSchedule("30 2 * * *", "America/New_York");
    expect(iso(skipped.next(at("2026-03-07T08:00:00Z")))).toBe("2026-03-09T06:30:00.000Z");
    const repeated = createSchedule("30 1 * * *", "America/New_York");
    // 01:30 EDT = 05:30Z happens first; 01:30 EST = 06:30Z is the repeat and does not count.
    expect(iso(repeated.next(at("2026-11-01T00:00:00Z")))).toBe("2026-11-01T05:30:00.000Z");
    expect(iso(repeated.next(at("2026-11-01T05:30:00Z")))).toBe("2026-11-02T06:30:00.000Z");
    expect(iso(repeated.previous(at("2026-11-01T07:00:00Z")))).toBe("2026-11-01T05:30:00.000Z");
  });

  it("handles weekdays, steps and a half-hour zone", () => {
    const weekdays = createSchedule("15 8 * * 1-5", "Asia/Kolkata");
    // 2026-02-21 is a Saturday: the previous run is Friday 08:15 IST = 02:45Z.
    expect(iso(weekdays.previous(at("2026-02-22T12:00:00Z")))).toBe("2026-02-20T02:45:00.000Z");
    const every = createSchedule("*/20 * * * *", "UTC");
    expect(iso(every.previous(at("2026-02-18T10:59:00Z")))).toBe("2026-02-18T10:40:00.000Z");
    const sunday = createSchedule("0 12 * * 7", "UTC");
    expect(iso(sunday.next(at("2026-02-18T00:00:00Z")))).toBe("2026-02-22T12:00:00.000Z");
  });

  it("rejects a bad expression or zone with the fix", () => {
    expect(() => createSchedule("61 9 * * *", "UTC")).toThrow(
      new ScheduleError('schedule: "61 9 * * *" is not a valid cron expression; use five fields like "0 9 * * *"'),
    );
    expect(() => createSchedule("0 9 * * *", "Mars/Base")).toThrow(
      'schedule: "Mars/Base" is not a known IANA time zone; use one like Asia/Shanghai or UTC',
    );
  });

  it("gives the local calendar day", () => {
    expect(localDate(at("2026-02-17T17:30:00Z"), "Asia/Shanghai")).toBe("2026-02-18");
    expect(localDate(at("2026-02-17T17:30:00Z"), "America/Los_Angeles")).toBe("2026-02-17");
  });
});
