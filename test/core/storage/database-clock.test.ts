// The database clock: the offset of a skewed host is measured against PostgreSQL's clock, none on SQLite or on the database's own host.
import { describe, expect, it } from "vitest";
import { createDatabaseClock, readDatabaseTime } from "../../../src/core/storage/database-clock.js";
import { recordingLogger } from "../delivery/helpers.js";
import { testBackends, useStoreOpeners } from "./backends.js";

const { opener } = useStoreOpeners("digest-bot-clock-");

describe("database clock", () => {
  it("on SQLite is this host's clock: nothing to read, no offset", async () => {
    const s = await opener("sqlite")();
    expect(readDatabaseTime(s.db, s.dialect)).toBeUndefined();
    const clock = createDatabaseClock({ read: readDatabaseTime(s.db, s.dialect), host: () => 1_000_000 });
    expect(await clock.sync()).toBe(0);
    expect(clock.now()).toBe(1_000_000);
  });

  it.runIf(testBackends().includes("postgres"))("on PostgreSQL corrects a host 90 s fast or slow to the server's time, and warns once", async () => {
    const s = await opener("postgres")();
    const read = readDatabaseTime(s.db, s.dialect)!;
    const { logger, lines } = recordingLogger();
    for (const skew of [90_000, -90_000]) {
      const clock = createDatabaseClock({ read, host: () => Date.now() + skew, logger });
      expect(clock.offsetMs).toBe(0); // not measured yet
      const offset = await clock.sync();
      expect(Math.abs(offset + skew)).toBeLessThan(1_000);
      expect(Math.abs(clock.now() - (await read()))).toBeLessThan(1_000);
      await clock.sync();
    }
    const warnings = lines.filter((l) => l.msg === "this host's clock differs from the database's; lease times use the database's (check NTP)");
    // One per clock (each engine has one), not one per measurement.
    expect(warnings.map((w) => Math.sign(Number(w.offsetMs)))).toEqual([-1, 1]);
  });

  it.runIf(testBackends().includes("postgres"))("on the database's own host measures no offset at all (the round trip's uncertainty is not skew)", async () => {
    const s = await opener("postgres")();
    const clock = createDatabaseClock({ read: readDatabaseTime(s.db, s.dialect) });
    for (let i = 0; i < 20; i++) expect(await clock.sync()).toBe(0);
  });
});
