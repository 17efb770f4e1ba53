// One sender per platform across instances: two engines on one database, only the sender lease holder sends; a standby takes over after a kill (lease expiry) or a clean stop, with nothing lost or sent twice.
import { afterEach, describe, expect, it } from "vitest";
import { createPacer } from "../../../src/core/delivery/pacing.js";
import type { SendOptions } from "../../../src/core/delivery/publisher.js";
import type { Platform } from "../../../src/core/reply.js";
import { buildDailyPost } from "../../../src/core/summaries.js";
import type { Storage } from "../../../src/core/storage/types.js";
import { guardMs } from "../../load-slack.js";
import { testBackends } from "../storage/backends.js";
import { digestOn, FakeClock, harness, MemoryArchive, ScriptedPublisher, type Sent } from "./helpers.js";

const DAY = "2026-02-18";
const SLOT = "2026-02-18T09:00:00Z";
const TELEGRAM = Array.from({ length: 12 }, (_, i) => `-100${i}`);
const DISCORD = Array.from({ length: 12 }, (_, i) => `7100${i}`);
/** Short leases so a takeover happens within the test: the holder renews every 150 ms, a dead one's runs out after 1.5 s. */
const SENDER_LEASE = { ms: 1500, renewMs: 150, handoverMs: 100 };
const PART_LEASE = { ms: 1500, renewMs: 150 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

interface Send {
  engine: string;
  platform: Platform;
  at: number;
}

/** A platform that takes a few ms per message and records which engine sent; `freeze()` makes it never answer again (a process killed). */
class RecordingPublisher extends ScriptedPublisher {
  frozen = false;
  constructor(
    platform: Platform,
    private engine: string,
    private log: Send[],
    shared: Sent[],
  ) {
    super(platform, { shared, dedupe: platform === "discord" });
  }
  override async send(target: string, text: string, options: SendOptions) {
    if (this.frozen) return new Promise<never>(() => {});
    this.log.push({ engine: this.engine, platform: this.platform, at: Date.now() });
    await sleep(3);
    return super.send(target, text, options);
  }
}

/**
 * The store as a killed process leaves it: after `freeze()` its lease renewals never complete (nor anything else of
 * them). `pauseSenderLeases()` holds its sender lease calls until `resume()` (a standby that does not look meanwhile).
 */
function freezable(storage: Storage) {
  let frozen = false;
  let paused: Promise<void> | undefined;
  let resume = () => {};
  const hang = <T extends object>(store: T, pausable = false): T =>
    new Proxy(store, {
      get(target, key) {
        const value = Reflect.get(target, key) as unknown;
        if (typeof value !== "function") return value;
        const call = (args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args);
        return (...args: unknown[]) => {
          if (frozen) return new Promise(() => {});
          return pausable && paused ? paused.then(() => call(args)) : call(args);
        };
      },
    });
  const senderLeases = hang(storage.senderLeases, true);
  const leases = hang(storage.leases);
  const proxy = new Proxy(storage, {
    get(target, key) {
      if (key === "senderLeases") return senderLeases;
      if (key === "leases") return leases;
      return Reflect.get(target, key) as unknown;
    },
  });
  return {
    storage: proxy,
    freeze: () => void (frozen = true),
    pauseSenderLeases: () => void (paused = new Promise<void>((r) => (resume = r))),
    resume: () => {
      paused = undefined;
      resume();
    },
  };
}

describe.each(testBackends())("on %s", (backend) => {
  async function setup(senderLease = SENDER_LEASE) {
    h = harness({ TELEGRAM_CHAT_IDS: TELEGRAM.join(","), DISCORD_CHANNEL_IDS: DISCORD.join(","), POST_CRON: "0 9 * * *" }, backend);
    const archive = new MemoryArchive([digestOn(DAY)]);
    const clock = new FakeClock(new Date(SLOT));
    const received: Sent[] = [];
    const sends: Send[] = [];
    const instance = async (name: string) => {
      const db = freezable(await h.open());
      // Its own pacer, as in its own process: 40 messages/s per platform, so a broadcast takes a while.
      const pacer = createPacer({ limits: { telegram: BUDGET, discord: BUDGET } });
      const engine = await h.engine({ db: db.storage, archive, clock, pacer, lease: PART_LEASE, senderLease });
      const publishers = { telegram: new RecordingPublisher("telegram", name, sends, received), discord: new RecordingPublisher("discord", name, sends, received) };
      engine.registerPublisher(publishers.telegram);
      engine.registerPublisher(publishers.discord);
      return { name, engine, db, publishers };
    };
    const partsPerTarget = new ScriptedPublisher("telegram").planDailyPost(buildDailyPost(digestOn(DAY))).length;
    /** Every planned part reached its target exactly once. */
    const expectEachPartOnce = () => {
      const keys = received.map((r) => r.key);
      expect(new Set(keys).size).toBe(keys.length); // 0 duplicates
      expect(keys.length).toBe((TELEGRAM.length + DISCORD.length) * partsPerTarget); // 0 lost
    };
    return { instance, received, sends, clock, expectEachPartOnce, total: (TELEGRAM.length + DISCORD.length) * partsPerTarget };
  }
  const BUDGET = { global: { count: 4, windowMs: 100 }, target: () => [] };

  it("only the holder of a platform's sender lease sends there; the other plans and stands by", async () => {
    const { instance, sends, received, expectEachPartOnce, total } = await setup();
    const a = await instance("a");
    const b = await instance("b");
    // Both tick at the scheduled time, as two instances would: each plans (one run per target, whoever is first).
    await Promise.all([a.engine.tick(), b.engine.tick()]);
    // Whatever is left (a holder that lost its lease on a slow renewal) is finished by the standby's takeover.
    for (let i = 0; i < 300 && new Set(received.map((r) => r.key)).size < total; i++) await sleep(50);
    expectEachPartOnce();
    for (const platform of ["telegram", "discord"] as const) {
      // Per platform, the sends of the two engines never interleave: one sender at a time.
      const order = sends.filter((s) => s.platform === platform).map((s) => s.engine);
      const switches = order.filter((e, i) => i > 0 && e !== order[i - 1]).length;
      expect(switches).toBe(0);
    }
    await a.engine.stop();
    await b.engine.stop();
  });

  it("after the holder is killed mid-broadcast, the standby takes over once the lease runs out: nothing lost, nothing twice", async () => {
    const { instance, sends, received, expectEachPartOnce, total, clock } = await setup();
    const a = await instance("a");
    const b = await instance("b");
    const aTick = a.engine.tick();
    for (let i = 0; i < 200 && received.length < 10; i++) await sleep(10);
    // B comes up while A is sending: it stands by on both platforms.
    await b.engine.tick();
    expect(sends.filter((s) => s.engine === "b")).toEqual([]);
    // kill -9 of A: its platform calls never answer again, its leases are never renewed.
    const killedAt = Date.now();
    a.publishers.telegram.frozen = true;
    a.publishers.discord.frozen = true;
    a.db.freeze();
    const sentByA = sends.filter((s) => s.engine === "a").length;
    expect(sentByA).toBeLessThan(total);
    // B takes over (its standby sees the lease run out); parts A had in flight are taken over once their leases end.
    // (The engine clock moves on too, so the part leases A took before it died run out for B.)
    clock.set("2026-02-18T09:01:00Z");
    for (let i = 0; i < 300 && new Set(received.map((r) => r.key)).size < total; i++) {
      await sleep(50);
      if (i % 4 === 3) await b.engine.tick();

    }
    expectEachPartOnce();
    const firstByB = Math.min(...sends.filter((s) => s.engine === "b").map((s) => s.at));
    // Not before A's sender lease could have run out.
    expect(firstByB - killedAt).toBeGreaterThanOrEqual(SENDER_LEASE.ms - SENDER_LEASE.renewMs - 50);
    await b.engine.stop();
    // A killed process never finishes its job (its last lease release never completed); its state is closed by the cleanup.
    void aTick;
  });

  it("a clean stop of the holder releases the lease: the standby finishes the broadcast, not waiting out the lease", async () => {
    // A sender lease of an hour: a standby that had to wait for it to run out would not send within the test.
    const { instance, sends, received, expectEachPartOnce, total } = await setup({ ...SENDER_LEASE, ms: 3_600_000 });
    const a = await instance("a");
    const b = await instance("b");
    const aTick = a.engine.tick();
    for (let i = 0; i < 200 && received.length < 10; i++) await sleep(10);
    await b.engine.tick();
    // The standby does not look while A stops, so the stored leases show what A's stop left. (Its takeover alone
    // proves nothing here: in one process a stopped engine counts as provably gone, released or not.)
    b.db.pauseSenderLeases();
    await a.engine.stop();
    await aTick;
    const reader = await h.open();
    for (const platform of ["telegram", "discord"] as const) {
      const stored = await reader.senderLeases.get(platform);
      // Released: it expires at the stop, not an hour after A's last renewal (both backends run on this host's clock).
      expect(stored).toBeDefined();
      expect(Date.parse(stored!.expiresAt)).toBeLessThanOrEqual(Date.now());
    }
    b.db.resume();
    for (const end = Date.now() + guardMs(10_000); Date.now() < end && new Set(received.map((r) => r.key)).size < total; ) await sleep(20);
    expectEachPartOnce();
    expect(sends.some((s) => s.engine === "b")).toBe(true);
    await b.engine.stop();
  });
});
