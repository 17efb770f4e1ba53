// Corrections of delivered posts through the engine: quiet period, edits/sends/deletes planned before sending, crashes, refusals.
import { afterEach, describe, expect, it } from "vitest";
import type { Digest } from "../../../src/core/digest/model.js";
import { PublishError, type SendOptions } from "../../../src/core/delivery/publisher.js";
import { buildDailyPost } from "../../../src/core/summaries.js";
import type { Storage } from "../../../src/core/storage/types.js";
import { testBackends } from "../storage/backends.js";
import { column, digestOn, FakeClock, harness, recordingLogger, rows, ScriptedPublisher } from "./helpers.js";
import { RevisableArchive } from "./option-doubles.js";

const DAY = "2026-02-18";
const SLOT = "2026-02-18T09:00:00Z";
const after = (seconds: number) => new Date(Date.parse(SLOT) + seconds * 1000).toISOString();

type EditStep = "ok" | "hang" | "gone";

/** A scripted platform that also edits and deletes, keeping what each message shows now. */
class EditingPublisher extends ScriptedPublisher {
  readonly shown = new Map<string, string>();
  readonly edits: { id: string; text: string }[] = [];
  readonly deletes: string[] = [];
  editScript: EditStep[] = [];
  /** Targets whose edits fail for now (a transient error), and every target an edit was tried at. */
  readonly failEditsAt = new Set<string>();
  readonly editsTriedAt: string[] = [];
  editsPerMinute: number | undefined;
  constructor(platform: "telegram" | "discord", shared?: { shown: Map<string, string> }) {
    super(platform, { dedupe: true });
    if (shared) this.shown = shared.shown;
  }
  override async send(target: string, text: string, options: SendOptions) {
    const result = await super.send(target, text, options);
    this.shown.set(result.messageId, text);
    return result;
  }
  async edit(target: string, id: string, text: string) {
    this.editsTriedAt.push(target);
    if (this.failEditsAt.has(target)) throw new PublishError("transient", "502 Bad Gateway");
    const step = this.editScript.shift() ?? "ok";
    if (step === "hang") return new Promise<never>(() => {});
    if (step === "gone" || !this.shown.has(id)) throw new PublishError("permanent", `message ${id} was deleted`);
    this.edits.push({ id, text });
    this.shown.set(id, text);
  }
  async delete(_target: string, id: string) {
    this.deletes.push(id);
    this.shown.delete(id);
  }
}

const expectedPlan = (digest: Digest) => new ScriptedPublisher("telegram").planDailyPost(buildDailyPost(digest));

/** A deep copy of the seed changed by `change`. */
function revised(change: (d: Digest) => void, base = digestOn(DAY)): Digest {
  const d = structuredClone(base);
  change(d);
  return d;
}

let h: ReturnType<typeof harness>;
afterEach(async () => h.cleanup());

describe.each(testBackends())("revisions on %s", (backend) => {
  async function setup(env: Record<string, string> = {}, logger?: ReturnType<typeof recordingLogger>["logger"]) {
    h = harness({ POST_CRON: "0 9 * * *", TELEGRAM_CHAT_IDS: "-1001", ...env }, backend);
    const archive = new RevisableArchive([digestOn(DAY)]);
    const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
    const db = await h.open();
    const engine = await h.engine({ db, archive, clock, ...(logger ? { logger } : {}) });
    const platform = new EditingPublisher("telegram");
    engine.registerPublisher(platform);
    await engine.start();
    clock.set(SLOT);
    await engine.tick();
    expect(platform.received.length).toBe(expectedPlan(digestOn(DAY)).length);
    return { archive, clock, db, engine, platform };
  }

  /** Waits until the change is recorded (the archive listener writes it asynchronously). */
  async function untilRequested(db: Storage) {
    for (let waited = 0; (await column(db, "SELECT digest_date FROM revision_requests")).length === 0; waited += 5) {
      if (waited > 5000) throw new Error("the change was not recorded within 5 s");
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const channel = (p: EditingPublisher) => [...p.shown.values()];
  /** What one target shows now, message by message (a message's id is `m` and its place among all sends). */
  const channelOf = (p: EditingPublisher, target: string) =>
    p.received.flatMap((m, i) => (m.target === target && p.shown.has(`m${i + 1}`) ? [p.shown.get(`m${i + 1}`)!] : []));

  it("a typo fixed in one story edits exactly the message that shows it, after the quiet period, and leaves the others alone", async () => {
    const { archive, clock, db, engine, platform } = await setup();
    const fixed = revised((d) => (d.sections[2]!.stories[0]!.title += " (fixed)"));
    const before = expectedPlan(digestOn(DAY));
    const afterPlan = expectedPlan(fixed);
    const changed = afterPlan.map((t, i) => (t === before[i] ? -1 : i)).filter((i) => i >= 0);
    expect(changed).toHaveLength(1);
    archive.put(fixed);
    await untilRequested(db);
    clock.set(after(30));
    await engine.tick();
    expect(platform.edits).toHaveLength(0); // Still inside REVISION_QUIET_SECONDS (60).
    clock.set(after(61));
    await engine.tick();
    expect(platform.edits.map((e) => e.text)).toEqual([afterPlan[changed[0]!]]);
    expect(platform.received).toHaveLength(before.length);
    expect(platform.deletes).toEqual([]);
    expect(channel(platform)).toEqual(afterPlan);
    const parts = await rows<{ operation: string; old_hash: string; new_hash: string; status: string }>(
      db,
      "SELECT operation, old_hash, new_hash, status FROM revision_parts ORDER BY part_index",
    );
    expect(parts.map((p) => p.operation)).toEqual(before.map((_, i) => (i === changed[0] ? "edit" : "keep")));
    expect(parts.every((p) => p.status === "sent")).toBe(true);
    expect(parts.filter((p) => p.old_hash !== p.new_hash)).toHaveLength(1);
    const status = await engine.status();
    expect(status.targets[0]!.lastRevision).toMatchObject({ date: DAY, revision: 1, edited: 1, sent: 0, deleted: 0, open: 0, failed: [] });
    // Nothing left to do: another tick changes nothing.
    await engine.tick();
    expect(platform.edits).toHaveLength(1);
  });

  it("a burst of saves inside the quiet period makes one revision carrying the last version", async () => {
    const { archive, clock, db, engine, platform } = await setup();
    let current = digestOn(DAY);
    for (let i = 1; i <= 3; i++) {
      current = revised((d) => (d.sections[0]!.stories[0]!.title += ` v${i}`), current);
      archive.put(current);
      await untilRequested(db);
      clock.set(after(20 * i));
      await engine.tick();
    }
    expect(platform.edits).toHaveLength(0);
    clock.set(after(60 + 61));
    await engine.tick();
    expect(await column(db, "SELECT revision FROM revisions")).toEqual([1]);
    expect(channel(platform)).toEqual(expectedPlan(current));
    expect(platform.edits.length).toBeGreaterThanOrEqual(1);
  });

  it("added stories send the extra parts after the last message (idempotency key per revision part); removed ones delete the surplus", async () => {
    const { archive, clock, db, engine, platform } = await setup();
    const before = expectedPlan(digestOn(DAY));
    const longer = revised((d) => {
      for (const s of d.sections) s.stories.push(...structuredClone(s.stories).map((st, i) => ({ ...st, id: `${st.id}x${i}`, title: `${st.title} (follow-up)` })));
    });
    const grown = expectedPlan(longer);
    expect(grown.length).toBeGreaterThan(before.length);
    archive.put(longer);
    await untilRequested(db);
    clock.set(after(61));
    await engine.tick();
    expect(platform.received).toHaveLength(grown.length);
    const extraKeys = platform.received.slice(before.length).map((s) => s.key);
    expect(new Set(extraKeys).size).toBe(grown.length - before.length);
    expect(channel(platform)).toEqual(grown);

    const shorter = revised((d) => d.sections.splice(1));
    const shrunk = expectedPlan(shorter);
    expect(shrunk.length).toBeLessThan(grown.length);
    archive.put(shorter);
    await untilRequested(db);
    clock.set(after(200));
    await engine.tick();
    expect(platform.deletes).toHaveLength(grown.length - shrunk.length);
    expect(channel(platform)).toEqual(shrunk);
    expect(await column(db, "SELECT revision FROM revisions ORDER BY revision")).toEqual([1, 2]);
  });

  it("a message that can no longer be edited is recorded with the reason and the other parts are still corrected", async () => {
    const { archive, clock, db, engine, platform } = await setup();
    const everywhere = revised((d) => {
      for (const s of d.sections) s.title += "（更正）";
    });
    const plan = expectedPlan(everywhere);
    const before = expectedPlan(digestOn(DAY));
    const edits = plan.filter((t, i) => t !== before[i]).length;
    expect(edits).toBeGreaterThanOrEqual(2);
    platform.editScript = ["gone"];
    archive.put(everywhere);
    await untilRequested(db);
    clock.set(after(61));
    await engine.tick();
    expect(platform.edits).toHaveLength(edits - 1);
    const status = (await engine.status()).targets[0]!;
    expect(status.enabled).toBe(true);
    expect(status.lastRevision?.failed).toEqual([{ part: 1, operation: "edit", messageId: "m1", reason: "message m1 was deleted" }]);
  });

  it("kill -9 in the middle of an edit: the restarted engine makes the edit, nothing is lost or sent twice", async () => {
    const { archive, clock, db, engine, platform } = await setup();
    const everywhere = revised((d) => {
      for (const s of d.sections) s.title += " [rev]";
    });
    const plan = expectedPlan(everywhere);
    platform.editScript = ["ok", "hang"];
    archive.put(everywhere);
    await untilRequested(db);
    clock.set(after(61));
    void engine.tick();
    for (let waited = 0; (await column(db, "SELECT status FROM revision_parts WHERE status = 'in-flight'")).length === 0; waited += 5) {
      if (waited > 5000) throw new Error("no edit in flight");
      await new Promise((r) => setTimeout(r, 5));
    }
    await db.close(); // The process dies mid-edit.

    const db2 = await h.open();
    const second = new EditingPublisher("telegram", { shown: platform.shown });
    const engine2 = await h.engine({ db: db2, archive, clock, lease: { ms: 1 } });
    engine2.registerPublisher(second);
    clock.set(after(300));
    await engine2.tick();
    expect(channel(second)).toEqual(plan);
    expect(second.received).toHaveLength(0);
    expect(await column(db2, "SELECT count(*) FROM revisions")).toEqual([backend === "sqlite" ? 1 : "1"]);
    await engine2.stop();
  });

  it("edits are paced per target: past the per-minute budget the next edit waits, and a stop ends the wait leaving it pending", async () => {
    const log = recordingLogger();
    const { archive, clock, db, engine, platform } = await setup({}, log.logger);
    platform.editsPerMinute = 2;
    const everywhere = revised((d) => {
      for (const s of d.sections) s.title += " [paced]";
    });
    archive.put(everywhere);
    await untilRequested(db);
    clock.set(after(61));
    const ticking = engine.tick();
    for (let waited = 0; !log.messages().includes("edit budget used up; waiting"); waited += 5) {
      if (waited > 5000) throw new Error("the pacer never waited");
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(platform.edits).toHaveLength(2);
    const wait = log.lines.find((l) => l.msg === "edit budget used up; waiting")!;
    expect(wait).toMatchObject({ limit: 2, target: "-1001" });
    expect(Number(wait.waitMs)).toBeGreaterThan(50_000);
    await engine.stop();
    await ticking;
    expect(platform.edits).toHaveLength(2);
    expect((await column(db, "SELECT status FROM revision_parts WHERE status = 'pending'")).length).toBeGreaterThan(0);
  });

  it("EDIT_ON_REVISION=false leaves delivered posts as they were sent", async () => {
    const { archive, clock, db, engine, platform } = await setup({ EDIT_ON_REVISION: "false" });
    archive.put(revised((d) => (d.sections[0]!.title += "!")));
    await new Promise((r) => setTimeout(r, 50));
    clock.set(after(61));
    await engine.tick();
    expect(platform.edits).toEqual([]);
    expect(await column(db, "SELECT count(*) FROM revision_requests")).toEqual([backend === "sqlite" ? 0 : "0"]);
  });

  it("/repost stays a new run: after a revision it posts the corrected digest as new messages", async () => {
    const { archive, clock, db, engine, platform } = await setup();
    const fixed = revised((d) => (d.sections[0]!.stories[0]!.title += " (fixed)"));
    archive.put(fixed);
    await untilRequested(db);
    clock.set(after(61));
    await engine.tick();
    const sentBefore = platform.received.length;
    const result = await engine.repost({ to: { platform: "telegram", id: "-1001" } });
    expect(result.messagesSent).toBe(expectedPlan(fixed).length);
    expect(platform.received.slice(sentBefore).map((s) => s.text)).toEqual(expectedPlan(fixed));
  });
  it("a post of sections a revision removed loses those messages and gets its header corrected, once; later revisions do not look for them again", async () => {
    const { logger, lines } = recordingLogger();
    const { archive, clock, db, engine, platform } = await setup({}, logger);
    const repost = await engine.repost({ sectionIndex: 6, to: { platform: "telegram", id: "-2002" } });
    expect(repost.messagesSent).toBeGreaterThan(0);
    const repostIds = new Set([...platform.shown.keys()].slice(-repost.messagesSent));
    const ids = () => [...platform.shown.keys()].filter((id) => repostIds.has(id));
    const shorter = revised((d) => void d.sections.pop());
    archive.put(shorter);
    await untilRequested(db);
    clock.set(after(61));
    await engine.tick();
    // The header (the whole digest, one section fewer) is all the post shows now; the section's messages are gone.
    const header = new ScriptedPublisher("telegram").planDailyPost({ ...buildDailyPost(shorter), sections: [] });
    expect(ids().map((id) => platform.shown.get(id))).toEqual(header);
    expect(platform.deletes.filter((id) => repostIds.has(id))).toHaveLength(repost.messagesSent - header.length);
    expect(lines.filter((l) => l.target === "-2002" && Number(l.level) >= 40).map((l) => l.msg)).toEqual([]);
    // Another revision of the digest leaves that post alone (nothing of it changed) and logs nothing about it.
    const repostEdits = () => platform.edits.filter((e) => repostIds.has(e.id)).length;
    const [edits, editsOfRepost] = [platform.edits.length, repostEdits()];
    archive.put(revised((d) => (d.sections[0]!.stories[0]!.title += " (fixed)"), shorter));
    await untilRequested(db);
    clock.set(after(200));
    await engine.tick();
    expect(platform.edits.length).toBe(edits + 1); // The daily post's message showing that story.
    expect(repostEdits()).toBe(editsOfRepost);
    expect(lines.filter((l) => l.target === "-2002" && Number(l.level) >= 40).map((l) => l.msg)).toEqual([]);
    expect((await column(db, "SELECT count(*) FROM revision_requests")).map(Number)).toEqual([0]);
  });
  it("a correction waiting behind an open one in a group that is then upgraded to a supergroup: neither chat is corrected", async () => {
    h = harness({ POST_CRON: "0 9 * * *", TELEGRAM_CHAT_IDS: "-1001" }, backend);
    const archive = new RevisableArchive([digestOn(DAY)]);
    const clock = new FakeClock(new Date("2026-02-17T12:00:00Z"));
    const db = await h.open();
    await db.subscriptions.upsert("telegram", "-4242", undefined, "2026-02-17T12:00:00Z");
    const engine = await h.engine({ db, archive, clock });
    const platform = new EditingPublisher("telegram");
    engine.registerPublisher(platform);
    await engine.start();
    clock.set(SLOT);
    await engine.tick();
    // A first correction stays open in the group (its edits keep failing for now); a second one waits behind it.
    platform.failEditsAt.add("-4242");
    archive.put(revised((d) => (d.sections[2]!.stories[0]!.title += " (fixed)")));
    await untilRequested(db);
    clock.set(after(61));
    await engine.tick();
    archive.put(revised((d) => (d.sections[2]!.stories[0]!.title += " (fixed again)")));
    await untilRequested(db);
    clock.set(after(130));
    await engine.tick();
    expect(await db.revisions.hasOpenRevision({ runId: (await db.ledger.lastRun("telegram", "-4242"))!.runId, platform: "telegram", targetId: "-4242" })).toBe(true);
    // The group is upgraded: its messages are in the old chat, which refuses every edit from now on.
    expect(await db.subscriptions.move("telegram", "-4242", "-1009990001", after(140), "the group was upgraded to supergroup -1009990001")).toBe(true);
    const tried = platform.editsTriedAt.length;
    clock.set(after(200));
    await engine.tick();
    await engine.tick();
    expect(platform.editsTriedAt.slice(tried)).toEqual([]);
    expect((await column(db, "SELECT count(*) FROM revision_requests")).map(Number)).toEqual([0]);
  });

  it("while a post of the digest stays unsent, ticks do not read the digest's delivered posts again; the post is corrected once it is sent", async () => {
    const { archive, clock, db, engine, platform } = await setup();
    platform.scriptFor.set("-2002", Array.from({ length: 1000 }, () => ({ status: 500 as const })));
    expect((await engine.repost({ to: { platform: "telegram", id: "-2002" } })).pending).toHaveLength(1);
    const fixed = revised((d) => (d.sections[2]!.stories[0]!.title += " (fixed)"));
    archive.put(fixed);
    await untilRequested(db);
    const deliveredRuns = db.revisions.deliveredRuns.bind(db.revisions);
    let reads = 0;
    db.revisions.deliveredRuns = async (date) => {
      reads++;
      return deliveredRuns(date);
    };
    clock.set(after(61));
    await engine.tick();
    expect(reads).toBe(1);
    expect(channelOf(platform, "-1001")).toEqual(expectedPlan(fixed));
    for (let i = 2; i <= 6; i++) {
      clock.set(after(60 * i));
      await engine.tick();
    }
    expect(reads).toBe(1);
    // The platform takes it again: the post goes out (planned before the change), then it is corrected, with one read.
    platform.scriptFor.delete("-2002");
    clock.set(after(60 * 7));
    await engine.tick();
    await engine.tick();
    expect(channelOf(platform, "-2002")).toEqual(expectedPlan(fixed));
    expect(reads).toBe(2);
    expect((await column(db, "SELECT count(*) FROM revision_requests")).map(Number)).toEqual([0]);
  });
});
