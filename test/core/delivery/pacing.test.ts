// The pacer: grants within the platform budget and each target's own limit, in order, abortable, pushed back by a 429.
import { afterEach, describe, expect, it, vi } from "vitest";
import { CATCH_UP, createPacer, PLATFORM_LIMITS, type PlatformLimits } from "../../../src/core/delivery/pacing.js";

/** A budget scaled down 10× in time so the test runs in a fraction of a second: 10 per 100 ms, 1 per 100 ms per target. */
const SMALL: PlatformLimits = { global: { count: 10, windowMs: 100 }, target: () => [{ count: 1, windowMs: 100 }] };

afterEach(() => {
  vi.useRealTimers();
});

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

  it("makes up for late timers without ever exceeding the budget in any window (fake clock)", async () => {
    vi.useFakeTimers();
    // Every timer is seen firing 0–6 ms late, as on a loaded machine: at each instant the timers fire, the clock the
    // pacer reads runs ahead of them by a new random lag (never going back).
    let seen = 0;
    let instant = -1;
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const now = () => {
      if (Date.now() !== instant) {
        instant = Date.now();
        seen = Math.max(seen, instant + random() * 6);
      }
      return seen;
    };
    const limits: PlatformLimits = { global: { count: 30, windowMs: 1000 }, target: () => [{ count: 1, windowMs: 1000 }] };
    const pacer = createPacer({ limits: { telegram: limits }, marginMs: 100, now });
    const signal = new AbortController().signal;
    const grants: { target: string; at: number }[] = [];
    const start = now();
    const done = Promise.all(
      Array.from({ length: 300 }, async (_, t) => {
        for (let part = 0; part < 2; part++) {
          expect(await pacer.acquire("telegram", `c${t}`, signal)).toBe(true);
          grants.push({ target: `c${t}`, at: now() });
        }
      }),
    );
    await vi.runAllTimersAsync();
    await done;
    expect(grants).toHaveLength(600);
    const times = grants.map((g) => g.at).sort((a, b) => a - b);
    // The hard limit: never more than 30 grants in any 1,100 ms (window + margin)…
    for (let i = 30; i < times.length; i++) expect(times[i]! - times[i - 30]!).toBeGreaterThanOrEqual(1100);
    // …and each chat's two messages at least 1,100 ms apart.
    for (let t = 0; t < 300; t++) {
      const mine = grants.filter((g) => g.target === `c${t}`).map((g) => g.at);
      expect(mine[1]! - mine[0]!).toBeGreaterThanOrEqual(1100);
    }
    // Lateness is made up: 600 grants take (600 − 1) spacings of 1,100/30 ms plus at most a timer's lag, not the
    // 6–10 % more that spacing from each late grant cost.
    const ideal = (599 * 1100) / 30;
    expect(times.at(-1)! - start).toBeLessThan(ideal * 1.01 + 10);
  });

  it("after a stall, catches up at most CATCH_UP× the even rate, never in one burst (fake clock)", async () => {
    vi.useFakeTimers();
    let stall = 0;
    const now = () => Date.now() + stall;
    const pacer = createPacer({ limits: { telegram: SMALL }, marginMs: 10, now });
    const signal = new AbortController().signal;
    const times: number[] = [];
    const done = Promise.all(
      Array.from({ length: 40 }, async (_, t) => {
        expect(await pacer.acquire("telegram", `c${t}`, signal)).toBe(true);
        times.push(now());
        // The event loop stalls 50 ms once, after the fifth grant.
        if (times.length === 5) stall = 50;
      }),
    );
    await vi.runAllTimersAsync();
    await done;
    times.sort((a, b) => a - b);
    const spacing = 110 / 10;
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(spacing / CATCH_UP - 1e-9);
    for (let i = 10; i < times.length; i++) expect(times[i]! - times[i - 10]!).toBeGreaterThanOrEqual(110);
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
