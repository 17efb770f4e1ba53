// Exactly once: crashes after any part, 429s, 5xx bursts, timeouts and permanent errors never lose or duplicate a message.
import { afterEach, describe, expect, it } from "vitest";
import { createLedger } from "../../../src/core/delivery/ledger.js";
import { buildDailyPost } from "../../../src/core/summaries.js";
import { digestOn, FakeClock, harness, MemoryArchive, recordingLogger, ScriptedPublisher, type Sent } from "./helpers.js";

const DAY = "2026-02-18";
const SLOT = "2026-02-18T09:00:00Z";
let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

/** Sets up a subscription created the day before and returns the planned messages for the seed. */
function setup(env: Record<string, string> = { TELEGRAM_CHAT_IDS: "-1001" }) {
  h = harness({ POST_CRON: "0 9 * * *", ...env });
  const archive = new MemoryArchive([digestOn(DAY)]);
  const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
  const db = h.open();
  const engine = h.engine({ db, archive, clock });
  // The same plan the engine makes.
  const expected = new ScriptedPublisher("telegram").planDailyPost(buildDailyPost(digestOn(DAY)));
  return { archive, clock, db, engine, expected };
}

const texts = (sent: Sent[]) => sent.map((s) => s.text);
const settle = () => new Promise((r) => setTimeout(r, 20));

describe("a crash after k of n parts", () => {
  it("plans the seed into several parts (so the crash cases below mean something)", () => {
    const { expected } = setup();
    expect(expected.length).toBeGreaterThanOrEqual(4);
  });

  it("loses nothing and sends nothing twice, for every k, when the crash happens before the platform got part k+1", async () => {
    const { expected } = setup();
    await h.cleanup();
    for (let k = 0; k < expected.length; k++) {
      const { archive, clock, db, engine } = setup();
      const received: Sent[] = [];
      const first = new ScriptedPublisher("telegram", { shared: received });
      first.script = [...Array(k).fill("ok"), "hang"];
      engine.registerPublisher(first);
      clock.set(SLOT);
      void engine.tick();
      await settle();
      expect(texts(received)).toEqual(expected.slice(0, k));
      db.close(); // The process dies: engine dropped mid-send.

      const db2 = h.open();
      const second = new ScriptedPublisher("telegram", { shared: received });
      const engine2 = h.engine({ db: db2, archive, clock });
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
    const { expected } = setup({ DISCORD_CHANNEL_IDS: "123456" });
    await h.cleanup();
    for (let k = 0; k < expected.length; k++) {
      const { archive, clock, db, engine } = setup({ DISCORD_CHANNEL_IDS: "123456" });
      const first = new ScriptedPublisher("discord", { dedupe: true });
      first.script = [...Array(k).fill("ok"), "deliver-then-hang"];
      engine.registerPublisher(first);
      clock.set(SLOT);
      void engine.tick();
      await settle();
      db.close();

      const engine2 = h.engine({ db: h.open(), archive, clock });
      // Same platform state (it remembers nonces), a new bot process.
      first.script = [];
      engine2.registerPublisher(first);
      await engine2.tick();
      expect(texts(first.received)).toEqual(expected);
      await h.cleanup();
    }
  });

  it("shows the in-flight part twice where the platform cannot de-duplicate (Telegram) — and only that part", async () => {
    const { archive, clock, db, engine, expected } = setup();
    const received: Sent[] = [];
    const first = new ScriptedPublisher("telegram", { shared: received });
    first.script = ["ok", "deliver-then-hang"];
    engine.registerPublisher(first);
    clock.set(SLOT);
    void engine.tick();
    await settle();
    db.close();
    const { logger, lines } = recordingLogger();
    const engine2 = h.engine({ db: h.open(), archive, clock, logger });
    engine2.registerPublisher(new ScriptedPublisher("telegram", { shared: received }));
    await engine2.tick();
    expect(texts(received)).toEqual([expected[0], expected[1], ...expected.slice(1)]);
    expect(lines.some((l) => String(l.msg).startsWith("re-sending a message that was in flight"))).toBe(true);
  });
});

describe("send failures", () => {
  it("waits as told on 429 and then sends", async () => {
    const { clock, engine, expected, db } = setup();
    const publisher = new ScriptedPublisher("telegram");
    publisher.script = ["ok", { status: 429, retryAfterMs: 60 }];
    engine.registerPublisher(publisher);
    clock.set(SLOT);
    const started = Date.now();
    await engine.tick();
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(texts(publisher.received)).toEqual(expected);
    const attempts = db.db.prepare("SELECT attempts FROM deliveries ORDER BY part_index").pluck().all();
    expect(attempts[1]).toBe(2);
  });

  it("backs off through a short 500 burst and timeouts within the run", async () => {
    const { clock, engine, expected } = setup();
    const publisher = new ScriptedPublisher("telegram");
    publisher.script = [{ status: 500 }, { status: "timeout" }, "ok", { status: 500 }];
    engine.registerPublisher(publisher);
    clock.set(SLOT);
    await engine.tick();
    expect(texts(publisher.received)).toEqual(expected);
  });

  it("leaves a part pending after a long 500 burst, keeps later parts behind it, and finishes on the next tick", async () => {
    const { clock, engine, expected, db } = setup();
    const publisher = new ScriptedPublisher("telegram");
    publisher.script = ["ok", { status: 500 }, { status: 500 }, { status: 500 }];
    engine.registerPublisher(publisher);
    clock.set(SLOT);
    await engine.tick();
    expect(texts(publisher.received)).toEqual(expected.slice(0, 1));
    const row = db.db.prepare("SELECT status, attempts, last_error FROM deliveries WHERE part_index = 1").get();
    expect(row).toEqual({ status: "pending", attempts: 3, last_error: "500 Internal Server Error" });
    const status = await engine.status();
    expect(status.targets[0]?.lastDelivery).toMatchObject({ date: DAY, status: "pending", error: "500 Internal Server Error" });
    clock.set("2026-02-18T09:01:00Z");
    await engine.tick();
    expect(texts(publisher.received)).toEqual(expected);
    expect((await engine.status()).targets[0]?.lastDelivery?.status).toBe("sent");
  });

  it("disables a target on a permanent error without blocking the others, and /subscribe re-enables it", async () => {
    const { clock, engine, expected, db } = setup({ TELEGRAM_CHAT_IDS: "-1001,-1002" });
    const publisher = new ScriptedPublisher("telegram");
    // Targets go in subscription order: -1001 first; its first part is refused.
    publisher.script = [{ status: 403, message: "403 Forbidden: bot was kicked from the group chat" }];
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
    expect(createLedger(db).targetsWithOpenParts()).toEqual([]);
    await engine.subscribe({ platform: "telegram", id: "-1001" });
    expect((await engine.status()).targets.find((t) => t.targetId === "-1001")?.enabled).toBe(true);
  });

  it("retries an explicit repost to a disabled target on later ticks instead of stranding it", async () => {
    const { clock, engine, expected } = setup({ TELEGRAM_CHAT_IDS: "-1001" });
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

  it("stops promptly during a backoff, leaving the part pending for the next start", async () => {
    const { clock, engine, expected, archive, db } = setup();
    const publisher = new ScriptedPublisher("telegram");
    publisher.script = ["ok", { status: 429, retryAfterMs: 900 }];
    engine.registerPublisher(publisher);
    clock.set(SLOT);
    const tick = engine.tick();
    await settle();
    const started = Date.now();
    await engine.stop();
    await tick;
    expect(Date.now() - started).toBeLessThan(500);
    expect(texts(publisher.received)).toEqual(expected.slice(0, 1));
    db.close();
    const engine2 = h.engine({ db: h.open(), archive, clock });
    engine2.registerPublisher(publisher);
    await engine2.tick();
    expect(texts(publisher.received)).toEqual(expected);
  });

  it("lets the message in flight finish on stop and records it as sent", async () => {
    const { clock, engine, db } = setup();
    let release!: () => void;
    const publisher = new ScriptedPublisher("telegram");
    const send = publisher.send.bind(publisher);
    publisher.send = async (target, text, key) => {
      await new Promise<void>((r) => (release = r));
      return send(target, text, key);
    };
    engine.registerPublisher(publisher);
    clock.set(SLOT);
    void engine.tick();
    await settle();
    const stopped = engine.stop();
    release();
    await stopped;
    expect(publisher.received).toHaveLength(1);
    const rows = db.db.prepare("SELECT status FROM deliveries ORDER BY part_index").pluck().all();
    expect(rows[0]).toBe("sent");
    expect(rows.slice(1).every((s) => s === "pending")).toBe(true);
  });
});

describe("two processes sharing the state file (the bot and digest-bot deliver)", () => {
  it("leaves a part another running engine is sending to it, and resumes it once that one is gone", async () => {
    const { archive, clock, db, engine, expected } = setup();
    const received: Sent[] = [];
    const first = new ScriptedPublisher("telegram", { shared: received });
    first.script = ["ok", "deliver-then-hang"];
    engine.registerPublisher(first);
    clock.set(SLOT);
    void engine.tick();
    await settle();
    expect(texts(received)).toEqual(expected.slice(0, 2));

    // A second engine on its own connection while the first is still running (its database open).
    const other = h.engine({ db: h.open(), archive, clock });
    const second = new ScriptedPublisher("telegram", { shared: received });
    other.registerPublisher(second);
    const result = await other.deliver({ kind: "manual", to: { platform: "telegram", id: "-1001" } });
    expect(second.attempts).toEqual([]);
    expect(result.pending).toEqual([
      { target: { platform: "telegram", id: "-1001" }, error: "another running digest-bot process is sending to this target; it sends these too" },
    ]);

    db.close(); // The first one dies mid-send.
    await other.tick();
    // Part 2 again (Telegram cannot de-duplicate the one in flight), then the rest, then the manual run.
    expect(texts(received)).toEqual([...expected.slice(0, 2), ...expected.slice(1), ...expected]);
  });

  it("tells a claim of a running process from one of a process that is gone", async () => {
    const { archive, clock, db, expected } = setup();
    const ledger = createLedger(db);
    const planned = new ScriptedPublisher("telegram").planDailyPost(buildDailyPost(digestOn(DAY)));
    ledger.planRun({ runId: "m1", kind: "manual", platform: "telegram", targetId: "-1001", digestDate: DAY, payloads: planned, now: SLOT });
    const claimFirstBy = (owner: string) =>
      db.db.prepare("UPDATE deliveries SET status = 'in-flight', claimed_by = ? WHERE run_id = 'm1' AND part_index = 0").run(owner);
    const engine = h.engine({ db, archive, clock });
    const publisher = new ScriptedPublisher("telegram");
    engine.registerPublisher(publisher);
    clock.set("2026-02-17T13:00:00Z");

    claimFirstBy(`${process.ppid}:parent`); // The process that started this one is running.
    await engine.tick();
    expect(publisher.attempts).toEqual([]);

    claimFirstBy("2147483646:gone"); // No such process.
    await engine.tick();
    expect(texts(publisher.received)).toEqual(expected);
  });

  it("claims a part only as it was read, so two engines never both send it", () => {
    const { db } = setup();
    const ledger = createLedger(db);
    ledger.planRun({ runId: "m1", kind: "manual", platform: "telegram", targetId: "-1001", digestDate: DAY, payloads: ["a"], now: SLOT });
    const [part] = ledger.openParts("telegram", "-1001");
    const seen = { status: part!.status, attempts: part!.attempts };
    expect(ledger.claim(part!, seen, "1:a", SLOT)).toBe(true);
    expect(ledger.claim(part!, seen, "2:b", SLOT)).toBe(false);
    expect(ledger.openParts("telegram", "-1001")[0]).toMatchObject({ status: "in-flight", attempts: 1, claimedBy: "1:a" });
  });
});
