// Exactly once: crashes after any part, 429s, 5xx bursts, timeouts and permanent errors never lose or duplicate a message.
import { afterEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { formatOwnerId, judgeOwner } from "../../../src/core/delivery/owner.js";
import { processStartTime } from "../../../src/core/process-alive.js";
import { buildDailyPost } from "../../../src/core/summaries.js";
import { settled } from "../../load-slack.js";
import { testBackends } from "../storage/backends.js";
import { column, digestOn, FakeClock, harness, MemoryArchive, recordingLogger, rows, ScriptedPublisher, type Sent } from "./helpers.js";

const DAY = "2026-02-18";
const SLOT = "2026-02-18T09:00:00Z";
let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

describe.each(testBackends())("on %s", (backend) => {
  /** Sets up a subscription created the day before and returns the planned messages for the seed. */
  async function setup(env: Record<string, string> = { TELEGRAM_CHAT_IDS: "-1001" }, retry?: object) {
    h = harness({ POST_CRON: "0 9 * * *", ...env }, backend);
    const archive = new MemoryArchive([digestOn(DAY)]);
    const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
    const db = await h.open();
    const engine = await h.engine({ db, archive, clock, ...(retry ? { retry } : {}) });
    // The same plan the engine makes.
    const expected = new ScriptedPublisher("telegram").planDailyPost(buildDailyPost(digestOn(DAY)));
    return { archive, clock, db, engine, expected };
  }

  const LEASE_RENEW_MS_FOR_TEST = 40;
  const texts = (sent: Sent[]) => sent.map((s) => s.text);
  /** Waits until the engine got where the test needs it (a send in progress), however slow the backend. */
  const until = async (reached: () => boolean) => {
    for (let waited = 0; !reached(); waited += 5) {
      if (waited > 5000) throw new Error("the engine did not get there within 5 s");
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  describe("a crash after k of n parts", () => {
    it("plans the seed into several parts (so the crash cases below mean something)", async () => {
      const { expected } = await setup();
      expect(expected.length).toBeGreaterThanOrEqual(4);
    });

    it("loses nothing and sends nothing twice, for every k, when the crash happens before the platform got part k+1", async () => {
      const { expected } = await setup();
      await h.cleanup();
      for (let k = 0; k < expected.length; k++) {
        const { archive, clock, db, engine } = await setup();
        const received: Sent[] = [];
        const first = new ScriptedPublisher("telegram", { shared: received });
        first.script = [...Array(k).fill("ok"), "hang"];
        engine.registerPublisher(first);
        clock.set(SLOT);
        void engine.tick();
        await until(() => first.attempts.length === k + 1);
        expect(texts(received)).toEqual(expected.slice(0, k));
        await db.close(); // The process dies: engine dropped mid-send.

        const db2 = await h.open();
        const second = new ScriptedPublisher("telegram", { shared: received });
        const engine2 = await h.engine({ db: db2, archive, clock });
        engine2.registerPublisher(second);
        await engine2.tick();
        expect(texts(received)).toEqual(expected);
        // The interrupted part is re-sent with the same idempotency key.
        expect(second.attempts[0]?.key).toBe(first.attempts[k]?.key);
        await engine2.tick();
        expect(received).toHaveLength(expected.length);
        await engine2.stop();
        await h.cleanup();
      }
    });

    it("de-duplicates the in-flight part where the platform honours the key (Discord nonce), for every k", async () => {
      const { expected } = await setup({ DISCORD_CHANNEL_IDS: "123456" });
      await h.cleanup();
      for (let k = 0; k < expected.length; k++) {
        const { archive, clock, db, engine } = await setup({ DISCORD_CHANNEL_IDS: "123456" });
        const first = new ScriptedPublisher("discord", { dedupe: true });
        first.script = [...Array(k).fill("ok"), "deliver-then-hang"];
        engine.registerPublisher(first);
        clock.set(SLOT);
        void engine.tick();
        await until(() => first.attempts.length === k + 1);
        await db.close();

        const engine2 = await h.engine({ db: await h.open(), archive, clock });
        // Same platform state (it remembers nonces), a new bot process.
        first.script = [];
        engine2.registerPublisher(first);
        await engine2.tick();
        expect(texts(first.received)).toEqual(expected);
        await h.cleanup();
      }
    });

    it("shows the in-flight part twice where the platform cannot de-duplicate (Telegram) — and only that part", async () => {
      const { archive, clock, db, engine, expected } = await setup();
      const received: Sent[] = [];
      const first = new ScriptedPublisher("telegram", { shared: received });
      first.script = ["ok", "deliver-then-hang"];
      engine.registerPublisher(first);
      clock.set(SLOT);
      void engine.tick();
      await until(() => first.attempts.length === 2);
      await db.close();
      const { logger, lines } = recordingLogger();
      const engine2 = await h.engine({ db: await h.open(), archive, clock, logger });
      engine2.registerPublisher(new ScriptedPublisher("telegram", { shared: received }));
      await engine2.tick();
      expect(texts(received)).toEqual([expected[0], expected[1], ...expected.slice(1)]);
      expect(lines.some((l) => String(l.msg).startsWith("re-sending a message that was in flight"))).toBe(true);
    });
  });

  describe("send failures", () => {
    it("waits as told on 429 and then sends", async () => {
      const { clock, engine, expected, db } = await setup();
      const publisher = new ScriptedPublisher("telegram");
      publisher.script = ["ok", { status: 429, retryAfterMs: 60 }];
      engine.registerPublisher(publisher);
      clock.set(SLOT);
      const started = Date.now();
      await engine.tick();
      expect(Date.now() - started).toBeGreaterThanOrEqual(55);
      expect(texts(publisher.received)).toEqual(expected);
      const attempts = await column(db, "SELECT attempts FROM deliveries ORDER BY part_index");
      expect(attempts[1]).toBe(2);
    });

    it("does not re-send a message the platform accepted when recording it fails for a moment", async () => {
      const { clock, engine, expected, db } = await setup();
      const publisher = new ScriptedPublisher("telegram");
      engine.registerPublisher(publisher);
      const markSent = db.ledger.markSent.bind(db.ledger);
      let failures = 2;
      db.ledger.markSent = async (...args) => {
        if (failures-- > 0) throw new Error("connection terminated unexpectedly");
        return markSent(...args);
      };
      clock.set(SLOT);
      await engine.tick();
      expect(texts(publisher.received)).toEqual(expected);
      expect(publisher.attempts).toHaveLength(expected.length);
      expect(await column(db, "SELECT status FROM deliveries ORDER BY part_index")).toEqual(expected.map(() => "sent"));
    });

    it("backs off through a short 500 burst and timeouts within the run", async () => {
      const { clock, engine, expected } = await setup();
      const publisher = new ScriptedPublisher("telegram");
      publisher.script = [{ status: 500 }, { status: "timeout" }, "ok", { status: 500 }];
      engine.registerPublisher(publisher);
      clock.set(SLOT);
      await engine.tick();
      expect(texts(publisher.received)).toEqual(expected);
    });

    it("leaves a part pending after a long 500 burst, keeps later parts behind it, and finishes on the next tick", async () => {
      const { clock, engine, expected, db } = await setup();
      const publisher = new ScriptedPublisher("telegram");
      publisher.script = ["ok", { status: 500 }, { status: 500 }, { status: 500 }];
      engine.registerPublisher(publisher);
      clock.set(SLOT);
      await engine.tick();
      expect(texts(publisher.received)).toEqual(expected.slice(0, 1));
      const [row] = await rows(db, "SELECT status, attempts, last_error FROM deliveries WHERE part_index = 1");
      expect(row).toEqual({ status: "pending", attempts: 3, last_error: "500 Internal Server Error" });
      const status = await engine.status();
      expect(status.targets[0]?.lastDelivery).toMatchObject({ date: DAY, status: "pending", error: "500 Internal Server Error" });
      clock.set("2026-02-18T09:01:00Z");
      await engine.tick();
      expect(texts(publisher.received)).toEqual(expected);
      expect((await engine.status()).targets[0]?.lastDelivery?.status).toBe("sent");
    });

    it("disables a target on a permanent error without blocking the others, and /subscribe re-enables it", async () => {
      const { clock, engine, expected, db } = await setup({ TELEGRAM_CHAT_IDS: "-1001,-1002" });
      const publisher = new ScriptedPublisher("telegram");
      // -1001's first part is refused (the two targets are sent side by side, in no fixed order).
      publisher.scriptFor.set("-1001", [{ status: 403, message: "403 Forbidden: bot was kicked from the group chat" }]);
      engine.registerPublisher(publisher);
      clock.set(SLOT);
      await engine.tick();
      expect(publisher.received.filter((s) => s.target === "-1002").map((s) => s.text)).toEqual(expected);
      expect(publisher.received.filter((s) => s.target === "-1001")).toEqual([]);
      const status = await engine.status();
      const kicked = status.targets.find((t) => t.targetId === "-1001");
      expect(kicked).toMatchObject({ enabled: false, disabledReason: "403 Forbidden: bot was kicked from the group chat" });
      expect(kicked?.nextRun).toBeUndefined();
      expect(kicked?.lastDelivery?.status).toBe("failed");
      // Nothing more is attempted for it, nothing is left pending.
      clock.set("2026-02-18T09:05:00Z");
      await engine.tick();
      expect(publisher.attempts.filter((s) => s.target === "-1001")).toHaveLength(1);
      expect(await db.ledger.targetsWithOpenParts()).toEqual([]);
      await engine.subscribe({ platform: "telegram", id: "-1001" });
      expect((await engine.status()).targets.find((t) => t.targetId === "-1001")?.enabled).toBe(true);
    });

    it("retries an explicit repost to a disabled target on later ticks instead of stranding it", async () => {
      const { clock, engine, expected } = await setup({ TELEGRAM_CHAT_IDS: "-1001" });
      const publisher = new ScriptedPublisher("telegram");
      engine.registerPublisher(publisher);
      await engine.unsubscribe({ platform: "telegram", id: "-1001" });
      // An admin asks for a repost there anyway; its second part meets a long 500 burst.
      publisher.script = ["ok", { status: 500 }, { status: 500 }, { status: 500 }];
      const result = await engine.repost({ date: DAY, to: { platform: "telegram", id: "-1001" } });
      expect(result.pending).toHaveLength(1);
      expect(texts(publisher.received)).toEqual(expected.slice(0, 1));
      clock.set("2026-02-17T12:01:00Z");
      await engine.tick();
      expect(texts(publisher.received)).toEqual(expected);
    });

    it("stops during an hour-long backoff instead of waiting it out, leaving the part pending for the next start", async () => {
      // A 429 asking for an hour, and an engine that waits that long as told: only a stop that cuts the wait ends.
      const { clock, engine, expected, archive, db } = await setup(undefined, { maxRateLimitWaitMs: 3_600_000 });
      const publisher = new ScriptedPublisher("telegram");
      publisher.script = ["ok", { status: 429, retryAfterMs: 3_600_000 }];
      engine.registerPublisher(publisher);
      clock.set(SLOT);
      const tick = engine.tick();
      await until(() => publisher.attempts.length === 2);
      await settled("the stop during the backoff", Promise.all([engine.stop(), tick]));
      expect(texts(publisher.received)).toEqual(expected.slice(0, 1));
      await db.close();
      const engine2 = await h.engine({ db: await h.open(), archive, clock });
      engine2.registerPublisher(publisher);
      await engine2.tick();
      expect(texts(publisher.received)).toEqual(expected);
    });

    it("lets the message in flight finish on stop and records it as sent", async () => {
      const { clock, engine, db } = await setup();
      let release: (() => void) | undefined;
      const publisher = new ScriptedPublisher("telegram");
      const send = publisher.send.bind(publisher);
      publisher.send = async (target, text, options) => {
        await new Promise<void>((r) => (release = r));
        return send(target, text, options);
      };
      engine.registerPublisher(publisher);
      clock.set(SLOT);
      void engine.tick();
      await until(() => release !== undefined);
      const stopped = engine.stop();
      release!();
      await stopped;
      expect(publisher.received).toHaveLength(1);
      const statuses = await column(db, "SELECT status FROM deliveries ORDER BY part_index");
      expect(statuses[0]).toBe("sent");
      expect(statuses.slice(1).every((s) => s === "pending")).toBe(true);
    });
  });

  describe("two processes sharing the state file (the bot and digest-bot deliver)", () => {
    it("leaves a part another running engine is sending to it, and resumes it once that one is gone", async () => {
      const { archive, clock, db, engine, expected } = await setup();
      const received: Sent[] = [];
      const first = new ScriptedPublisher("telegram", { shared: received });
      first.script = ["ok", "deliver-then-hang"];
      engine.registerPublisher(first);
      clock.set(SLOT);
      void engine.tick();
      await until(() => first.attempts.length === 2);
      expect(texts(received)).toEqual(expected.slice(0, 2));

      // A second engine on its own connection while the first is still running (its database open).
      const other = await h.engine({ db: await h.open(), archive, clock });
      const second = new ScriptedPublisher("telegram", { shared: received });
      other.registerPublisher(second);
      const result = await other.deliver({ kind: "manual", to: { platform: "telegram", id: "-1001" } });
      expect(second.attempts).toEqual([]);
      // It does not even start: the first one holds the Telegram sender lease (one sender per bot token).
      const error = "another running digest-bot process holds the telegram sender lease (one sender per bot token); it sends these";
      expect(result.pending).toEqual([{ target: { platform: "telegram", id: "-1001" }, error }]);

      await db.close(); // The first one dies mid-send.
      await other.tick();
      // Part 2 again (Telegram cannot de-duplicate the one in flight), then the rest, then the manual run.
      expect(texts(received)).toEqual([...expected.slice(0, 2), ...expected.slice(1), ...expected]);
    });

    it("tells a claim of a running engine from one whose owner is gone, and never parks a part behind a dead owner", async () => {
      const { archive, clock, db, expected } = await setup();
      const planned = new ScriptedPublisher("telegram").planDailyPost(buildDailyPost(digestOn(DAY)));
      await db.ledger.planRun({ runId: "m1", kind: "manual", platform: "telegram", targetId: "-1001", digestDate: DAY, payloads: planned, now: SLOT });
      clock.set("2026-02-17T13:00:00Z");
      const claimFirstBy = (owner: string, leaseExpiresAt: string) =>
        db.db
          .updateTable("deliveries")
          .set({ status: "in-flight", claimed_by: owner, lease_expires_at: leaseExpiresAt })
          .where("run_id", "=", "m1")
          .where("part_index", "=", 0)
          .execute();
      const engine = await h.engine({ db, archive, clock });
      const publisher = new ScriptedPublisher("telegram");
      engine.registerPublisher(publisher);
      const live = "2026-02-17T13:00:30Z";

      // The process that started this one is running, with the start time the kernel gives it: its claim holds.
      await claimFirstBy(formatOwnerId("aa", hostname(), process.ppid, processStartTime(process.ppid)), live);
      await engine.tick();
      expect(publisher.attempts).toEqual([]);

      // Another machine's instance (PostgreSQL): only its lease tells; it holds until it runs out.
      await claimFirstBy(formatOwnerId("bb", "elsewhere.example", process.ppid, "1"), live);
      await engine.tick();
      expect(publisher.attempts).toEqual([]);
      clock.set("2026-02-17T13:00:31Z");
      await engine.tick();
      expect(texts(publisher.received)).toEqual(expected);
    });

    it("takes over a claim whose owner's pid now belongs to an unrelated live process", async () => {
      const { archive, clock, db, expected } = await setup();
      await db.ledger.planRun({ runId: "m1", kind: "manual", platform: "telegram", targetId: "-1001", digestDate: DAY, payloads: expected, now: SLOT });
      clock.set("2026-02-17T13:00:00Z");
      // The dead bot had this pid; an unrelated process (started at another time) holds it now.
      const unrelated = spawn("sleep", ["30"], { stdio: "ignore" });
      try {
        await new Promise((r) => unrelated.once("spawn", r));
        const reused = formatOwnerId("cc", hostname(), unrelated.pid!, "1");
        expect(judgeOwner(reused, "2026-02-17T13:01:00Z", clock.read().toISOString())).toBe("gone");
        await db.db.updateTable("deliveries").set({ status: "in-flight", claimed_by: reused, lease_expires_at: "2026-02-17T13:01:00Z" }).where("part_index", "=", 0).execute();
        const { logger, messages } = recordingLogger();
        const engine = await h.engine({ db, archive, clock, logger });
        const publisher = new ScriptedPublisher("telegram");
        engine.registerPublisher(publisher);
        await engine.tick();
        expect(texts(publisher.received)).toEqual(expected);
        expect(messages()).toContain("taking over a part whose owner stopped");
      } finally {
        unrelated.kill();
      }
    });

    it("takes over an expired lease even when its owner cannot be judged (a claim of an older version)", async () => {
      const { archive, clock, db, expected } = await setup();
      await db.ledger.planRun({ runId: "m1", kind: "manual", platform: "telegram", targetId: "-1001", digestDate: DAY, payloads: expected, now: SLOT });
      // A version-2 claim: `<pid>:<random>` of a live process, no lease.
      await db.db.updateTable("deliveries").set({ status: "in-flight", claimed_by: `${process.ppid}:parent` }).where("part_index", "=", 0).execute();
      const engine = await h.engine({ db, archive, clock });
      const publisher = new ScriptedPublisher("telegram");
      engine.registerPublisher(publisher);
      await engine.tick();
      expect(texts(publisher.received)).toEqual(expected);
    });

    it("renews the lease while a send is in progress, and records owner and lease on the claim", async () => {
      const { archive, clock, db } = await setup();
      let release: (() => void) | undefined;
      const publisher = new ScriptedPublisher("telegram");
      const send = publisher.send.bind(publisher);
      publisher.send = async (target, text, options) => {
        await new Promise<void>((r) => (release = r));
        return send(target, text, options);
      };
      const engine = await h.engine({ db, archive, clock, lease: { renewMs: LEASE_RENEW_MS_FOR_TEST } });
      engine.registerPublisher(publisher);
      clock.set(SLOT);
      const tick = engine.tick();
      await until(() => release !== undefined);
      const [first] = await db.ledger.openParts("telegram", "-1001");
      expect(first).toMatchObject({ status: "in-flight", leaseExpiresAt: "2026-02-18T09:01:00.000Z" });
      expect(first?.claimedBy).toMatch(new RegExp(`^[0-9a-f]{8}@${hostname()}:${process.pid}:\\d+$`));
      // The send takes long (a 429 wait inside the client): the renewal moves the lease on from the clock of the moment.
      clock.set("2026-02-18T09:00:50Z");
      await new Promise((r) => setTimeout(r, LEASE_RENEW_MS_FOR_TEST + 30));
      expect((await db.ledger.openParts("telegram", "-1001"))[0]?.leaseExpiresAt).toBe("2026-02-18T09:01:50.000Z");
      release!();
      await engine.stop();
      await tick;
    });

    it("claims a part only as it was read, so two engines never both send it", async () => {
      const { db } = await setup();
      await db.ledger.planRun({ runId: "m1", kind: "manual", platform: "telegram", targetId: "-1001", digestDate: DAY, payloads: ["a"], now: SLOT });
      const [part] = await db.ledger.openParts("telegram", "-1001");
      const seen = { status: part!.status, attempts: part!.attempts };
      const lease = { now: SLOT, leaseUntil: "2026-02-18T09:01:00.000Z" };
      expect(await db.leases.claim(part!, seen, { owner: "a@h:1:1", ...lease })).toBe(true);
      expect(await db.leases.claim(part!, seen, { owner: "b@h:2:2", ...lease })).toBe(false);
      expect((await db.ledger.openParts("telegram", "-1001"))[0]).toMatchObject({ status: "in-flight", attempts: 1, claimedBy: "a@h:1:1" });
      // Read again while a's lease is live: still not b's.
      const inFlight = { status: "in-flight" as const, attempts: 1 };
      expect(await db.leases.claim(part!, inFlight, { owner: "b@h:2:2", ...lease })).toBe(false);
      // After it ran out, b takes it over — once.
      const later = { now: "2026-02-18T09:01:00.000Z", leaseUntil: "2026-02-18T09:02:00.000Z" };
      expect(await db.leases.claim(part!, inFlight, { owner: "b@h:2:2", ...later })).toBe(true);
      expect(await db.leases.claim(part!, inFlight, { owner: "c@h:3:3", ...later })).toBe(false);
      expect(await db.leases.renew(part!, "a@h:1:1", later.leaseUntil)).toBe(false);
      expect(await db.leases.renew(part!, "b@h:2:2", later.leaseUntil)).toBe(true);
    });
  });
});
