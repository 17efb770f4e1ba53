// Telegram alert messages: one valid HTML message within the limit whatever the story's length, and the 403s that mean "cannot message this user".
import { GrammyError, type Api } from "grammy";
import { describe, expect, it } from "vitest";
import { PublishError } from "../../src/core/delivery/publisher.js";
import { createTelegramDm, planTelegramAlert, TELEGRAM_DM_BLOCKED, TELEGRAM_DM_NOT_STARTED, unreachableUser } from "../../src/telegram/telegram-dm.js";
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

  it("an edit of a sent alert replaces that message in the private chat; 'not modified' is success, a deleted message permanent", async () => {
    const edits: unknown[][] = [];
    let answer: string | undefined;
    const api = {
      editMessageText(...args: unknown[]) {
        edits.push(args.slice(0, 4));
        if (answer) return Promise.reject(new GrammyError("Call to 'editMessageText' failed!", { ok: false, error_code: 400, description: answer }, "editMessageText", {}));
        return Promise.resolve(true);
      },
    } as unknown as Api;
    const dm = createTelegramDm({ api, botUsername: "TestNameBot", secrets: [] });
    const payload = planTelegramAlert({ story: story("Body."), query: "sonnet", locale: "en", more: { count: 3, date: "2026-02-18", cap: 5 } }, "TestNameBot");
    const signal = new AbortController().signal;
    await dm.editDirect!("42", "77", payload, { signal });
    expect(edits).toEqual([[42, 77, payload.text, { parse_mode: "HTML", link_preview_options: payload.link_preview_options, reply_markup: payload.reply_markup }]]);
    expect(payload.text).toContain("…and 3 more stories of the 2026-02-18 digest match your watches");
    answer = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same";
    await dm.editDirect!("42", "77", payload, { signal });
    answer = "Bad Request: message to edit not found";
    const failure = await dm.editDirect!("42", "77", payload, { signal }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(PublishError);
    expect([(failure as PublishError).kind, (failure as PublishError).message]).toEqual([
      "permanent",
      "telegram editMessageText of message 77 in user 42: the message was deleted (Bad Request: message to edit not found)",
    ]);
  });
});
