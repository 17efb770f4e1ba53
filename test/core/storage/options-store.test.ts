// Delivery options in the state (#13), on both backends: a subscription's own options and pin, a run's options, pin parts, and the SQLite → PostgreSQL copy.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { copyState } from "../../../src/core/storage/copy-state.js";
import { openPostgresStorage, openSqliteStorage } from "../../../src/core/storage/open-storage.js";
import { createTestDatabase, testBackends, useStoreOpeners } from "./backends.js";

const T0 = "2026-02-18T09:00:00.000Z";
const LATER = "2026-02-18T09:05:00.000Z";

const { opener, onCleanup } = useStoreOpeners("digest-bot-options-");

const key = (runId: string, partIndex: number) => ({ runId, platform: "telegram" as const, targetId: "-1", partIndex });

describe.each(testBackends())("on %s", (backend) => {
  it("changes only the options given, clears one with null, and keeps them across re-subscribing and reopening", async () => {
    const open = opener(backend);
    const s = await open();
    expect(await s.subscriptions.setOptions("telegram", "-1", { silent: true }, T0)).toBe(false);
    await s.subscriptions.upsert("telegram", "-1", undefined, T0);
    expect(await s.subscriptions.setOptions("telegram", "-1", { silent: true, keywords: ["agent", "安全"] }, T0)).toEqual({ silent: true, keywords: ["agent", "安全"] });
    expect(await s.subscriptions.setOptions("telegram", "-1", { pin: true }, LATER)).toEqual({ silent: true, pin: true, keywords: ["agent", "安全"] });
    expect(await s.subscriptions.setOptions("telegram", "-1", { keywords: null, silent: false }, LATER)).toEqual({ silent: false, pin: true });
    // /subscribe again (sections) re-enables without touching the options.
    await s.subscriptions.disable("telegram", "-1", "403 Forbidden", LATER);
    await s.subscriptions.upsert("telegram", "-1", [1], LATER);
    await s.subscriptions.setPinned("telegram", "-1", "77", LATER);
    const again = await open();
    expect(await again.subscriptions.get("telegram", "-1")).toMatchObject({ enabled: true, sections: [1], options: { silent: false, pin: true }, pinnedMessageId: "77" });
    expect(await again.subscriptions.setOptions("telegram", "-1", { silent: null, pin: null }, LATER)).toBeUndefined();
    await again.subscriptions.setPinned("telegram", "-1", undefined, LATER);
    const sub = await again.subscriptions.get("telegram", "-1");
    expect(sub).not.toHaveProperty("options");
    expect(sub).not.toHaveProperty("pinnedMessageId");
  });

  it("keeps both changes when two admins change different options at the same moment", async () => {
    const open = opener(backend);
    const [a, b] = [await open(), await open()];
    await a.subscriptions.upsert("telegram", "-1", undefined, T0);
    await Promise.all([a.subscriptions.setOptions("telegram", "-1", { silent: true }, T0), b.subscriptions.setOptions("telegram", "-1", { pin: true }, T0)]);
    expect((await a.subscriptions.get("telegram", "-1"))?.options).toEqual({ silent: true, pin: true });
  });

  it("moves a subscription to a new id with its sections, schedule and options at once, and re-enables it", async () => {
    const open = opener(backend);
    const [a, b] = [await open(), await open()];
    expect(await a.subscriptions.move("telegram", "-4242", "-1009990001", T0, "the group was upgraded")).toBe(false);
    await a.subscriptions.upsert("telegram", "-4242", [2], T0);
    await a.subscriptions.setSchedule("telegram", "-4242", "30 7 * * *", "Asia/Shanghai", T0);
    await a.subscriptions.setOptions("telegram", "-4242", { silent: true, pin: true }, T0);
    await a.subscriptions.setPinned("telegram", "-4242", "77", T0);
    await a.subscriptions.disable("telegram", "-4242", "the group was upgraded to a supergroup", T0);
    // Another instance reading all along never sees the new id without its options, nor both ids at once.
    let reading = true;
    const seen: string[] = [];
    const reader = (async () => {
      while (reading) {
        const list = (await b.subscriptions.list()).filter((x) => x.platform === "telegram");
        const moved = list.find((x) => x.targetId === "-1009990001");
        if (list.length !== 1) seen.push(`${list.length} subscriptions`);
        if (moved && !moved.options?.pin) seen.push("moved without its options");
      }
    })();
    expect(await a.subscriptions.move("telegram", "-4242", "-1009990001", LATER, "the group was upgraded")).toBe(true);
    reading = false;
    await reader;
    expect(seen).toEqual([]);
    expect(await b.subscriptions.get("telegram", "-4242")).toBeUndefined();
    const moved = await b.subscriptions.get("telegram", "-1009990001");
    expect(moved).toMatchObject({ enabled: true, source: "command", sections: [2], cron: "30 7 * * *", timezone: "Asia/Shanghai", options: { silent: true, pin: true } });
    // The pinned header is a message of the old chat: the new id has none.
    expect(moved).not.toHaveProperty("pinnedMessageId");
    expect(moved).not.toHaveProperty("disabledReason");
  });

  it("records a run's options and a pin part, which is no message: not in earlier ids, pending counts or the revision's messages", async () => {
    const s = await opener(backend)();
    const options = { pin: true, keywords: ["agent"] };
    await s.ledger.planRun({
      runId: "r1",
      kind: "repost",
      platform: "telegram",
      targetId: "-1",
      digestDate: "2026-02-18",
      payloads: ["header", "s1", { pin: 0 }],
      operations: ["send", "send", "pin"],
      options,
      now: T0,
    });
    const parts = await s.ledger.runParts("r1");
    expect(parts.map((p) => [p.partIndex, p.operation ?? "send"])).toEqual([
      [0, "send"],
      [1, "send"],
      [2, "pin"],
    ]);
    expect(await s.ledger.pendingRuns()).toMatchObject([{ runId: "r1", open: 2, parts: 2 }]);
    await s.ledger.markSent(key("r1", 0), "100", T0);
    expect(await s.ledger.earlierMessageIds(key("r1", 1))).toEqual(["100"]);
    await s.ledger.markSent(key("r1", 1), "101", T0);
    expect(await s.ledger.messageIdOf(key("r1", 0))).toBe("100");
    expect(await s.ledger.messageIdOf(key("r1", 2))).toBeUndefined();
    // Only the pin is left: no message to list as pending.
    expect(await s.ledger.pendingRuns()).toEqual([]);
    await s.ledger.markFailed(key("r1", 2), "failed-permanent", "403 Forbidden: not enough rights to pin a message", LATER);
    // The post went out: a failed pin is its own note, not a failed delivery, and the post can still be corrected.
    expect(await s.ledger.lastRun("telegram", "-1")).toMatchObject({ status: "sent", pinError: "403 Forbidden: not enough rights to pin a message", options });
    expect(await s.revisions.deliveredRuns("2026-02-18")).toEqual([expect.objectContaining({ runId: "r1", options })]);
    expect(await s.revisions.currentMessages({ runId: "r1", platform: "telegram", targetId: "-1" })).toEqual([
      { messageId: "100", hash: expect.any(String) },
      { messageId: "101", hash: expect.any(String) },
    ]);
    expect(await s.ledger.previousMessageId(key("r1", 2))).toBe("101");
  });

  it("gives a revision's new message the ids of the messages before it", async () => {
    const s = await opener(backend)();
    await s.ledger.planRun({ runId: "r1", kind: "manual", platform: "telegram", targetId: "-1", digestDate: "2026-02-18", payloads: ["h", "a"], now: T0 });
    await s.ledger.markSent(key("r1", 0), "100", T0);
    await s.ledger.markSent(key("r1", 1), "101", T0);
    const [run] = await s.revisions.deliveredRuns("2026-02-18");
    await s.revisions.planRevision({
      run: run!,
      partCount: 4,
      revisionId: "v1",
      now: LATER,
      operations: [
        { partIndex: 0, operation: "keep", messageId: "100", oldHash: "x", newHash: "x" },
        { partIndex: 1, operation: "edit", messageId: "101", oldHash: "y", newHash: "z", payload: "a2" },
        { partIndex: 2, operation: "send", newHash: "n", payload: "b" },
        { partIndex: 3, operation: "send", newHash: "m", payload: "c" },
      ],
    });
    const rev = (i: number) => ({ runId: "v1", platform: "telegram" as const, targetId: "-1", partIndex: i });
    expect(await s.revisions.marks.earlierMessageIds(rev(2))).toEqual(["100", "101"]);
    await s.revisions.marks.markSent(rev(2), "102", LATER);
    expect(await s.revisions.marks.earlierMessageIds(rev(3))).toEqual(["100", "101", "102"]);
  });
});

describe.runIf(testBackends().includes("postgres"))("migrate --from sqlite", () => {
  it("copies the options, the pinned header, the runs' options and the pin parts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "digest-bot-options-copy-"));
    const database = await createTestDatabase();
    const from = await openSqliteStorage(dir);
    const to = await openPostgresStorage(database.url);
    onCleanup(async () => {
      await from.close();
      await to.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    await from.subscriptions.upsert("telegram", "-1", undefined, T0);
    await from.subscriptions.setOptions("telegram", "-1", { silent: true, keywords: ["安全"] }, T0);
    await from.subscriptions.setPinned("telegram", "-1", "100", T0);
    await from.ledger.planRun({
      runId: "r1",
      kind: "scheduled",
      platform: "telegram",
      targetId: "-1",
      digestDate: "2026-02-18",
      payloads: ["h", { pin: 0 }],
      operations: ["send", "pin"],
      options: { pin: true },
      slot: T0,
      now: T0,
    });
    await copyState(from, to);
    expect(await to.subscriptions.get("telegram", "-1")).toMatchObject({ options: { silent: true, keywords: ["安全"] }, pinnedMessageId: "100" });
    expect((await to.ledger.runParts("r1")).map((p) => p.operation ?? "send")).toEqual(["send", "pin"]);
    expect(await to.ledger.lastRun("telegram", "-1")).toMatchObject({ options: { pin: true } });
  });
});
