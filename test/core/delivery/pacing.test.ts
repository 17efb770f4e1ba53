// The pacer: grants within the platform budget and each target's own limit, in order, abortable, pushed back by a 429.
import { describe, expect, it } from "vitest";
import { createPacer, PLATFORM_LIMITS, type PlatformLimits } from "../../../src/core/delivery/pacing.js";

/** A budget scaled down 10× in time so the test runs in a fraction of a second: 10 per 100 ms, 1 per 100 ms per target. */
const SMALL: PlatformLimits = { global: { count: 10, windowMs: 100 }, target: () => [{ count: 1, windowMs: 100 }] };

describe("createPacer", () => {
  it("spaces grants over the platform's budget and never gives one target more than its own limit", async () => {
    const pacer = createPacer({ limits: { telegram: SMALL }, marginMs: 10 });
    const signal = new AbortController().signal;
    const grants: { target: string; at: number }[] = [];
    const start = Date.now();
    await Promise.all(
      Array.from({ length: 10 }, async (_, t) => {
        for (let part = 0; part < 2; part++) {
          expect(await pacer.acquire("telegram", `c${t}`, signal)).toBe(true);
          grants.push({ target: `c${t}`, at: Date.now() - start });
        }
      }),
    );
    const times = grants.map((g) => g.at).sort((a, b) => a - b);
    // Never more than 10 in any 100 ms.
    for (let i = 10; i < times.length; i++) expect(times[i]! - times[i - 10]!).toBeGreaterThanOrEqual(100);
    for (let t = 0; t < 10; t++) {
      const mine = grants.filter((g) => g.target === `c${t}`).map((g) => g.at);
      expect(mine[1]! - mine[0]!).toBeGreaterThanOrEqual(100);
    }
  });

  it("returns false at once when the stop signal aborts a wait, and a 429 pushes that target back", async () => {
    const pacer = createPacer({ limits: { telegram: SMALL }, marginMs: 10 });
    const abort = new AbortController();
    expect(await pacer.acquire("telegram", "a", abort.signal)).toBe(true);
    pacer.penalize("telegram", "a", 5000);
    const waiting = pacer.acquire("telegram", "a", abort.signal);
    const started = Date.now();
    setTimeout(() => abort.abort(), 20);
    expect(await waiting).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    // Another target is not held by it.
    expect(await pacer.acquire("telegram", "b", new AbortController().signal)).toBe(true);
  });

  it("does not pace platforms it has no limits for (the console)", async () => {
    const pacer = createPacer();
    const signal = new AbortController().signal;
    for (let i = 0; i < 100; i++) expect(await pacer.acquire("console", "local", signal)).toBe(true);
  });

  it("knows Telegram's and Discord's documented limits", () => {
    expect(PLATFORM_LIMITS.telegram.global).toEqual({ count: 30, windowMs: 1000 });
    expect(PLATFORM_LIMITS.telegram.target("12345")).toEqual([{ count: 1, windowMs: 1000 }]);
    expect(PLATFORM_LIMITS.telegram.target("-100123")).toEqual([
      { count: 1, windowMs: 1000 },
      { count: 20, windowMs: 60_000 },
    ]);
    expect(PLATFORM_LIMITS.discord.global).toEqual({ count: 50, windowMs: 1000 });
    expect(PLATFORM_LIMITS.discord.target("1")).toEqual([{ count: 5, windowMs: 5000 }]);
  });
});
