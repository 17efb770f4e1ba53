// End to end: /watch, /unwatch and personal alerts in private chats, with the real grammY bot against the emulated Bot API.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TELEGRAM_DM_BLOCKED } from "../../src/telegram/telegram-dm.js";
import { checkTelegramHtml } from "./html-check.js";
import type { RecordedCall } from "./harness.js";
import { testBackends } from "../core/storage/backends.js";
import { GROUP, startFixture, stopFixture, TOKEN, type Fixture } from "./fixture.js";

const text = (c: RecordedCall) => String(c.params.text ?? "");
const NEW_DATE = "2026-02-20";
const SAMPLE = readFileSync("test/fixtures/sample/2026-02-18.md", "utf8");
const isAlert = (c: RecordedCall) => c.status === 200 && text(c).includes("New story for your watch");
const alertsTo = (f: Fixture, chat: number) => f.tg.calls("sendMessage").filter((c) => Number(c.params.chat_id) === chat && isAlert(c));

describe.each(testBackends())("Telegram personal alerts, state on %s", (backend) => {
  let f: Fixture;
  beforeAll(async () => {
    // The sample (2026-02-18) is too old to alert anyone at this time; the new digest of 2026-02-20 is today's.
    f = await startFixture("test/fixtures/sample", `${NEW_DATE}T00:30:00Z`, { WATCH_LIMIT: "3" }, { backend });
    await f.app.start();
  });
  afterAll(async () => {
    await stopFixture(f);
  });

  async function ask(line: string, opts: { userId?: number; chatId?: number; type?: "private" | "supergroup" } = {}) {
    const userId = opts.userId ?? 7;
    const chatId = opts.chatId ?? userId;
    const seen = new Set(f.tg.calls("sendMessage"));
    const user = f.tg.client(TOKEN, { userId, chatId, type: opts.type ?? "private", chatTitle: "Readers" });
    await user.sendCommand(user.makeCommand(line));
    const reply = await f.tg.waitForCall("sendMessage", (c) => !seen.has(c) && c.status === 200 && Number(c.params.chat_id) === chatId && !isAlert(c), 10_000);
    return text(reply);
  }

  it("lists no watches, adds one, refuses a repeat, the cap and a query with no words, with exact messages", async () => {
    expect(await ask("/watch")).toContain("You do not watch anything yet.\nSend /watch &lt;query&gt;, e.g. /watch sonnet; a matching story in a new digest then comes to you privately.");
    expect(await ask("/watch sonnet")).toContain("Watching “sonnet”: when a new digest has a matching story, you get it in a private message (1/3).");
    expect(await ask("/watch   sonnet ")).toContain("You already watch “sonnet” (1/3).");
    expect(await ask("/watch 安全 合规")).toContain("(2/3)");
    // In a group the answer is public but the alert still goes privately: the user must have started the bot.
    const inGroup = await ask("/watch blockchain", { chatId: GROUP, type: "supergroup" });
    expect(inGroup).toContain("Watching “blockchain”");
    expect(inGroup).toContain("If you have never talked to the bot in private, open it and press Start, or it cannot message you.");
    const full = await ask("/watch agent");
    expect(full).toContain("You can watch at most 3 queries and have 3.");
    expect(full).toContain("Remove one with /unwatch &lt;number&gt; first; /watch lists the numbers.");
    expect(await ask("/watch !!!")).toContain("“!!!” has no word to search for.");
    expect(await ask(`/watch ${"x".repeat(101)}`)).toContain("101");
  });

  it("lists the watches numbered and removes one by number or by query; an unknown one is refused", async () => {
    expect(await ask("/watch")).toContain("Your watches (3/3); matching new stories come to you in a private message:\n1. sonnet\n2. 安全 合规\n3. blockchain");
    expect(await ask("/unwatch 2")).toContain("Stopped watching “安全 合规”.");
    expect(await ask("/unwatch blockchain")).toContain("Stopped watching “blockchain”.");
    const missing = await ask("/unwatch 9");
    expect(missing).toContain("You do not watch “9”.");
    expect(missing).toContain("Send /watch to see your watches and their numbers, then /unwatch &lt;number&gt;.");
    expect(await ask("/watch")).toContain("Your watches (1/3); matching new stories come to you in a private message:\n1. sonnet");
    // Another user's watch that matches nothing in the new digest.
    expect(await ask("/watch blockchain", { userId: 8 })).toContain("(1/3)");
  });

  it("a new digest with two matching stories sends exactly those two to the watcher, privately, and nobody else", async () => {
    writeFileSync(join(f.dir, "digests", `${NEW_DATE}.md`), SAMPLE);
    await f.app.archive.reload();
    const alerts = await f.tg.waitForCalls("sendMessage", 2, (c) => Number(c.params.chat_id) === 7 && isAlert(c), 15_000);
    expect(alerts.map((c) => text(c).split("\n")[2])).toEqual([
      expect.stringContaining("Anthropic 推出 Claude Sonnet 4.6"),
      expect.stringContaining("Sonnet 4.6 快速铺货"),
    ]);
    for (const c of alerts) {
      expect(text(c).startsWith("<b>🔔 New story for your watch “sonnet”</b>")).toBe(true);
      expect(checkTelegramHtml(text(c)).problems).toEqual([]);
    }
    await f.app.delivery.tick();
    expect(alertsTo(f, 7)).toHaveLength(2);
    expect(f.tg.calls("sendMessage").filter((c) => isAlert(c) && Number(c.params.chat_id) !== 7)).toEqual([]);
    const rows = await f.app.storage.watches.alerts("telegram", "7");
    expect(rows.map((r) => r.status)).toEqual(["sent", "sent"]);
  });

  it("a revised digest does not send the same stories again", async () => {
    writeFileSync(join(f.dir, "digests", `${NEW_DATE}.md`), SAMPLE.replace("号称“最强 Sonnet”", "宣称“最强 Sonnet”"));
    await f.app.archive.reload();
    await f.app.delivery.tick();
    await f.app.delivery.tick();
    expect(f.app.archive.get(NEW_DATE)!.sections[0]!.stories[0]!.text).toContain("宣称“最强 Sonnet”");
    expect(alertsTo(f, 7)).toHaveLength(2);
  });

  it("a user who blocked the bot gets their watches disabled with the reason, shown in /watch; a later /watch turns them back on", async () => {
    f.tg.failNext("sendMessage", { error_code: 403, description: "Forbidden: bot was blocked by the user" });
    // Added through the engine, so the only sendMessage is the alert (a command's own answer would take the failure).
    await f.app.delivery.watches.add({ platform: "telegram", id: "9" }, "glm-5", "en");
    await f.tg.waitForCall("sendMessage", (c) => Number(c.params.chat_id) === 9 && c.status === 403, 10_000);
    await f.app.delivery.tick();
    const [watch] = await f.app.storage.watches.list("telegram", "9");
    expect(watch).toMatchObject({ enabled: false, disabledReason: TELEGRAM_DM_BLOCKED });
    const listed = await ask("/watch", { userId: 9 });
    expect(listed).toContain(`1. glm-5 (disabled: ${TELEGRAM_DM_BLOCKED})`);
    expect(listed).toContain("Send /watch &lt;query&gt; again to turn them back on.");
    expect(await ask("/watch glm-5", { userId: 9 })).toContain("You already watch “glm-5” (1/3).");
    expect((await f.app.storage.watches.list("telegram", "9"))[0]).toMatchObject({ enabled: true });
  });

  it("three broad watches bring one user at most 5 alerts from the digest; one of them says how many more matched", async () => {
    for (const q of ["agent", "开源", "安全"]) await f.app.storage.watches.add({ platform: "telegram", userId: "11", query: q, locale: "en" }, 3, `${NEW_DATE}T00:30:00Z`);
    // "exists": the current digest is matched again for every watch of the user, as at a start.
    expect(await f.app.delivery.watches.add({ platform: "telegram", id: "11" }, "agent", "en")).toBe("exists");
    await f.tg.waitForCalls("sendMessage", 5, (c) => Number(c.params.chat_id) === 11 && isAlert(c), 15_000);
    await f.app.delivery.tick();
    const alerts = alertsTo(f, 11);
    expect(alerts).toHaveLength(5);
    const counted = alerts.filter((c) => text(c).includes("…and "));
    expect(counted).toHaveLength(1);
    expect(text(counted[0]!)).toMatch(/^<b>🔔 New story for your watch “[^”]+”\n…and \d+ more stories of the 2026-02-20 digest match your watches \(at most 5 alerts a digest\); \/search finds them<\/b>\n/);
    for (const c of alerts) expect(checkTelegramHtml(text(c)).problems).toEqual([]);
  });
});
