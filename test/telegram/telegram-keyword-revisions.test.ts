// End to end on the emulated Bot API: a keyword-filtered channel's day skipped for no match is sent once a revision adds a match, then corrected down to its header when the match goes.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filterPostByKeywords } from "../../src/core/delivery/keyword-filter.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { planTelegramDailyPost } from "../../src/telegram/telegram-daily.js";
import { REVISION_DATE, revisionDigest } from "../core/delivery/revision-fixture.js";
import { testBackends } from "../core/storage/backends.js";
import { CHANNEL, startFixture, stopFixture, type Fixture } from "./fixture.js";
import { checkTelegramHtml } from "./html-check.js";
import type { RecordedCall } from "./harness.js";

const KEYWORDS = ["late"];
const toChannel = (c: RecordedCall) => String(c.params.chat_id) === CHANNEL;

describe.each(testBackends())("Telegram: keyword filters and revisions, state on %s", (backend) => {
  let f: Fixture;
  let source: string;
  const file = () => join(f.dir, "digests", `${REVISION_DATE}.md`);
  const live = () => f.tg.liveMessages(CHANNEL).map((m) => m.text);
  /** The channel's post as the bot plans it now, with its keywords (`sections: []`: the header alone). */
  const planOf = (headerOnly = false) => {
    const digest = f.app.archive.get(REVISION_DATE)!;
    const post = filterPostByKeywords(buildDailyPost(digest), digest, KEYWORDS);
    return planTelegramDailyPost(headerOnly ? { ...post, sections: [] } : post, { locale: "en", botUsername: f.tg.botUsername }).map((m) => m.text);
  };
  /** Saves the digest, then waits until the channel has settled (the quiet period is 0) and ticks once more. */
  async function revise(markdown: string, settled: () => boolean): Promise<RecordedCall[]> {
    const mark = f.tg.calls().length;
    writeFileSync(file(), markdown);
    await f.app.archive.reload();
    for (const started = Date.now(); !settled(); ) {
      if (Date.now() - started > 10_000) throw new Error("the channel did not settle within 10 s");
      await f.app.delivery.tick();
      await new Promise((r) => setTimeout(r, 20));
    }
    await f.app.delivery.tick();
    return f.tg.calls().slice(mark).filter(toChannel);
  }

  beforeAll(async () => {
    source = mkdtempSync(join(tmpdir(), "digest-bot-tg-kw-"));
    writeFileSync(join(source, `${REVISION_DATE}.md`), revisionDigest());
    f = await startFixture(source, `${REVISION_DATE}T00:30:00Z`, { REVISION_QUIET_SECONDS: "0", DELIVERY_KEYWORDS: KEYWORDS.join(","), DELIVERY_PIN: "true" }, { backend });
    await f.app.start();
    f.clock.now = new Date(`${REVISION_DATE}T01:00:30Z`);
    await f.app.delivery.tick();
  });
  afterAll(async () => {
    await stopFixture(f);
    rmSync(source, { recursive: true, force: true });
  });

  it("sends nothing on the day no story matches", async () => {
    expect(f.tg.calls().filter(toChannel)).toEqual([]);
    expect((await f.app.delivery.status()).targets.find((t) => t.targetId === CHANNEL)).toMatchObject({ nothingMatched: { date: REVISION_DATE, keywords: KEYWORDS } });
  });

  it("a revision adding late stories sends the day's post once, with only those stories, and pins its header", async () => {
    const calls = await revise(revisionDigest({ addStories: 25 }), () => f.tg.pinned(Number(CHANNEL)).length > 0);
    const sent = calls.filter((c) => c.method === "sendMessage" && c.status === 200);
    expect(sent.map((c) => c.params.text)).toEqual(planOf());
    expect(live()).toEqual(planOf());
    expect(live().join("\n")).toContain("Story 1.6 title (late)");
    expect(live().join("\n")).not.toContain("Story 1.1 title");
    expect(f.tg.pinned(Number(CHANNEL))).toEqual([f.tg.liveMessages(CHANNEL)[0]!.messageId]);
    for (const c of sent) expect(checkTelegramHtml(String(c.params.text)).problems).toEqual([]);
    await f.app.delivery.tick();
    expect(f.tg.calls("sendMessage").filter(toChannel)).toHaveLength(sent.length);
  });

  it("a revision taking the late stories out again deletes their messages and corrects the header, which stays pinned", async () => {
    const header = f.tg.liveMessages(CHANNEL)[0]!.messageId;
    const before = live().length;
    expect(before).toBeGreaterThan(1); // The header, then the section with the late stories.
    const calls = await revise(revisionDigest(), () => live().length === 1 && live()[0] === planOf(true)[0]);
    expect(live()).toEqual(planOf(true));
    expect(calls.filter((c) => c.method === "deleteMessage" && c.status === 200)).toHaveLength(before - 1);
    expect(calls.filter((c) => c.method === "editMessageText" && c.status === 200).map((c) => c.params.message_id)).toEqual([header]);
    expect(calls.filter((c) => c.method === "sendMessage")).toEqual([]);
    expect(f.tg.pinned(Number(CHANNEL))).toEqual([header]);
  });
});
