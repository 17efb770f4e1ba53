// Personal alerts the way users break them: a story removed before its alert went out, /unwatch with alerts waiting, a blocked user coming back, a query typed in another case or width.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { ALERTS_PER_USER_PER_DIGEST } from "../../../src/core/delivery/alert-caps.js";
import { RecipientUnreachable, type AlertPublisher, type WatchAlert } from "../../../src/core/delivery/alert-publisher.js";
import { PublishError } from "../../../src/core/delivery/publisher.js";
import { STORY_GONE } from "../../../src/core/delivery/watch-alerts.js";
import { STATE_DB_FILE } from "../../../src/core/storage/open-storage.js";
import type { StorageDialect } from "../../../src/core/storage/types.js";
import { SAMPLE_DIR, startHarness, type Harness } from "../../commands/app-harness.js";
import { testBackends } from "../storage/backends.js";

const FILE = "2026-02-18.md";
// The console's user and platform: the same engine code as Discord and Telegram, without their pacing (tested elsewhere).
const USER = { platform: "console" as const, id: "local" };
const AS_USER = { locale: "en" as const };

let h: Harness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** An alert publisher that records what reaches the user (sends, and edits of sent alerts); `mode` says how the next sends end. */
function recordingDm() {
  const sent: { user: string; title: string; more?: WatchAlert["more"] }[] = [];
  const edits: { user: string; messageId: string; title: string; more?: WatchAlert["more"] }[] = [];
  const dm = {
    mode: "ok" as "ok" | "rate-limited" | "blocked" | "token-rejected",
    editMode: "ok" as "ok" | "rate-limited" | "deleted",
    sent,
    edits,
    /** What the user's chat shows now: each sent message with its latest edit. */
    chat: () => sent.map((s, i) => edits.findLast((e) => e.messageId === String(i + 1)) ?? s),
    publisher: {
      editDirect(userId: string, messageId: string, payload: { title: string; more?: WatchAlert["more"] }) {
        if (dm.editMode === "rate-limited") return Promise.reject(new PublishError("rate-limited", "429 Too Many Requests: retry after 1", 1));
        if (dm.editMode === "deleted") return Promise.reject(new PublishError("permanent", "the message was deleted"));
        edits.push({ user: userId, messageId, ...payload });
        return Promise.resolve();
      },
      platform: "console",
      planAlert: ({ story, more }) => (more ? { title: story.title, more } : { title: story.title }),
      sendDirect(userId: string, payload: { title: string; more?: WatchAlert["more"] }) {
        if (dm.mode === "rate-limited") return Promise.reject(new PublishError("rate-limited", "429 Too Many Requests: retry after 1", 1));
        if (dm.mode === "blocked") return Promise.reject(new RecipientUnreachable("the user blocked the bot"));
        if (dm.mode === "token-rejected") return Promise.reject(new PublishError("permanent", "401 Unauthorized; the bot token was rejected"));
        sent.push({ user: userId, ...payload });
        return Promise.resolve({ messageId: String(sent.length) });
      },
    } satisfies AlertPublisher<{ title: string; more?: WatchAlert["more"] }>,
  };
  return dm;
}

async function start(backend: StorageDialect, dataDir?: string) {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), "digest-bot-watch-qa-"));
    copyFileSync(join(SAMPLE_DIR, FILE), join(dir, FILE));
  }
  h = await startHarness({ locale: "en", digestDir: dir, backend, ...(dataDir ? { dataDir } : {}) });
  const dm = recordingDm();
  h.app.delivery.registerAlertPublisher(dm.publisher);
  await h.app.start();
  return { h, dm, dir };
}

/** Today's digest with `count` more stories matching "quokka" (and nothing else of the sample), at its top. */
function withQuokkas(dir: string, count: number): void {
  const lines = readFileSync(join(SAMPLE_DIR, FILE), "utf8").split("\n");
  const stories = Array.from({ length: count }, (_, i) => `##### **Quokka report ${i + 1}**  \nA quokka was seen, number ${i + 1}.  \n`);
  writeFileSync(join(dir, FILE), [lines[0], ...stories, ...lines.slice(1)].join("\n"));
}

const SONNET_LAUNCH = /^Anthropic 推出 Claude Sonnet 4\.6/;
const SONNET_TOOLS = /^Sonnet 4\.6 快速铺货/;

describe.each(testBackends())("personal alerts, the way the world breaks them, state on %s", (backend) => {
  it("a story removed by a revision before its alert went out is not sent; the story that stayed is", async () => {
    const { h, dm, dir } = await start(backend);
    dm.mode = "rate-limited";
    await h.app.delivery.watches.add(USER, "sonnet", "en");
    await h.app.delivery.tick();
    expect(dm.sent).toHaveLength(0);
    // The editor takes the launch story back out of today's digest while its alert waits out the rate limit.
    const lines = readFileSync(join(dir, FILE), "utf8").split("\n");
    writeFileSync(join(dir, FILE), [lines[0], ...lines.slice(5)].join("\n"));
    await h.app.archive.reload();
    dm.mode = "ok";
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    expect(dm.sent.map((s) => s.title)).toEqual([expect.stringMatching(SONNET_TOOLS)]);
    const alerts = await h.app.storage.watches.alerts("console", "local");
    expect(alerts.map((a) => [a.status, a.lastError ?? null])).toEqual(expect.arrayContaining([["skipped", STORY_GONE], ["sent", null]]));
  });

  it("/unwatch gives up that watch's waiting alerts, unless another watch of the user matches the story", async () => {
    const { h, dm } = await start(backend);
    dm.mode = "rate-limited";
    expect((await h.ask("/watch sonnet", AS_USER)).text).toContain("(1/10)");
    expect((await h.ask("/watch cursor", AS_USER)).text).toContain("(2/10)");
    await h.app.delivery.tick();
    expect(dm.sent).toHaveLength(0);
    expect((await h.ask("/unwatch sonnet", AS_USER)).text).toBe("Stopped watching “sonnet”.");
    dm.mode = "ok";
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    // The launch story matched only "sonnet": never sent. The tools story also matches "cursor": it still comes.
    expect(dm.sent.map((s) => s.title)).toEqual([expect.stringMatching(SONNET_TOOLS)]);
  });

  it("a user disabled for blocking the bot who sends /watch again gets today's matches they missed, once", async () => {
    const { h, dm } = await start(backend);
    dm.mode = "blocked";
    await h.ask("/watch sonnet", AS_USER);
    await h.app.delivery.tick();
    expect((await h.ask("/watch", AS_USER)).text).toContain("1. sonnet (disabled: the user blocked the bot)");
    dm.mode = "ok";
    expect((await h.ask("/watch cursor", AS_USER)).text).toContain("(2/10)");
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    const titles = dm.sent.map((s) => s.title);
    expect(titles).toEqual(expect.arrayContaining([expect.stringMatching(SONNET_LAUNCH), expect.stringMatching(SONNET_TOOLS)]));
    expect(new Set(titles).size).toBe(titles.length);
    const count = titles.length;
    await h.app.delivery.tick();
    expect(dm.sent).toHaveLength(count);
  });

  it("a permanent failure that is not the user's (a rejected token) leaves their watches on; the alert comes once the bot is fixed", async () => {
    const { h, dm } = await start(backend);
    dm.mode = "token-rejected";
    await h.ask("/watch sonnet", AS_USER);
    await h.app.delivery.tick();
    expect(dm.sent).toHaveLength(0);
    expect((await h.ask("/watch", AS_USER)).text).toBe("Your watches (1/10); matching new stories come to you in a private message:\n1. sonnet");
    // The operator fixes the token; the next match of the digest (a start, a revision, here a /watch) plans it again.
    dm.mode = "ok";
    await h.app.archive.reload();
    await h.ask("/watch cursor", AS_USER);
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    expect(dm.sent.map((s) => s.title)).toEqual(expect.arrayContaining([expect.stringMatching(SONNET_LAUNCH), expect.stringMatching(SONNET_TOOLS)]));
  });

  it("tomorrow's digest, saved early, alerts nobody before its day begins (POST_TIMEZONE); then it does", async () => {
    const { h, dm, dir } = await start(backend);
    await h.ask("/watch sonnet", AS_USER);
    await h.app.delivery.tick();
    expect(dm.sent).toHaveLength(2);
    // 2026-02-18 10:00 in Shanghai: the editor saves tomorrow's draft.
    writeFileSync(join(dir, "2026-02-19.md"), readFileSync(join(dir, FILE), "utf8"));
    await h.app.archive.reload();
    expect(h.app.archive.dates()).toContain("2026-02-19");
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    expect(dm.sent).toHaveLength(2);
    h.setNow(new Date("2026-02-18T16:00:30Z")); // 00:00:30 on the 19th in Shanghai
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    expect(dm.sent).toHaveLength(4);
    expect((await h.app.storage.watches.alerts("console", "local")).filter((a) => a.digestDate === "2026-02-19")).toHaveLength(2);
  });

  it("one digest brings a user at most ALERTS_PER_USER_PER_DIGEST messages, however many watches match; one says how many more", async () => {
    const { h, dm } = await start(backend);
    const queries = ["agent", "sonnet", "开源", "安全"];
    // Four watches in place when the digest is matched (as at a start after they were added).
    for (const q of queries) await h.app.storage.watches.add({ platform: "console", userId: "local", query: q, locale: "en" }, 10, "2026-02-18T01:00:00Z");
    expect(await h.app.delivery.watches.add(USER, "agent", "en")).toBe("exists"); // Matches the current digest again.
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    // What the watches match, each story once: more than the cap.
    const matching = new Set(queries.flatMap((q) => h.app.search.search(q, { date: "2026-02-18", requireAll: true, limit: 10 }).map((hit) => hit.id)));
    expect(matching.size).toBeGreaterThan(ALERTS_PER_USER_PER_DIGEST + 1);
    expect(ALERTS_PER_USER_PER_DIGEST).toBe(5);
    expect(dm.sent).toHaveLength(5);
    expect(new Set(dm.sent.map((s) => s.title)).size).toBe(5);
    expect(dm.sent.filter((s) => s.more).map((s) => s.more)).toEqual([{ count: matching.size - 5, date: "2026-02-18", cap: 5 }]);
    // A revision, a restart's re-match or another /watch brings no sixth message from this digest.
    await h.ask("/watch cursor", AS_USER);
    await h.app.archive.reload();
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    expect(dm.sent).toHaveLength(5);
  });

  it("an alert still waiting when a revision changes its story goes out with the story as it is now", async () => {
    const { h, dm, dir } = await start(backend);
    dm.mode = "rate-limited";
    await h.app.delivery.watches.add(USER, "sonnet", "en");
    await h.app.delivery.tick();
    expect(dm.sent).toHaveLength(0);
    const text = readFileSync(join(dir, FILE), "utf8");
    expect(text).toContain("Sonnet 4.6 快速铺货");
    writeFileSync(join(dir, FILE), text.replace("Sonnet 4.6 快速铺货", "Sonnet 4.6 全面铺货（更正）"));
    await h.app.archive.reload();
    dm.mode = "ok";
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    expect(dm.sent.map((s) => s.title)).toEqual(expect.arrayContaining([expect.stringMatching(/^Sonnet 4\.6 全面铺货（更正）/), expect.stringMatching(SONNET_LAUNCH)]));
    expect(dm.sent.map((s) => s.title)).not.toContainEqual(expect.stringMatching(SONNET_TOOLS));
  });

  it("an alert still waiting whose story a revision changed so that its watch no longer matches goes out with the story as it is now", async () => {
    const { h, dm, dir } = await start(backend);
    dm.mode = "rate-limited";
    await h.app.delivery.watches.add(USER, "cursor", "en");
    await h.app.delivery.tick();
    expect(dm.sent).toHaveLength(0);
    // Every "Cursor" goes: the watch matches nothing now, the story stays in the digest.
    writeFileSync(join(dir, FILE), readFileSync(join(dir, FILE), "utf8").replaceAll("Cursor", "Zed").replace("Sonnet 4.6 快速铺货", "Sonnet 4.6 铺货（更正）"));
    await h.app.archive.reload();
    await h.app.search.settled(); // The index takes the revision in the background (was flaky under load).
    expect(h.app.search.search("cursor", { date: "2026-02-18", requireAll: true, limit: 10 })).toEqual([]);
    dm.mode = "ok";
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    expect(dm.sent.map((s) => s.title)).toEqual([expect.stringMatching(/^Sonnet 4\.6 铺货（更正）：Zed、Perplexity/)]);
  });

  it("a query in another case or width is the same watch, and /unwatch finds it", async () => {
    const { h } = await start(backend);
    expect((await h.ask("/watch Sonnet", AS_USER)).text).toContain("Watching “Sonnet”");
    expect((await h.ask("/watch sonnet", AS_USER)).text).toBe("You already watch “sonnet” (1/10).");
    expect((await h.ask("/watch ＳＯＮＮＥＴ", AS_USER)).text).toBe("You already watch “ＳＯＮＮＥＴ” (1/10).");
    expect((await h.ask("/unwatch SONNET", AS_USER)).text).toBe("Stopped watching “Sonnet”.");
    expect((await h.ask("/watch", AS_USER)).text).toContain("You do not watch anything yet.");
  });

  it("when the cap's alerts were sent and a revision brings more matches, the last of them is edited to say how many more (no sixth message)", async () => {
    const { h, dm, dir } = await start(backend);
    withQuokkas(dir, 5);
    await h.app.archive.reload();
    await h.app.delivery.watches.add(USER, "quokka", "en");
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    expect(dm.sent).toHaveLength(5);
    expect(dm.sent.filter((s) => s.more)).toEqual([]);
    // The editor adds two more quokka stories: the user already has the 5 alerts this digest may bring.
    withQuokkas(dir, 7);
    await h.app.archive.reload();
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    expect(dm.sent).toHaveLength(5);
    expect(dm.edits.map((e) => [e.messageId, e.more])).toEqual([["5", { count: 2, date: "2026-02-18", cap: 5 }]]);
    // Two more again: the same message, now telling 4; a re-match with nothing new edits nothing.
    withQuokkas(dir, 9);
    await h.app.archive.reload();
    await h.app.delivery.tick();
    expect(await h.app.delivery.watches.add(USER, "quokka", "en")).toBe("exists");
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    expect(dm.sent).toHaveLength(5);
    expect(dm.edits.map((e) => [e.messageId, e.more?.count])).toEqual([["5", 2], ["5", 4]]);
    expect(dm.chat().map((m) => m.more?.count ?? 0)).toEqual([0, 0, 0, 0, 4]);
  });

  it("the message that says how many more matched is the one edited when a revision changes the count, and a rate-limited edit is retried", async () => {
    const { h, dm, dir } = await start(backend);
    withQuokkas(dir, 7);
    await h.app.archive.reload();
    await h.app.delivery.watches.add(USER, "quokka", "en");
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    expect(dm.sent).toHaveLength(5);
    const teller = dm.sent.findIndex((s) => s.more);
    expect(dm.sent[teller]?.more).toEqual({ count: 2, date: "2026-02-18", cap: 5 });
    dm.editMode = "rate-limited";
    withQuokkas(dir, 8);
    await h.app.archive.reload();
    await h.app.delivery.tick();
    expect(dm.edits).toEqual([]);
    dm.editMode = "ok";
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    expect(dm.edits.map((e) => [e.messageId, e.more?.count])).toEqual([[String(teller + 1), 3]]);
    expect(dm.chat().filter((m) => m.more).map((m) => m.more?.count)).toEqual([3]);
    expect(dm.sent).toHaveLength(5);
  });

  it("a count whose message was deleted is given up with a warning, not tried at every tick", async () => {
    const { h, dm, dir } = await start(backend);
    withQuokkas(dir, 5);
    await h.app.archive.reload();
    await h.app.delivery.watches.add(USER, "quokka", "en");
    await h.app.delivery.tick();
    dm.editMode = "deleted";
    withQuokkas(dir, 6);
    await h.app.archive.reload();
    await h.app.delivery.tick();
    await h.app.delivery.tick();
    dm.editMode = "ok";
    await h.app.delivery.tick();
    expect(dm.edits).toEqual([]);
    expect(h.logs.filter((l) => l.msg === "a personal alert could not be edited to tell how many more stories matched; it is left as sent").map((l) => l.reason)).toEqual([
      "the message was deleted",
    ]);
  });
});

describe("personal alerts' 'and N more' across a restart", () => {
  it("alerts sent before counts were recorded are never edited: which one told the count is unknown, and telling it on another would make two", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "digest-bot-watch-upgrade-"));
    try {
      const first = await start("sqlite", dataDir);
      withQuokkas(first.dir, 7);
      await first.h.app.archive.reload();
      await first.h.app.delivery.watches.add(USER, "quokka", "en");
      await first.h.app.delivery.tick();
      expect(first.dm.sent.filter((s) => s.more).map((s) => s.more?.count)).toEqual([2]);
      await first.h.close();
      // The state as the "alert counts" migration (schema version 12) left alerts sent before it: 0, whatever they told.
      const file = new Database(join(dataDir, STATE_DB_FILE));
      file.exec("UPDATE watch_alerts SET more_count = 0");
      // Less what the later "moved runs" migration added, which it adds again.
      file.exec("DROP INDEX runs_moved_from; ALTER TABLE runs DROP COLUMN moved_from");
      file.pragma("user_version = 12");
      file.close();
      const again = await start("sqlite", dataDir);
      withQuokkas(again.dir, 9);
      await again.h.app.archive.reload();
      await again.h.app.delivery.tick();
      await again.h.app.delivery.tick();
      expect([again.dm.sent.length, again.dm.edits.length]).toEqual([0, 0]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });


  it("is told once: a restart on the same state neither edits the alert again nor sends a sixth", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "digest-bot-watch-restart-"));
    try {
      const first = await start("sqlite", dataDir);
      withQuokkas(first.dir, 5);
      await first.h.app.archive.reload();
      await first.h.app.delivery.watches.add(USER, "quokka", "en");
      await first.h.app.delivery.tick();
      withQuokkas(first.dir, 6);
      await first.h.app.archive.reload();
      await first.h.app.delivery.tick();
      await first.h.app.delivery.tick();
      expect([first.dm.sent.length, first.dm.edits.map((e) => e.more?.count)]).toEqual([5, [1]]);
      await first.h.close();
      const again = await start("sqlite", dataDir);
      await again.h.app.delivery.tick();
      await again.h.app.delivery.tick();
      expect([again.dm.sent.length, again.dm.edits.length]).toEqual([0, 0]);
      const alerts = await again.h.app.storage.watches.alerts("console", "local");
      expect(alerts.map((a) => a.status)).toEqual(["sent", "sent", "sent", "sent", "sent"]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
