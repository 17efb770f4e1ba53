// Sender leases on both backends: one holder per platform, renewed by it, taken over after expiry, released on stop, raced atomically.
import { describe, expect, it } from "vitest";
import { testBackends, useStoreOpeners } from "./backends.js";

const at = (s: number) => new Date(Date.UTC(2026, 1, 18, 9, 0, s)).toISOString();
const claimAt = (owner: string, s: number, ms = 15) => ({ owner, now: at(s), until: at(s + ms) });

const { opener } = useStoreOpeners("digest-bot-sender-lease-");

describe.each(testBackends())("sender leases on %s", (backend) => {
  it("gives a platform to one holder, which renews it; others are refused until it runs out, then one takes over", async () => {
    const open = opener(backend);
    const a = (await open()).senderLeases;
    const b = (await open()).senderLeases;
    expect(await a.claim("telegram", claimAt("A", 0))).toEqual({ held: true, previous: undefined });
    // Another platform is another budget.
    expect((await b.claim("discord", claimAt("B", 0))).held).toBe(true);
    const refused = await b.claim("telegram", claimAt("B", 1));
    expect(refused.held).toBe(false);
    expect(refused.previous).toMatchObject({ holder: "A", expiresAt: at(15) });
    // The holder renews; the other cannot.
    expect(await a.renew("telegram", "A", at(25))).toBe(true);
    expect(await b.renew("telegram", "B", at(40))).toBe(false);
    expect((await b.claim("telegram", claimAt("B", 20))).held).toBe(false);
    // A claims again while holding it: still its own, acquired when it first took it.
    expect((await a.claim("telegram", claimAt("A", 21))).held).toBe(true);
    expect(await a.get("telegram")).toEqual({ platform: "telegram", holder: "A", expiresAt: at(36), acquiredAt: at(0) });
    // A dies: its lease runs out at 36 s and B takes over; A's late renewal is refused.
    expect((await b.claim("telegram", claimAt("B", 35))).held).toBe(false);
    const taken = await b.claim("telegram", claimAt("B", 36));
    expect(taken).toMatchObject({ held: true, previous: { holder: "A", expiresAt: at(36) } });
    expect(await a.renew("telegram", "A", at(60))).toBe(false);
    expect(await b.get("telegram")).toMatchObject({ holder: "B", acquiredAt: at(36) });
  });

  it("a released lease is free at once, and a holder proven gone can be replaced before it runs out", async () => {
    const open = opener(backend);
    const a = (await open()).senderLeases;
    const b = (await open()).senderLeases;
    await a.claim("telegram", claimAt("A", 0));
    await a.release("telegram", "A", at(3));
    // Releasing someone else's lease does nothing.
    await b.release("telegram", "B", at(4));
    const next = await b.claim("telegram", claimAt("B", 4));
    // The previous holder's last moment is known (the new holder paces past it).
    expect(next).toMatchObject({ held: true, previous: { holder: "A", expiresAt: at(3) } });
    await b.release("telegram", "A", at(5));
    expect(await b.get("telegram")).toMatchObject({ holder: "B", expiresAt: at(19) });
    // B is proven dead (same host, no such process): C replaces exactly that holder.
    expect((await a.claim("telegram", { ...claimAt("C", 6), takeOverFrom: "someone else" })).held).toBe(false);
    expect((await a.claim("telegram", { ...claimAt("C", 6), takeOverFrom: "B" })).held).toBe(true);
  });

  it("of instances racing for a free platform, exactly one gets it", async () => {
    const open = opener(backend);
    const stores = await Promise.all([open(), open(), open()]);
    for (let round = 0; round < 5; round++) {
      const start = round * 20;
      const results = await Promise.all(stores.map((s, i) => s.senderLeases.claim("discord", claimAt(`I${i}-${round}`, start))));
      expect(results.filter((r) => r.held)).toHaveLength(1);
    }
  });
});
