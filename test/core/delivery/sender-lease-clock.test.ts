// Sender leases between hosts whose clocks disagree: lease times are the database's, so a host running fast never takes a held lease early.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createSenderLease } from "../../../src/core/delivery/sender-lease.js";
import { createDatabaseClock, readDatabaseTime } from "../../../src/core/storage/database-clock.js";
import type { Storage } from "../../../src/core/storage/types.js";
import { storageOpener, testBackends } from "../storage/backends.js";

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function openTwice(): Promise<[Storage, Storage]> {
  const dir = mkdtempSync(join(tmpdir(), "digest-bot-lease-clock-"));
  const o = storageOpener("postgres", dir);
  const a = await o.open();
  const b = await o.open();
  cleanups.push(async () => {
    await a.close();
    await b.close();
    await o.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  return [a, b];
}

const logger = pino({ level: "silent" });
/** The database clock of a host whose own clock is `skewMs` off. */
const clockOf = (s: Storage, skewMs = 0) => createDatabaseClock({ read: readDatabaseTime(s.db, s.dialect), host: () => Date.now() + skewMs });

describe.runIf(testBackends().includes("postgres"))("sender lease across skewed clocks (PostgreSQL)", () => {
  it("a host whose clock runs 30 s fast does not take the lease another host holds, and one 30 s slow does not keep it past its expiry", async () => {
    const [sa, sb] = await openTwice();
    const a = createSenderLease({ store: sa.senderLeases, owner: "aaaa@host-a:1:1", logger, clock: clockOf(sa), onTakeOver: () => {} });
    const fast = createSenderLease({ store: sb.senderLeases, owner: "bbbb@host-b:2:2", logger, clock: clockOf(sb, 30_000), onTakeOver: () => {} });
    cleanups.push(() => a.stop(), () => fast.stop());
    expect(await a.ensure("telegram")).toBe(true);
    expect(await fast.ensure("telegram")).toBe(false);
    expect(fast.holderOf("telegram")).toBe("aaaa@host-a:1:1");
    // The lease as written is in the database's time: about now + 15 s, not 30 s ahead.
    const stored = await sa.senderLeases.get("telegram");
    expect(Math.abs(Date.parse(stored!.expiresAt) - (Date.now() + 15_000))).toBeLessThan(5_000);
    await a.stop();

    // A slow host takes it; its lease is written in database time, so a correct host sees it expire on time.
    const slow = createSenderLease({ store: sb.senderLeases, owner: "cccc@host-c:3:3", logger, clock: clockOf(sb, -30_000), onTakeOver: () => {} });
    cleanups.push(() => slow.stop());
    expect(await slow.ensure("discord")).toBe(true);
    const slowLease = await sb.senderLeases.get("discord");
    expect(Math.abs(Date.parse(slowLease!.expiresAt) - (Date.now() + 15_000))).toBeLessThan(5_000);
  });
});
