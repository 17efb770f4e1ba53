// Telegram alert messages: one valid HTML message within the limit whatever the story's length, and the 403s that mean "cannot message this user".
import { GrammyError } from "grammy";
import { describe, expect, it } from "vitest";
import { planTelegramAlert, TELEGRAM_DM_BLOCKED, TELEGRAM_DM_NOT_STARTED, unreachableUser } from "../../src/telegram/telegram-dm.js";
import { TELEGRAM_MESSAGE_LIMIT } from "../../src/telegram/telegram-html.js";
import { checkTelegramHtml } from "./html-check.js";

const story = (body: string) => ({
  id: "20260218-sonnet-abcde",
  date: "2026-02-18",
  section: "模型",
  title: "Sonnet <4.6> & co",
  body,
  text: body,
  links: [{ label: "官方", url: "https://www.anthropic.com/news" }, { label: "bad", url: "javascript:alert(1)" }],
});
const forbidden = (description: string) =>
  new GrammyError("Call to 'sendMessage' failed!", { ok: false, error_code: 403, description }, "sendMessage", {});

describe("Telegram alerts", () => {
  it("a short story is one message: the watch's title, the story escaped, http(s) link buttons only", () => {
    const m = planTelegramAlert({ story: story("Body with <b>tags</b> & more."), query: "<sonnet>", locale: "en" }, "TestNameBot");
    expect(m.text.startsWith("<b>🔔 New story for your watch “&lt;sonnet&gt;”</b>\n\n")).toBe(true);
    expect(m.text).toContain("Sonnet &lt;4.6&gt; &amp; co");
    expect(checkTelegramHtml(m.text).problems).toEqual([]);
    const buttons = m.reply_markup!.inline_keyboard.flat();
    expect(buttons.map((b) => (b as { url: string }).url)).toEqual(["https://www.anthropic.com/news"]);
  });

  it("a story too long for one message is cut with … and gets a Full story deep link", () => {
    const m = planTelegramAlert({ story: story("长文。".repeat(3000)), query: "sonnet", locale: "zh" }, "TestNameBot");
    const check = checkTelegramHtml(m.text);
    expect(check.problems).toEqual([]);
    expect(check.plain.length).toBeLessThanOrEqual(TELEGRAM_MESSAGE_LIMIT);
    expect(m.text.endsWith("\n…")).toBe(true);
    expect(m.reply_markup!.inline_keyboard[0]).toEqual([{ text: "全文", url: "https://t.me/TestNameBot?start=20260218-sonnet-abcde" }]);
  });

  it("blocked and never-started users are told apart; other 403s are left to the usual classification", () => {
    expect(unreachableUser(forbidden("Forbidden: bot was blocked by the user"))).toBe(TELEGRAM_DM_BLOCKED);
    expect(unreachableUser(forbidden("Forbidden: bot can't initiate conversation with a user"))).toBe(TELEGRAM_DM_NOT_STARTED);
    expect(TELEGRAM_DM_NOT_STARTED).toContain("open the bot, press Start, then send /watch again");
    expect(unreachableUser(forbidden("Forbidden: bot is not a member of the channel chat"))).toBeUndefined();
  });
});
