// Part leases of the ledger between hosts whose clocks disagree by 90 s: lease times are the database's, so a fast host leaves a part in flight elsewhere and a slow one takes over an expired one on time.
import { afterEach, describe, expect, it } from "vitest";
import { createDatabaseClock, readDatabaseTime } from "../../../src/core/storage/database-clock.js";
import type { PartKey, Storage } from "../../../src/core/storage/types.js";
import { testBackends } from "../storage/backends.js";
import { harness, MemoryArchive, ScriptedPublisher, digestOn } from "./helpers.js";

const DAY = "2026-02-18";
const CHAT = "-1001";
const OTHER = "bbbb@host-b:2:2"; // an engine of another host: judged by its lease alone
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

/** The database server's time now, as any host on it reads it. */
async function databaseNow(s: Storage): Promise<number> {
  return readDatabaseTime(s.db, s.dialect)!();
}

/** A manual run of two parts to one chat, its first part claimed by another host's engine until `leaseUntil`. */
async function partInFlightElsewhere(s: Storage, leaseUntil: number): Promise<PartKey> {
  const now = new Date(await databaseNow(s)).toISOString();
  await s.ledger.planRun({ runId: "m-1", kind: "manual", platform: "telegram", targetId: CHAT, digestDate: DAY, payloads: ["part one", "part two"], now });
  const key = { runId: "m-1", platform: "telegram" as const, targetId: CHAT, partIndex: 0 };
  expect(await s.leases.claim(key, { status: "pending", attempts: 0 }, { owner: OTHER, now, leaseUntil: new Date(leaseUntil).toISOString() })).toBe(true);
  return key;
}

/** An engine on a host whose clock is `skewMs` off: its schedule clock and its database clock both read that host's time. */
async function engineOnHost(s: Storage, skewMs: number) {
  const host = () => Date.now() + skewMs;
  const engine = await h.engine({
    db: s,
    archive: new MemoryArchive([digestOn(DAY)]),
    clock: { read: () => new Date(host()) },
    databaseClock: createDatabaseClock({ read: readDatabaseTime(s.db, s.dialect), host }),
  });
  const publisher = new ScriptedPublisher("telegram");
  engine.registerPublisher(publisher);
  return { engine, publisher };
}

const claimOf = async (s: Storage) => (await s.ledger.runParts("m-1")).map((p) => ({ status: p.status, claimedBy: p.claimedBy }));

describe.runIf(testBackends().includes("postgres"))("part leases across skewed clocks (PostgreSQL)", () => {
  it("a host 90 s fast leaves a part another host leased for 60 s to it, and sends nothing of that target", async () => {
    h = harness({}, "postgres");
    const s = await h.open();
    await partInFlightElsewhere(s, (await databaseNow(s)) + 60_000);
    const fast = await engineOnHost(await h.open(), 90_000);
    await fast.engine.tick();
    // By its own clock the lease ran out 30 s ago; by the database's it has 60 s left.
    expect(fast.publisher.attempts).toEqual([]);
    expect(await claimOf(s)).toEqual([
      { status: "in-flight", claimedBy: OTHER },
      { status: "pending", claimedBy: undefined },
    ]);
    await fast.engine.stop();
  });

  it("a host 90 s slow takes over a part whose lease ran out, as soon as it ran out", async () => {
    h = harness({}, "postgres");
    const s = await h.open();
    const expiresAt = (await databaseNow(s)) + 3_000;
    await partInFlightElsewhere(s, expiresAt);
    const slow = await engineOnHost(await h.open(), -90_000);
    // Before the lease runs out the part is left to its owner.
    await slow.engine.tick();
    expect(slow.publisher.attempts).toEqual([]);
    await sleep(Math.max(0, expiresAt - (await databaseNow(s))) + 100);
    // Once it has run out, the slow host's next tick takes it over (by its own clock it has 91 s left).
    await slow.engine.tick();
    expect(slow.publisher.received.map((r) => r.text)).toEqual(["part one", "part two"]);
    expect((await s.ledger.runParts("m-1")).map((p) => p.status)).toEqual(["sent", "sent"]);
    await slow.engine.stop();
  });
});
