// The pacer: grants within the platform budget and each target's own limit as the platform counts arrivals, in order, abortable, pushed back by a 429.
import { afterEach, describe, expect, it, vi } from "vitest";
import { CATCH_UP, createPacer, PLATFORM_LIMITS, type Pacer, type PlatformLimits } from "../../../src/core/delivery/pacing.js";
import { settled } from "../../load-slack.js";

/** A budget scaled down 10× in time so the test runs in a fraction of a second: 10 per 100 ms, 1 per 100 ms per target. */
const SMALL: PlatformLimits = { global: { count: 10, windowMs: 100 }, target: () => [{ count: 1, windowMs: 100 }] };

afterEach(() => {
  vi.useRealTimers();
});

/** What the fakes refuse: an arrival with `count` or more others in the window before it (`t > now - window`). */
function expectWithin(arrivals: number[], count: number, windowMs: number) {
  const times = [...arrivals].sort((a, b) => a - b);
  for (let i = count; i < times.length; i++) expect(times[i]! - times[i - count]!).toBeGreaterThanOrEqual(windowMs);
}

/** A clock that, at each instant timers fire, runs ahead of them by a new random lag of up to `maxLagMs` (never back). */
function lateClock(maxLagMs: number, seed = 7) {
  let seen = 0;
  let instant = -1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const now = () => {
    if (Date.now() !== instant) {
      instant = Date.now();
      seen = Math.max(seen, instant + random() * maxLagMs);
    }
    return seen;
  };
  return { now, random };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One request as the network does it: it leaves after the grant, arrives at the platform `up` ms later (recorded
 * on the platform's clock, `now`), and its answer comes back `down` ms after that; the slot ends at the answer.
 */
async function request(pacer: Pacer, target: string, now: () => number, up: number, down: number, arrivals: { target: string; at: number }[], signal: AbortSignal) {
  const slot = await pacer.acquire("telegram", target, signal);
  expect(slot).not.toBe(false);
  if (!slot) return;
  await sleep(up);
  arrivals.push({ target, at: now() });
  await sleep(down);
  slot.done();
}

describe("createPacer", () => {
  it("spaces requests over the platform's budget and never gives one target more than its own limit", async () => {
    const pacer = createPacer({ limits: { telegram: SMALL } });
    const signal = new AbortController().signal;
    const arrivals: { target: string; at: number }[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, t) => {
        for (let part = 0; part < 2; part++) await request(pacer, `c${t}`, () => performance.now(), 1, 1, arrivals, signal);
      }),
    );
    expectWithin(arrivals.map((a) => a.at), 10, 100);
    for (let t = 0; t < 10; t++) expectWithin(arrivals.filter((a) => a.target === `c${t}`).map((a) => a.at), 1, 100);
  });

  it("returns false when the stop signal aborts a wait, without waiting it out, and a 429 pushes that target back", async () => {
    const pacer = createPacer({ limits: { telegram: SMALL } });
    const abort = new AbortController();
    const first = await pacer.acquire("telegram", "a", abort.signal);
    expect(first).not.toBe(false);
    if (first) first.done();
    // An hour's push-back: only an abort that cuts the wait gives an answer.
    pacer.penalize("telegram", "a", 3_600_000);
    const waiting = pacer.acquire("telegram", "a", abort.signal);
    setTimeout(() => abort.abort(), 20);
    expect(await settled("the aborted wait", waiting)).toBe(false);
    // Another target is not held by it.
    expect(await pacer.acquire("telegram", "b", new AbortController().signal)).not.toBe(false);
  });

  it("does not pace platforms it has no limits for (the console)", async () => {
    const pacer = createPacer();
    const signal = new AbortController().signal;
    for (let i = 0; i < 100; i++) expect(await pacer.acquire("console", "local", signal)).not.toBe(false);
  });

  it("counts a request not yet answered in every window, and each window from the answer (fake clock)", async () => {
    vi.useFakeTimers();
    const pacer = createPacer({ limits: { telegram: { global: { count: 2, windowMs: 1000 }, target: () => [] } }, now: () => Date.now() });
    const signal = new AbortController().signal;
    const a = await pacer.acquire("telegram", "a", signal);
    await vi.advanceTimersByTimeAsync(500);
    const b = await pacer.acquire("telegram", "b", signal);
    let third: number | undefined;
    const start = Date.now();
    void pacer.acquire("telegram", "c", signal).then((s) => {
      third = Date.now() - start;
      if (s) s.done();
    });
    // Both still open, however long: nothing more goes out.
    await vi.advanceTimersByTimeAsync(5000);
    expect(third).toBeUndefined();
    // One answered now: the third may go one window after that answer, not before.
    if (a) a.done();
    await vi.advanceTimersByTimeAsync(999);
    expect(third).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(third).toBe(6000);
    if (b) b.cancel();
  });

  it("a slot given back unused counts for nothing (fake clock)", async () => {
    vi.useFakeTimers();
    // 2 per second: grants 500 ms apart.
    const pacer = createPacer({ limits: { telegram: { global: { count: 2, windowMs: 1000 }, target: () => [] } }, now: () => Date.now() });
    const signal = new AbortController().signal;
    const start = Date.now();
    const first = await pacer.acquire("telegram", "a", signal);
    await vi.advanceTimersByTimeAsync(500);
    const second = await pacer.acquire("telegram", "b", signal);
    let third: number | undefined;
    void pacer.acquire("telegram", "c", signal).then(() => (third = Date.now() - start));
    await vi.advanceTimersByTimeAsync(100);
    expect(third).toBeUndefined();
    // Nothing went out on the first: the third goes on the even schedule (at 1 s), not a window after (1.6 s).
    if (first) first.cancel();
    await vi.advanceTimersByTimeAsync(1000);
    expect(third).toBe(1000);
    if (second) second.done();
  });

  it("with timers firing late and requests taking their time, the platform never sees more than the limit in a window, and the budget is used (fake clock)", async () => {
    vi.useFakeTimers();
    // Timers are seen firing 0–6 ms late, as on a loaded machine; each request takes 0–10 ms to arrive and 0–10 ms
    // more to be answered.
    const { now, random } = lateClock(6);
    const limits: PlatformLimits = { global: { count: 30, windowMs: 1000 }, target: () => [{ count: 1, windowMs: 1000 }] };
    const pacer = createPacer({ limits: { telegram: limits }, now });
    const signal = new AbortController().signal;
    const arrivals: { target: string; at: number }[] = [];
    const start = now();
    const done = Promise.all(
      Array.from({ length: 300 }, async (_, t) => {
        for (let part = 0; part < 2; part++) await request(pacer, `c${t}`, now, random() * 10, random() * 10, arrivals, signal);
      }),
    );
    await vi.runAllTimersAsync();
    await done;
    expect(arrivals).toHaveLength(600);
    // The hard limits as the fakes count arrivals: never 30 in one second, never 2 to one chat in one second…
    expectWithin(arrivals.map((a) => a.at), 30, 1000);
    for (let t = 0; t < 300; t++) expectWithin(arrivals.filter((a) => a.target === `c${t}`).map((a) => a.at), 1, 1000);
    // …and the budget is spent: each window is held about one request's time (≤ 20 ms) longer than the platform's,
    // so 600 requests take little more than (600 − 30) / 30 s.
    const seconds = (Math.max(...arrivals.map((a) => a.at)) - start) / 1000;
    expect(600 / seconds).toBeGreaterThan(0.96 * 30);
  });

  it("serves follow-up requests of operations under way first, and counts them in the same budget (fake clock)", async () => {
    vi.useFakeTimers();
    const { now, random } = lateClock(6, 11);
    const pacer = createPacer({ limits: { discord: { global: { count: 50, windowMs: 1000 }, target: () => [{ count: 5, windowMs: 5000 }] } }, now });
    const signal = new AbortController().signal;
    const arrivals: number[] = [];
    // 64 operations at once, each a post then a follow-up (a channel read): more operations than the budget has room,
    // and each ends its first slot only when its follow-up starts.
    const done = Promise.all(
      Array.from({ length: 64 }, async (_, t) => {
        for (let part = 0; part < 2; part++) {
          const slot = await pacer.acquire("discord", `ch${t}`, signal);
          if (!slot) throw new Error("not granted");
          await sleep(random() * 10);
          arrivals.push(now());
          await sleep(random() * 10);
          slot.done();
          const follow = await pacer.acquireFollowUp("discord", signal);
          if (!follow) throw new Error("not granted");
          await sleep(random() * 10);
          arrivals.push(now());
          await sleep(random() * 10);
          follow.done();
        }
      }),
    );
    await vi.runAllTimersAsync();
    await done;
    expect(arrivals).toHaveLength(256);
    expectWithin(arrivals, 50, 1000);
  });

  it("after a stall, catches up at most CATCH_UP× the even rate, never in one burst (fake clock)", async () => {
    vi.useFakeTimers();
    let stall = 0;
    const now = () => Date.now() + stall;
    const pacer = createPacer({ limits: { telegram: SMALL }, now });
    const signal = new AbortController().signal;
    const times: number[] = [];
    const done = Promise.all(
      Array.from({ length: 40 }, async (_, t) => {
        const slot = await pacer.acquire("telegram", `c${t}`, signal);
        expect(slot).not.toBe(false);
        times.push(now());
        if (slot) slot.done();
        // The event loop stalls 50 ms once, after the fifth grant.
        if (times.length === 5) stall = 50;
      }),
    );
    await vi.runAllTimersAsync();
    await done;
    times.sort((a, b) => a - b);
    const spacing = 100 / 10;
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(spacing / CATCH_UP - 1e-9);
    expectWithin(times, 10, 100);
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
