// A sender lease changing hands carries the last minute's sends per group, so the new holder keeps Telegram's 20/min per group.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createPacer, type PlatformLimits } from "../../../src/core/delivery/pacing.js";
import { createSenderLease } from "../../../src/core/delivery/sender-lease.js";
import { createDatabaseClock, readDatabaseTime } from "../../../src/core/storage/database-clock.js";
import { storageOpener, testBackends } from "../storage/backends.js";

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** Telegram's per-group minute, with 3 in place of 20 so the test sends few; no 1 s limit in the way. */
const LIMITS: PlatformLimits = { global: { count: 100, windowMs: 1000 }, target: (id) => (id.startsWith("-") ? [{ count: 3, windowMs: 60_000 }] : []) };
const logger = pino({ level: "silent" });

/** Resolves whether the acquire was granted within `ms` (then ends the slot). */
async function grantedWithin(acquire: Promise<unknown>, ms: number): Promise<boolean> {
  const result = await Promise.race([acquire, new Promise((r) => setTimeout(() => r("waiting"), ms))]);
  if (result && typeof result === "object" && "done" in result) (result as { done(): void }).done();
  return result !== "waiting" && result !== false;
}

describe.each(testBackends())("on %s", (backend) => {
  async function twoInstances() {
    const dir = mkdtempSync(join(tmpdir(), "digest-bot-handover-"));
    const o = storageOpener(backend, dir);
    const [sa, sb] = [await o.open(), await o.open()];
    const make = (store: typeof sa, owner: string) => {
      const lease = createSenderLease({ store: store.senderLeases, owner, logger, clock: createDatabaseClock({ read: readDatabaseTime(store.db, store.dialect) }), onTakeOver: () => {}, handoverMs: 0, ms: 3000, renewMs: 300 });
      return { lease, pacer: lease.gate(createPacer({ limits: { telegram: LIMITS } })) };
    };
    const a = make(sa, "aaaa@host-a:1:1");
    const b = make(sb, "bbbb@host-b:2:2");
    const abort = new AbortController();
    cleanups.push(async () => {
      abort.abort();
      await a.lease.stop();
      await b.lease.stop();
      await sa.close();
      await sb.close();
      await o.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    return { a, b, signal: abort.signal, stores: [sa, sb] as const };
  }

  it("the next holder counts what the previous one sent to a group in the last minute; other groups are free", async () => {
    const { a, b, signal } = await twoInstances();
    expect(await a.lease.ensure("telegram")).toBe(true);
    for (let i = 0; i < 3; i++) expect(await grantedWithin(a.pacer.acquire("telegram", "-1001", signal), 1000)).toBe(true);
    // The group's minute is full for A.
    expect(await grantedWithin(a.pacer.acquire("telegram", "-1001", signal), 200)).toBe(false);
    await a.lease.releaseAll();

    expect(await b.lease.ensure("telegram")).toBe(true);
    // B's own pacer has sent nothing, yet it waits for the group A filled…
    expect(await grantedWithin(b.pacer.acquire("telegram", "-1001", signal), 300)).toBe(false);
    // …and only for that group.
    expect(await grantedWithin(b.pacer.acquire("telegram", "-1002", signal), 1000)).toBe(true);
  });

  it("the history goes with each renewal too, so a holder that stops renewing (killed) still leaves what it had sent", async () => {
    const { a, stores } = await twoInstances();
    const signal = new AbortController().signal;
    expect(await a.lease.ensure("telegram")).toBe(true);
    for (let i = 0; i < 2; i++) expect(await grantedWithin(a.pacer.acquire("telegram", "-1003", signal), 1000)).toBe(true);
    // Within one renewal period the row carries both sends.
    let stored: number[] | undefined;
    for (let i = 0; i < 30 && (stored?.length ?? 0) < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stored = (await stores[1].senderLeases.get("telegram"))?.recentSends?.["-1003"];
    }
    expect(stored).toHaveLength(2);
    for (const at of stored!) expect(Math.abs(at - Date.now())).toBeLessThan(10_000);
  });
});
