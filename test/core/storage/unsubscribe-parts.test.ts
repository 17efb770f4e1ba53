// An unsubscribe against parts being sent: the parts it skips stay skipped when their send fails afterwards, and, on PostgreSQL, no instance sees the subscription gone with parts still open.
import { describe, expect, it } from "vitest";
import type { PartKey, Storage, StorageDialect } from "../../../src/core/storage/types.js";
import { testBackends, useStoreOpeners } from "./backends.js";
import { openPgHold } from "./pg-hold.js";

const T0 = "2026-02-18T09:00:00.000Z";
const LATER = "2026-02-18T09:00:05.000Z";
const CHAT = "-1001";
const OWNER = "instance-a";

const { opener, onCleanup } = useStoreOpeners("digest-bot-unsubscribe-");

/** Two instances' connections to one fresh database. */
async function openTwo(backend: StorageDialect): Promise<{ a: Storage; b: Storage; url: () => Promise<string> }> {
  const open = opener(backend);
  return { a: await open(), b: await open(), url: open.url };
}

const part = (runId: string, partIndex: number): PartKey => ({ runId, platform: "telegram", targetId: CHAT, partIndex });

/** A subscribed chat with yesterday's post delivered and corrected (one edit open) and today's post planned (two parts open). */
async function chatWithOpenParts(s: Storage): Promise<void> {
  await s.subscriptions.upsert("telegram", CHAT, undefined, T0);
  await s.ledger.planRun({ runId: "r1", kind: "manual", platform: "telegram", targetId: CHAT, digestDate: "2026-02-17", payloads: ["h", "a"], now: T0 });
  await s.ledger.markSent(part("r1", 0), "100", T0);
  await s.ledger.markSent(part("r1", 1), "101", T0);
  const [run] = await s.revisions.deliveredRuns("2026-02-17");
  await s.revisions.planRevision({
    run: run!, partCount: 2, revisionId: "v1", now: T0,
    operations: [
      { partIndex: 0, operation: "keep", messageId: "100", oldHash: "x", newHash: "x" },
      { partIndex: 1, operation: "edit", messageId: "101", oldHash: "y", newHash: "z", payload: "a2" },
    ],
  });
  await s.ledger.planRun({ runId: "r2", kind: "manual", platform: "telegram", targetId: CHAT, digestDate: "2026-02-18", payloads: ["h", "b"], now: T0 });
}

const open = async (s: Storage) => ({
  posts: (await s.ledger.openParts("telegram", CHAT)).length,
  corrections: (await s.revisions.openParts("telegram", CHAT)).length,
});

describe.each(testBackends())("on %s", (backend) => {
  it("a send in flight when the chat unsubscribes, failing afterwards (a 5xx to retry), is not retried: its part stays skipped", async () => {
    const { a, b } = await openTwo(backend);
    await chatWithOpenParts(a);
    // Instance A claims today's first message and yesterday's correction, and sends them.
    const lease = { owner: OWNER, now: T0, leaseUntil: LATER };
    expect(await a.leases.claim(part("r2", 0), { status: "pending", attempts: 0 }, lease)).toBe(true);
    expect(await a.revisions.leases.claim(part("v1", 1), { status: "pending", attempts: 0 }, lease)).toBe(true);
    // Meanwhile an admin unsubscribes the chat on instance B.
    expect(await b.subscriptions.unsubscribe("telegram", CHAT, "unsubscribed", T0)).toMatchObject({ targetId: CHAT });
    expect(await open(a)).toEqual({ posts: 0, corrections: 0 });
    // Both requests fail with a 5xx: A would retry them.
    await a.ledger.markFailed(part("r2", 0), "pending", "500 Internal Server Error", LATER);
    await a.revisions.marks.markFailed(part("v1", 1), "pending", "500 Internal Server Error", LATER);
    expect(await open(a)).toEqual({ posts: 0, corrections: 0 });
    expect(await a.ledger.lastRun("telegram", CHAT)).toMatchObject({ runId: "r2", status: "skipped" });
    expect(await a.ledger.targetsWithOpenParts()).toEqual([]);
    expect(await a.revisions.targetsWithOpenParts()).toEqual([]);
  });

  it("unsubscribing returns the subscription it ended (its pinned header to unpin), keeps a settings target disabled with the reason, and is false-y for a chat never subscribed", async () => {
    const { a } = await openTwo(backend);
    await a.subscriptions.upsert("telegram", CHAT, [1], T0);
    await a.subscriptions.setPinned("telegram", CHAT, "100", T0);
    expect(await a.subscriptions.unsubscribe("telegram", CHAT, "unsubscribed", T0)).toMatchObject({ targetId: CHAT, sections: [1], pinnedMessageId: "100", source: "command" });
    expect(await a.subscriptions.get("telegram", CHAT)).toBeUndefined();
    expect(await a.subscriptions.unsubscribe("telegram", CHAT, "unsubscribed", T0)).toBeUndefined();
    await a.subscriptions.ensureSettingsTarget("telegram", "-1002", T0);
    expect(await a.subscriptions.unsubscribe("telegram", "-1002", "unsubscribed by an admin", T0)).toMatchObject({ source: "settings" });
    expect(await a.subscriptions.get("telegram", "-1002")).toMatchObject({ enabled: false, disabledReason: "unsubscribed by an admin" });
  });
});

describe.runIf(testBackends().includes("postgres"))("an unsubscribe while another instance sends, on postgres", () => {
  it("once the unsubscribe can be seen, nothing is left to send: removing the subscription and skipping its open parts commit together", async () => {
    const { a, b, url } = await openTwo("postgres");
    await chatWithOpenParts(a);
    const hold = await openPgHold(await url());
    onCleanup(() => hold.end().catch(() => {}));
    // `hold` has the chat's correction locked: whatever skips it waits there.
    await hold.query("BEGIN");
    await hold.query(`SELECT 1 FROM revision_parts WHERE platform = 'telegram' AND target_id = $1 FOR UPDATE`, [CHAT]);
    const leaving = b.subscriptions.unsubscribe("telegram", CHAT, "unsubscribed", T0);
    await hold.waitingOnHold();
    // What instance A's sender sees meanwhile: the chat subscribed with its parts, never unsubscribed with parts open.
    expect(await a.subscriptions.get("telegram", CHAT)).toBeDefined();
    expect(await open(a)).toEqual({ posts: 2, corrections: 1 });
    await hold.query("ROLLBACK");
    expect(await leaving).toMatchObject({ targetId: CHAT });
    expect(await a.subscriptions.get("telegram", CHAT)).toBeUndefined();
    expect(await open(a)).toEqual({ posts: 0, corrections: 0 });
  });
});
