// A slow claim (a stalled fsync) between a paced slot and its send: no slot wasted, and a stop during it leaves the part pending.
import { afterEach, describe, expect, it } from "vitest";
import type { Pacer } from "../../../src/core/delivery/pacing.js";
import type { Storage } from "../../../src/core/storage/types.js";
import { testBackends } from "../storage/backends.js";
import { digestOn, FakeClock, harness, MemoryArchive, ScriptedPublisher } from "./helpers.js";

let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

/** Grants at once, counting grants per target and slots ended unused. */
function countingPacer() {
  const grants: string[] = [];
  const given = { back: 0 };
  const slot = () => ({ done: () => undefined, cancel: () => void given.back++ });
  const pacer: Pacer = {
    async acquire(_platform, targetId) {
      grants.push(targetId);
      return slot();
    },
    async acquireFollowUp() {
      return slot();
    },
    penalize: () => undefined,
  };
  return { pacer, grants, given };
}

/** Claims take this long: longer than a grant's spacing at 30/s. */
const SLOW_CLAIM_MS = 80;

/** The store with claims that take `ms` (a stalled fsync); `onClaim` hears when one starts. */
function slowClaims(storage: Storage, ms: number, onClaim: () => void): Storage {
  const leases = {
    ...storage.leases,
    claim: async (...args: Parameters<Storage["leases"]["claim"]>) => {
      onClaim();
      await new Promise((r) => setTimeout(r, ms));
      return storage.leases.claim(...args);
    },
  };
  return new Proxy(storage, { get: (t, k) => (k === "leases" ? leases : (Reflect.get(t, k) as unknown)) });
}

describe.each(testBackends())("a slow claim between the slot and the send, on %s", (backend) => {
  async function run(claimMs: number, stopDuringClaim = false) {
    h = harness({ TELEGRAM_CHAT_IDS: "-1001" }, backend);
    const db = await h.open();
    const { pacer, grants, given } = countingPacer();
    const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
    let claimStarted!: () => void;
    const claiming = new Promise<void>((resolve) => (claimStarted = resolve));
    const engine = await h.engine({ db: slowClaims(db, claimMs, claimStarted), archive: new MemoryArchive([digestOn("2026-02-18")]), clock, pacer });
    clock.set("2026-02-18T09:00:30Z");
    const tg = new ScriptedPublisher("telegram");
    engine.registerPublisher(tg);
    const tick = engine.tick();
    if (stopDuringClaim) {
      // Halfway through the first claim, however long planning took on a busy machine.
      await claiming;
      await new Promise((r) => setTimeout(r, claimMs / 2));
      await engine.stop();
    }
    await tick;
    return { db, grants, given, tg };
  }

  it("sends each message on the one slot it was granted (the window counts from the answer, so a late send needs no fresh slot)", async () => {
    const { grants, given, tg } = await run(SLOW_CLAIM_MS);
    expect(tg.received.length).toBeGreaterThan(1);
    expect(grants).toHaveLength(tg.received.length);
    expect(given.back).toBe(0);
  });

  it("a stop during the claim leaves the part pending, not in flight (no possible duplicate later), and its slot unused", async () => {
    const { db, tg, given } = await run(SLOW_CLAIM_MS, true);
    expect(tg.attempts).toEqual([]);
    expect(given.back).toBe(1);
    const parts = await db.ledger.openParts("telegram", "-1001");
    expect(parts[0]).toMatchObject({ status: "pending", lastError: "stopped before it was sent" });
  });
});
