// A group's subscription moved to a new id (a Telegram group upgraded to a supergroup): the day's post is not planned again at the new id, and what was left unsent goes there, once, on both backends.
import { describe, expect, it } from "vitest";
import { idempotencyKey } from "../../../src/core/storage/part-keys.js";
import type { PartKey, PlanRunInput, Storage } from "../../../src/core/storage/types.js";
import { testBackends, useStoreOpeners } from "./backends.js";

const OLD = "-4242";
const NEW = "-1009990001";
const DAY = "2026-02-18";
const SLOT = "2026-02-18T01:00:00.000Z";
const T0 = "2026-02-17T12:00:00.000Z";
const MOVED_AT = "2026-02-18T01:05:00.000Z";
const REASON = "the group was upgraded to supergroup -1009990001";

const { opener } = useStoreOpeners("digest-bot-group-move-");

const part = (runId: string, partIndex: number, targetId = OLD): PartKey => ({ runId, platform: "telegram", targetId, partIndex });
const post = (runId: string, targetId: string, payloads: unknown[], extra: Partial<PlanRunInput> = {}): PlanRunInput => ({
  runId, kind: "scheduled", platform: "telegram", targetId, digestDate: DAY, slot: SLOT, payloads, now: SLOT, whileSubscribed: true, oncePerDigest: true, ...extra,
});
const move = (s: Storage) => s.subscriptions.move("telegram", OLD, NEW, MOVED_AT, REASON);

/** A subscribed group whose day's post `runId` is planned with `payloads`, the first `sent` of them sent (ids 500, 501, …). */
async function groupWithPost(s: Storage, runId: string, payloads: unknown[], sent: number, extra: Partial<PlanRunInput> = {}): Promise<void> {
  await s.subscriptions.upsert("telegram", OLD, undefined, T0);
  expect(await s.ledger.planRuns([post(runId, OLD, payloads, extra)])).toEqual(["planned"]);
  for (let i = 0; i < sent; i++) await s.ledger.markSent(part(runId, i), String(500 + i), SLOT);
}

describe.each(testBackends())("a subscription moved to a new id, on %s", (backend) => {
  it("the day's post delivered at the old id: the new id's slot is taken and the digest delivered, so it is not planned again", async () => {
    const s = await opener(backend)();
    await groupWithPost(s, "s-old", ["header", "section"], 2);
    expect(await move(s)).toBe(true);
    expect(await s.ledger.slotStates([{ platform: "telegram", targetId: NEW, slot: SLOT }], DAY)).toEqual([{ slotTaken: true, delivered: true }]);
    // The same slot (the next tick) and a later slot of the same day (a second cron time) plan nothing.
    expect(await s.ledger.planRuns([post("s-again", NEW, ["header", "section"])])).toEqual(["delivered"]);
    expect(await s.ledger.planRuns([post("s-again", NEW, ["header", "section"], { oncePerDigest: false })])).toEqual(["taken"]);
    expect(await s.ledger.planRuns([post("s-later", NEW, ["header", "section"], { slot: "2026-02-18T05:00:00.000Z" })])).toEqual(["delivered"]);
    // Nothing to send anywhere, and /status at the new id tells the day's post as sent.
    expect(await s.ledger.targetsWithOpenParts()).toEqual([]);
    expect(await s.ledger.lastRun("telegram", NEW)).toMatchObject({ runId: "s-old", digestDate: DAY, status: "sent" });
    // The next day is planned as usual.
    expect(await s.ledger.planRuns([post("s-next", NEW, ["header"], { digestDate: "2026-02-19", slot: "2026-02-19T01:00:00.000Z" })])).toEqual(["planned"]);
  });

  it("a post interrupted by the move: its unsent parts go to the new id with their own keys, skipped at the old one", async () => {
    const s = await opener(backend)();
    await groupWithPost(s, "s-old", ["header", "section 1", "section 2"], 1);
    expect(await move(s)).toBe(true);
    const atNew = await s.ledger.openParts("telegram", NEW);
    expect(atNew.map((p) => [p.runId, p.partIndex, p.partCount, p.status, p.payload, p.attempts])).toEqual([
      ["s-old", 1, 3, "pending", "section 1", 0],
      ["s-old", 2, 3, "pending", "section 2", 0],
    ]);
    expect(atNew.map((p) => p.idempotencyKey)).toEqual([idempotencyKey("s-old", "telegram", NEW, 1), idempotencyKey("s-old", "telegram", NEW, 2)]);
    expect(await s.ledger.openParts("telegram", OLD)).toEqual([]);
    expect((await s.ledger.runParts("s-old", { platform: "telegram", targetId: OLD })).map((p) => [p.status, p.lastError])).toEqual([
      ["sent", undefined],
      ["skipped", REASON],
      ["skipped", REASON],
    ]);
    // The header's message is in the old chat: nothing at the new id threads to it or counts it as sent there.
    expect(await s.ledger.previousMessageId(part("s-old", 1, NEW))).toBeUndefined();
    expect(await s.ledger.earlierMessageIds(part("s-old", 1, NEW))).toEqual([]);
    // The next tick plans nothing more for the day; /status tells the rest as pending, then sent.
    expect(await s.ledger.planRuns([post("s-again", NEW, ["header", "section 1", "section 2"])])).toEqual(["delivered"]);
    expect(await s.ledger.lastRun("telegram", NEW)).toMatchObject({ runId: "s-old", status: "pending" });
    await s.ledger.markSent(part("s-old", 1, NEW), "7", MOVED_AT);
    await s.ledger.markSent(part("s-old", 2, NEW), "8", MOVED_AT);
    expect(await s.ledger.lastRun("telegram", NEW)).toMatchObject({ runId: "s-old", status: "sent" });
    expect(await s.ledger.targetsWithOpenParts()).toEqual([]);
  });

  it("parts the old id refused for the move before it was seen go to the new id; without that refusal's text, /status tells the post failed", async () => {
    const refusal = "telegram sendMessage to -4242: the group was upgraded to a supergroup, whose id is -1009990001 (Bad Request: group chat was upgraded to a supergroup chat)";
    const refusedThere = async (s: Storage) => {
      await groupWithPost(s, "s-old", ["header", "section 1", "section 2"], 1);
      await s.ledger.markFailed(part("s-old", 1), "failed-permanent", refusal, SLOT);
      await s.ledger.skipOpenParts("telegram", OLD, `not sent: ${refusal}`, SLOT);
      await s.subscriptions.disable("telegram", OLD, refusal, SLOT);
    };
    const s = await opener(backend)();
    await refusedThere(s);
    expect(await s.subscriptions.move("telegram", OLD, NEW, MOVED_AT, REASON, "whose id is -1009990001")).toBe(true);
    expect((await s.ledger.openParts("telegram", NEW)).map((p) => [p.partIndex, p.status, p.payload])).toEqual([
      [1, "pending", "section 1"],
      [2, "pending", "section 2"],
    ]);
    expect(await s.ledger.lastRun("telegram", NEW)).toMatchObject({ runId: "s-old", status: "pending" });

    const t = await opener(backend)();
    await refusedThere(t);
    expect(await t.subscriptions.move("telegram", OLD, NEW, MOVED_AT, REASON, "whose id is -1009990002")).toBe(true);
    expect(await t.ledger.openParts("telegram", NEW)).toEqual([]);
    expect(await t.ledger.lastRun("telegram", NEW)).toMatchObject({ runId: "s-old", status: "failed", lastError: refusal });
  });

  it("a post not started at the old id goes wholly to the new id; a pin of a header sent at the old id does not", async () => {
    const s = await opener(backend)();
    await groupWithPost(s, "s-old", ["header", "section", { pin: 0 }], 0, { operations: ["send", "send", "pin"] });
    expect(await move(s)).toBe(true);
    expect((await s.ledger.openParts("telegram", NEW)).map((p) => [p.partIndex, p.operation ?? "send"])).toEqual([[0, "send"], [1, "send"], [2, "pin"]]);

    const t = await opener(backend)();
    await groupWithPost(t, "s-old", ["header", "section", { pin: 0 }], 1, { operations: ["send", "send", "pin"] });
    expect(await move(t)).toBe(true);
    // The header is a message of the old chat, which the new id cannot pin: only the section goes.
    expect((await t.ledger.openParts("telegram", NEW)).map((p) => [p.partIndex, p.operation ?? "send"])).toEqual([[1, "send"]]);
  });

  it("a part on its way at the old id during the move, then confirmed there: its copy at the new id (and the pin of it) is not sent", async () => {
    const s = await opener(backend)();
    await groupWithPost(s, "s-old", ["header", "section 1", "section 2", { pin: 0 }], 0, { operations: ["send", "send", "send", "pin"] });
    const claim = { owner: "a", now: SLOT, leaseUntil: "2026-02-18T01:10:00.000Z" };
    expect(await s.leases.claim(part("s-old", 0), { status: "pending", attempts: 0 }, claim)).toBe(true);
    expect(await move(s)).toBe(true);
    expect((await s.ledger.openParts("telegram", NEW)).map((p) => p.partIndex)).toEqual([0, 1, 2, 3]);
    // Telegram took the header before the upgrade; its answer comes after the move.
    await s.ledger.markSent(part("s-old", 0), "500", MOVED_AT);
    expect((await s.ledger.openParts("telegram", NEW)).map((p) => p.partIndex)).toEqual([1, 2]);
    expect((await s.ledger.runParts("s-old", { platform: "telegram", targetId: OLD })).map((p) => p.status)).toEqual(["sent", "skipped", "skipped", "skipped"]);
    await s.ledger.markSent(part("s-old", 1, NEW), "7", MOVED_AT);
    await s.ledger.markSent(part("s-old", 2, NEW), "8", MOVED_AT);
    expect(await s.ledger.lastRun("telegram", NEW)).toMatchObject({ runId: "s-old", status: "sent" });
    expect(await s.ledger.targetsWithOpenParts()).toEqual([]);

    // Refused there instead (the group was upgraded by then): the copy goes.
    const t = await opener(backend)();
    await groupWithPost(t, "s-old", ["header", "section"], 1);
    expect(await t.leases.claim(part("s-old", 1), { status: "pending", attempts: 0 }, claim)).toBe(true);
    expect(await move(t)).toBe(true);
    await t.ledger.markFailed(part("s-old", 1), "failed-permanent", "refused", MOVED_AT);
    expect((await t.ledger.openParts("telegram", NEW)).map((p) => p.partIndex)).toEqual([1]);
  });

  it("corrections: a post with messages at the old id is corrected nowhere; one wholly sent at the new id is corrected there", async () => {
    const s = await opener(backend)();
    await groupWithPost(s, "s-done", ["header", "section"], 2);
    expect(await s.revisions.deliveredRuns(DAY)).toMatchObject([{ runId: "s-done", targetId: OLD }]);
    expect(await move(s)).toBe(true);
    expect(await s.revisions.deliveredRuns(DAY)).toEqual([]);

    const t = await opener(backend)();
    await groupWithPost(t, "s-half", ["header", "section 1", "section 2"], 1);
    expect(await move(t)).toBe(true);
    await t.ledger.markSent(part("s-half", 1, NEW), "7", MOVED_AT);
    await t.ledger.markSent(part("s-half", 2, NEW), "8", MOVED_AT);
    // Its messages 1 and 2 at the new id would be taken for the post's 1st and 2nd: no correction plans on them.
    expect(await t.revisions.deliveredRuns(DAY)).toEqual([]);

    const u = await opener(backend)();
    await groupWithPost(u, "s-none", ["header", "section"], 0);
    expect(await move(u)).toBe(true);
    await u.ledger.markSent(part("s-none", 0, NEW), "7", MOVED_AT);
    await u.ledger.markSent(part("s-none", 1, NEW), "8", MOVED_AT);
    expect(await u.revisions.deliveredRuns(DAY)).toMatchObject([{ runId: "s-none", targetId: NEW }]);
    expect((await u.revisions.currentMessages({ runId: "s-none", platform: "telegram", targetId: NEW })).map((m) => m.messageId)).toEqual(["7", "8"]);
  });

  it("a group whose posts were only /repost: corrected in neither chat, /status in the new one tells the last, one cut off is finished there", async () => {
    const s = await opener(backend)();
    await s.subscriptions.upsert("telegram", OLD, undefined, T0);
    const repost = (runId: string, now: string) => post(runId, OLD, ["header", "section"], { kind: "repost", slot: undefined, now, whileSubscribed: false, oncePerDigest: false });
    expect(await s.ledger.planRuns([repost("r-done", T0), repost("r-half", SLOT)])).toEqual(["planned", "planned"]);
    await s.ledger.markSent(part("r-done", 0), "500", T0);
    await s.ledger.markSent(part("r-done", 1), "501", T0);
    await s.ledger.markSent(part("r-half", 0), "502", SLOT);
    expect((await s.revisions.deliveredRuns(DAY)).map((r) => r.runId)).toEqual(["r-done"]);
    expect(await move(s)).toBe(true);
    // The group refuses every edit, and the supergroup does not have those messages.
    expect(await s.revisions.deliveredRuns(DAY)).toEqual([]);
    expect((await s.ledger.openParts("telegram", NEW)).map((p) => [p.runId, p.partIndex, p.kind])).toEqual([["r-half", 1, "repost"]]);
    expect(await s.ledger.lastRun("telegram", NEW)).toMatchObject({ runId: "r-half", kind: "repost", status: "pending" });
    expect((await s.ledger.pendingRuns()).map((r) => [r.runId, r.targetId, r.open, r.parts])).toEqual([["r-half", NEW, 1, 2]]);
  });

  it("carries the slot claims of the last 7 days and the latest one; older history stays at the old id", async () => {
    const s = await opener(backend)();
    await s.subscriptions.upsert("telegram", OLD, undefined, T0);
    const weekly = (runId: string, date: string) => post(runId, OLD, ["header"], { digestDate: date, slot: `${date}T01:00:00.000Z`, now: `${date}T01:00:00.000Z` });
    expect(await s.ledger.planRuns([weekly("s-old", "2026-02-01"), weekly("s-week", "2026-02-12")])).toEqual(["planned", "planned"]);
    await s.ledger.skipSlot({ runId: "s-skip", platform: "telegram", targetId: OLD, slot: SLOT, note: "no new digest within 12 h of the scheduled time", now: SLOT });
    expect(await move(s)).toBe(true);
    const states = await s.ledger.slotStates(
      ["2026-02-01", "2026-02-12"].map((d) => ({ platform: "telegram" as const, targetId: NEW, slot: `${d}T01:00:00.000Z` })).concat([{ platform: "telegram", targetId: NEW, slot: SLOT }]),
      "2026-02-12",
    );
    expect(states.map((x) => x.slotTaken)).toEqual([false, true, true]);
    expect(await s.ledger.lastRun("telegram", NEW)).toMatchObject({ runId: "s-skip", outcome: "skipped", note: "no new digest within 12 h of the scheduled time" });

    // A monthly schedule: its latest slot, weeks ago, is still the one the scheduler looks at.
    const t = await opener(backend)();
    await t.subscriptions.upsert("telegram", OLD, undefined, T0);
    expect(await t.ledger.planRuns([weekly("s-month", "2026-01-18")])).toEqual(["planned"]);
    expect(await move(t)).toBe(true);
    expect(await t.ledger.slotStates([{ platform: "telegram", targetId: NEW, slot: "2026-01-18T01:00:00.000Z" }], undefined)).toEqual([{ slotTaken: true, delivered: false }]);
  });
});
