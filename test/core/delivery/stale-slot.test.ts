// A paced slot that went stale while the part's claim was written is taken again, so sends never reach the platform in a bunch behind a slow write.
import { afterEach, describe, expect, it } from "vitest";
import type { Pacer } from "../../../src/core/delivery/pacing.js";
import { STALE_SLOT_MS } from "../../../src/core/delivery/sender.js";
import type { Storage } from "../../../src/core/storage/types.js";
import { digestOn, FakeClock, harness, MemoryArchive, ScriptedPublisher } from "./helpers.js";

let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

/** Grants at once, counting grants per target; `stopAfter` refuses (a stop) from that grant on. */
function countingPacer(stopAfter = Number.POSITIVE_INFINITY) {
  const grants: string[] = [];
  const pacer: Pacer = {
    async acquire(_platform, targetId) {
      if (grants.length >= stopAfter) return false;
      grants.push(targetId);
      return true;
    },
    penalize: () => undefined,
  };
  return { pacer, grants };
}

/** The store with claims that take `ms` (a stalled fsync). */
function slowClaims(storage: Storage, ms: number): Storage {
  const leases = {
    ...storage.leases,
    claim: async (...args: Parameters<Storage["leases"]["claim"]>) => {
      await new Promise((r) => setTimeout(r, ms));
      return storage.leases.claim(...args);
    },
  };
  return new Proxy(storage, { get: (t, k) => (k === "leases" ? leases : (Reflect.get(t, k) as unknown)) });
}

describe("a slot gone stale during the claim", () => {
  async function run(claimMs: number, stopAfter?: number) {
    h = harness({ TELEGRAM_CHAT_IDS: "-1001" });
    const db = await h.open();
    const { pacer, grants } = countingPacer(stopAfter);
    const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
    const engine = await h.engine({ db: slowClaims(db, claimMs), archive: new MemoryArchive([digestOn("2026-02-18")]), clock, pacer });
    clock.set("2026-02-18T09:00:30Z");
    const tg = new ScriptedPublisher("telegram");
    engine.registerPublisher(tg);
    await engine.tick();
    return { db, grants, tg };
  }

  it("takes a fresh slot before sending when the claim took longer than STALE_SLOT_MS", async () => {
    const { grants, tg } = await run(STALE_SLOT_MS + 30);
    expect(tg.received.length).toBeGreaterThan(0);
    expect(grants).toHaveLength(2 * tg.received.length);
  });

  it("a stop while waiting for the fresh slot leaves the part pending, not in flight (no possible duplicate later)", async () => {
    const { db, tg } = await run(STALE_SLOT_MS + 30, 1);
    expect(tg.attempts).toEqual([]);
    const parts = await db.ledger.openParts("telegram", "-1001");
    expect(parts[0]).toMatchObject({ status: "pending", lastError: "stopped before it was sent" });
  });
});
