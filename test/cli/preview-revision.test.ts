// `digest-bot preview --revision`: a changed digest against what the ledger says was delivered, read-only.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runPreview } from "../../src/cli/preview.js";
import { parseConfig, type Config } from "../../src/core/config.js";
import { openStorage } from "../../src/core/storage/open-storage.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { planDiscordDailyPost } from "../../src/discord/discord-daily-post.js";
import { planTelegramDailyPost } from "../../src/telegram/telegram-daily.js";
import { column } from "../core/delivery/helpers.js";
import { digestAsTheBotSees, REVISION_DATE, revisionDigest } from "../core/delivery/revision-fixture.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { testBackends } from "../core/storage/backends.js";

let dir: string;
let config: Config;
let state: Awaited<ReturnType<typeof backendEnv>>;
const now = "2026-03-02T02:00:00Z";
/** The post of the digest file now, with the story ids the bot assigned (recorded in DATA_DIR). */
const post = async (write = false) => buildDailyPost(await digestAsTheBotSees(join(dir, "digests"), config.DATA_DIR, write));

/** The state the command reads: DATABASE_URL's schema on PostgreSQL, DATA_DIR's file on SQLite. */
const openState = () => openStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL });

function io() {
  let out = "";
  let err = "";
  return {
    io: { config, logger: pino({ level: "silent" }), stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t), now: new Date(now) },
    out: () => out,
    err: () => err,
  };
}

describe.each(testBackends())("digest-bot preview --revision, state on %s", (backend) => {
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "digest-bot-preview-rev-"));
    mkdirSync(join(dir, "digests"));
    state = await backendEnv(backend);
    config = parseConfig({ DATA_DIR: join(dir, "state"), DIGEST_DIR: join(dir, "digests"), BOT_LOCALE: "en", ...state.env });
    // What was delivered this morning: the first version, to one Telegram chat and one Discord channel.
    writeFileSync(join(dir, "digests", `${REVISION_DATE}.md`), revisionDigest());
    const first = await post(true);
    const storage = await openState();
    const delivered: [string, "telegram" | "discord", unknown[]][] = [
      ["m20260302-tg", "telegram", planTelegramDailyPost(first, { locale: "en", botUsername: "DigestBot" })],
      ["m20260302-dc", "discord", planDiscordDailyPost(first, "en")],
    ];
    let id = 100;
    for (const [runId, platform, payloads] of delivered) {
      const targetId = platform === "telegram" ? "-1001" : "123456789";
      await storage.ledger.planRun({ runId, kind: "manual", platform, targetId, digestDate: REVISION_DATE, sections: "all", payloads, now });
      for (let i = 0; i < payloads.length; i++) await storage.ledger.markSent({ runId, platform, targetId, partIndex: i }, String(id++), now);
    }
    await storage.close();
  });
  afterEach(async () => {
    await state.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows, per delivered post, which message would be edited (with sizes) and that the others stay, and records nothing", async () => {
    writeFileSync(join(dir, "digests", `${REVISION_DATE}.md`), revisionDigest({ fixTypo: true }));
    const r = io();
    expect(await runPreview(["--revision", "--date", REVISION_DATE, "--bot-username", "DigestBot"], r.io)).toBe(0);
    const out = r.out();
    expect(out).toContain(`──── telegram:-1001 · manual run m20260302-tg · ${REVISION_DATE} ────`);
    // Story 3.2 (the typo) is in the first message on both platforms.
    expect(out).toMatch(/ {2}message 1 \(message 100\): edit in place: [0-9a-f]{16} → [0-9a-f]{16}, \d+\/4096 chars as shown\n {2}message 2 \(message 101\): unchanged\n/);
    expect(out).toContain(`──── discord:123456789 · manual run m20260302-dc · ${REVISION_DATE} ────`);
    expect(out).toMatch(/ {2}message 1 \(message 102\): edit in place: [0-9a-f]{16} → [0-9a-f]{16}, \d+ embeds, \d+\/6000 embed chars\n {2}message 2 \(message 103\): unchanged\n/);
    expect(out.match(/→ 1 to edit, 0 to send, 0 to delete, 1 unchanged/g)).toHaveLength(2);
    const storage = await openState();
    expect((await column(storage, "SELECT count(*) FROM revisions")).map(Number)).toEqual([0]);
    await storage.close();
  });

  it("--target narrows to one post; --json gives the operations with their payloads; more stories mean a send", async () => {
    writeFileSync(join(dir, "digests", `${REVISION_DATE}.md`), revisionDigest({ addStories: 25 }));
    const r = io();
    expect(await runPreview(["--revision", "--target", "discord:123456789", "--json"], r.io)).toBe(0);
    const previews = JSON.parse(r.out()) as { target: string; operations: { part: number; operation: string; payload?: unknown }[] }[];
    expect(previews.map((p) => p.target)).toEqual(["discord:123456789"]);
    const ops = previews[0]!.operations;
    expect(ops.map((o) => o.operation)).toEqual(["edit", "edit", "send"]);
    expect(ops[2]!.payload).toEqual(planDiscordDailyPost(await post(), "en")[2]);
  });

  it("--json shows the request bodies Discord would get: no internal placement marker, also for a thread-mode run", async () => {
    const storage = await openState();
    const payloads = planDiscordDailyPost(await post(), "en", { mode: "thread" });
    await storage.ledger.planRun({ runId: "m20260302-th", kind: "manual", platform: "discord", targetId: "223456789", digestDate: REVISION_DATE, sections: "all", payloads, now, options: { mode: "thread" } });
    for (let i = 0; i < payloads.length; i++) await storage.ledger.markSent({ runId: "m20260302-th", platform: "discord", targetId: "223456789", partIndex: i }, String(200 + i), now);
    await storage.close();
    writeFileSync(join(dir, "digests", `${REVISION_DATE}.md`), revisionDigest({ addStories: 25 }));
    const r = io();
    expect(await runPreview(["--revision", "--target", "discord:223456789", "--json"], r.io)).toBe(0);
    const ops = (JSON.parse(r.out()) as { operations: { operation: string; payload?: object }[] }[])[0]!.operations;
    expect(ops.filter((o) => o.payload).length).toBeGreaterThan(0);
    for (const o of ops.filter((op) => op.payload)) expect(o.payload).not.toHaveProperty("digest_placement");
    const plain = io();
    expect(await runPreview(["--json", "--platform", "discord"], plain.io)).toBe(0);
    expect(plain.out()).not.toContain("digest_placement");
  });

  it("a day skipped for no keyword match that this version matches is shown as sent; outside the deadline it is not", async () => {
    const storage = await openState();
    await storage.subscriptions.upsert("telegram", "-1002", undefined, now);
    await storage.subscriptions.setOptions("telegram", "-1002", { keywords: ["late"] }, now);
    const note = `no story matches the keywords "late" in the ${REVISION_DATE} digest; nothing was sent`;
    await storage.ledger.skipSlot({ runId: "s20260302-kw", platform: "telegram", targetId: "-1002", slot: "2026-03-02T01:00:00.000Z", digestDate: REVISION_DATE, note, now, options: { keywords: ["late"] } });
    await storage.close();
    writeFileSync(join(dir, "digests", `${REVISION_DATE}.md`), revisionDigest({ addStories: 2 }));
    const r = io();
    expect(await runPreview(["--revision", "--target", "telegram:-1002", "--bot-username", "DigestBot"], r.io)).toBe(0);
    expect(r.out()).toMatch(
      new RegExp(`^──── telegram:-1002 · day skipped for no keyword match, run s20260302-kw · ${REVISION_DATE} ────\n {2}message 1: send \\(a story matches its keywords now\\): [0-9a-f]{16}, \\d+/4096 chars as shown\n {2}→ the day's post is sent: 1 message\n`),
    );
    const json = io();
    expect(await runPreview(["--revision", "--target", "telegram:-1002", "--json"], json.io)).toBe(0);
    const [preview] = JSON.parse(json.out()) as { skippedDay?: boolean; operations: { payload: { text: string } }[] }[];
    expect(preview!.skippedDay).toBe(true);
    expect(preview!.operations[0]!.payload.text).toContain("Story 1.6 title (late)");
    const late = io();
    late.io.now = new Date("2026-03-02T13:00:01Z"); // 12 h and a second after the slot.
    expect(await runPreview(["--revision", "--target", "telegram:-1002"], late.io)).toBe(0);
    expect(late.out()).toBe(`No post of ${REVISION_DATE} has been delivered (per the ledger); nothing to correct.\n`);
    const storage2 = await openState();
    expect(await column(storage2, "SELECT outcome FROM runs WHERE run_id = 's20260302-kw'")).toEqual(["skipped"]);
    await storage2.close();
  });

  it("an unchanged digest says every message already shows it", async () => {
    writeFileSync(join(dir, "digests", `${REVISION_DATE}.md`), revisionDigest());
    const r = io();
    expect(await runPreview(["--revision", "--bot-username", "DigestBot"], r.io)).toBe(0);
    expect(r.out().match(/unchanged: every message already shows this version/g)).toHaveLength(2);
  });
});
