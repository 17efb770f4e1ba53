// End to end: the real grammY bot (startTelegram) against the emulated Bot API on loopback, with the real app behind it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkTelegramHtml } from "./html-check.js";
import type { RecordedCall } from "./harness.js";
import { testBackends } from "../core/storage/backends.js";
import { ADMIN_ID, CHANNEL, GROUP, startFixture, stopFixture, TOKEN, type Fixture } from "./fixture.js";

const text = (c: RecordedCall) => String(c.params.text ?? "");

describe.each(testBackends())("telegram bot end to end (seed digest), state on %s", (backend) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture("test/fixtures/sample", "2026-02-18T00:50:00Z", {}, { backend });
  });
  afterAll(async () => {
    await stopFixture(f);
  });

  /** Sends a command as a user and returns the bot's first reply to that chat after it. */
  async function ask(line: string, opts: { userId?: number; chatId?: number; type?: "private" | "group" | "supergroup" } = {}) {
    const userId = opts.userId ?? 7;
    const chatId = opts.chatId ?? userId;
    const seen = new Set(f.tg.calls("sendMessage"));
    const user = f.tg.client(TOKEN, { userId, chatId, type: opts.type ?? "private", chatTitle: "Readers" });
    await user.sendCommand(user.makeCommand(line));
    return f.tg.waitForCall("sendMessage", (c) => !seen.has(c) && c.status === 200 && Number(c.params.chat_id) === chatId);
  }

  it("registers the command menu in zh and en, admin commands only for chat administrators", () => {
    const menus = f.tg.calls("setMyCommands").map((c) => c.params as { commands: { command: string; description: string }[]; language_code?: string; scope?: { type: string } });
    const everyoneZh = menus.find((m) => m.language_code === "zh" && !m.scope);
    const everyoneEn = menus.find((m) => m.language_code === "en" && !m.scope);
    const adminsEn = menus.find((m) => m.language_code === "en" && m.scope?.type === "all_chat_administrators");
    expect(everyoneEn?.commands.map((c) => c.command)).toEqual(expect.arrayContaining(["story", "links", "search", "section", "digest", "help"]));
    expect(everyoneEn?.commands.map((c) => c.command)).not.toContain("repost");
    expect(adminsEn?.commands.map((c) => c.command)).toEqual(expect.arrayContaining(["repost", "subscribe", "unsubscribe", "status"]));
    expect(everyoneZh?.commands.find((c) => c.command === "story")?.description).toMatch(/[\u4e00-\u9fff]/);
    expect(everyoneEn?.commands.find((c) => c.command === "story")?.description).toMatch(/story/i);
  });

  it("/story shows the best match in full with link buttons (http/https only)", async () => {
    const reply = await ask("/story GDPval-AA");
    expect(text(reply)).toContain("<b>Anthropic 推出 Claude Sonnet 4.6：1M 上下文，逼近 Opus，成本与质量新权衡</b>");
    expect(text(reply)).toContain("SWE-bench Verified 公布为 79.6%");
    expect(reply.params.parse_mode).toBe("HTML");
    const keyboard = (reply.params.reply_markup as { inline_keyboard: { text: string; url?: string }[][] }).inline_keyboard.flat();
    expect(keyboard[0]).toEqual({ text: "官方发布：Claude Sonnet 4.6", url: "https://www.anthropic.com/news/claude-sonnet-4-6" });
    for (const b of keyboard) expect(b.url).toMatch(/^https?:\/\//);
  });

  it("answers /story@BotName in a group, quoting the question, and ignores commands for other bots", async () => {
    const reply = await ask(`/story@${f.tg.botUsername} glm-5`, { userId: 8, chatId: GROUP, type: "supergroup" });
    expect(text(reply)).toContain("GLM‑5 技术报告");
    expect((reply.params.reply_parameters as { message_id: number }).message_id).toBeGreaterThan(0);
    const before = f.tg.calls("sendMessage").length;
    const user = f.tg.client(TOKEN, { userId: 8, chatId: GROUP, type: "supergroup" });
    await user.sendCommand(user.makeCommand("/story@SomeOtherBot glm-5"));
    await ask("/help", { userId: 8, chatId: GROUP, type: "supergroup" });
    expect(f.tg.calls("sendMessage").length).toBe(before + 1);
  });

  it("/links lists the links of the best match", async () => {
    const reply = await ask("/links glm-5");
    expect(text(reply)).toContain('<a href="https://arxiv.org/abs/2602.15763">GLM‑5 技术报告 arXiv:2602.15763</a>');
    expect(reply.params.link_preview_options).toEqual({ is_disabled: true });
  });

  it("/search pages with next/previous buttons, answering the callback query", async () => {
    const first = await ask("/search agent");
    expect(text(first)).toContain("Page 1/2");
    const sent = first.response as { result: { message_id: number; chat: { id: number } } };
    const buttons = (first.params.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard.flat();
    const next = buttons.find((b) => b.text.includes("Next"));
    expect(next).toBeDefined();
    expect(buttons.some((b) => b.text.includes("Previous"))).toBe(false);

    const user = f.tg.client(TOKEN, { userId: 7, chatId: 7 });
    await user.sendCallback(
      user.makeCallbackQuery(next!.callback_data, { message: { message_id: sent.result.message_id, chat: { id: 7, type: "private" }, date: 0, text: "x" } }),
    );
    const edit = await f.tg.waitForCall("editMessageText");
    expect(edit.params.message_id).toBe(sent.result.message_id);
    expect(String(edit.params.text)).toContain("Page 2/2");
    expect(String(edit.params.text)).toContain("11. ");
    const editButtons = (edit.params.reply_markup as { inline_keyboard: { text: string }[][] }).inline_keyboard.flat();
    expect(editButtons.map((b) => b.text)).toEqual(["◀ Previous"]);
    await f.tg.waitForCall("answerCallbackQuery");
  });

  it("a /search too long for callback data pages through a short key kept in the state database", async () => {
    const query = `agent ${"workflow ".repeat(8)}`.trim();
    const first = await ask(`/search ${query}`);
    const sent = first.response as { result: { message_id: number } };
    const next = (first.params.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard.flat()[0]!;
    expect(next.text).toBe("Next ▶");
    expect(next.callback_data).toMatch(/^S\|/);
    const seen = new Set([...f.tg.calls("editMessageText"), ...f.tg.calls("answerCallbackQuery")]);
    const user = f.tg.client(TOKEN, { userId: 7, chatId: 7 });
    await user.sendCallback(
      user.makeCallbackQuery(next.callback_data, { message: { message_id: sent.result.message_id, chat: { id: 7, type: "private" }, date: 0, text: "x" } }),
    );
    const edit = await f.tg.waitForCall("editMessageText", (c) => !seen.has(c));
    expect(String(edit.params.text)).toContain(`Results for “${query}”`);
    expect(String(edit.params.text)).toMatch(/Page 2\/\d+/);
    const answered = await f.tg.waitForCall("answerCallbackQuery", (c) => !seen.has(c));
    expect(answered.params.show_alert).toBeUndefined();
  });

  it("an expired page button is answered with an alert that says to search again, and nothing is edited", async () => {
    const edits = f.tg.calls("editMessageText").length;
    const seen = new Set(f.tg.calls("answerCallbackQuery"));
    const user = f.tg.client(TOKEN, { userId: 7, chatId: 7 });
    // A key whose stored request is gone (expired), or never existed.
    await user.sendCallback(user.makeCallbackQuery("S|gone1", { message: { message_id: 1, chat: { id: 7, type: "private" }, date: 0, text: "x" } }));
    const answer = await f.tg.waitForCall("answerCallbackQuery", (c) => !seen.has(c));
    expect(answer.params).toMatchObject({
      text: "This page button no longer works.\nA search's page buttons stop working after 30 days; send /search again.",
      show_alert: true,
    });
    expect(f.tg.calls("editMessageText").length).toBe(edits);
  });

  it("a page that no longer exists is explained in an alert instead of replacing the results", async () => {
    const seen = new Set([...f.tg.calls("answerCallbackQuery"), ...f.tg.calls("editMessageText")]);
    const user = f.tg.client(TOKEN, { userId: 7, chatId: 7 });
    await user.sendCallback(user.makeCallbackQuery("s|99|||agent", { message: { message_id: 1, chat: { id: 7, type: "private" }, date: 0, text: "x" } }));
    const answer = await f.tg.waitForCall("answerCallbackQuery", (c) => !seen.has(c));
    expect(answer.params.show_alert).toBe(true);
    expect(String(answer.params.text)).toMatch(/^There are only \d+ pages of results, not 99\.\nSend \/search agent page:\d+ for the last page\.$/);
    expect(f.tg.calls("editMessageText").filter((c) => !seen.has(c))).toEqual([]);
  });

  it("crafted callback data (negative, zero, huge or garbage pages, junk filters, anything) gets an alert and edits nothing", async () => {
    const crafted = ["s|-1|||agent", "s|0|||agent", "s|1000000|||agent", "s|100|||agent", "s|2|9999-99-99||agent", "s|2||no such section|agent", "💥<b>&", "S|", ""];
    const seen = new Set([...f.tg.calls("answerCallbackQuery"), ...f.tg.calls("editMessageText")]);
    const user = f.tg.client(TOKEN, { userId: 7, chatId: 7 });
    for (const data of crafted) {
      await user.sendCallback(user.makeCallbackQuery(data, { message: { message_id: 1, chat: { id: 7, type: "private" }, date: 0, text: "x" } }));
    }
    const answers = await f.tg.waitForCalls("answerCallbackQuery", crafted.length, (c) => !seen.has(c));
    for (const a of answers) {
      expect(a.params.show_alert).toBe(true);
      expect(Array.from(String(a.params.text)).length).toBeLessThanOrEqual(200);
    }
    expect(f.tg.calls("editMessageText").filter((c) => !seen.has(c))).toEqual([]);
  });

  it("answers plain text in a private chat with how to use the bot, and stays quiet in groups", async () => {
    const seen = new Set(f.tg.calls("sendMessage"));
    const user = f.tg.client(TOKEN, { userId: 7, chatId: 7 });
    await user.sendMessage(user.makeMessage("hello, what is new?"));
    const reply = await f.tg.waitForCall("sendMessage", (c) => !seen.has(c) && Number(c.params.chat_id) === 7);
    expect(text(reply)).toBe(
      "ℹ️ I answer commands. Try /story sonnet for a story, /search agent to search, /digest for the latest digest; send /help to see them all.",
    );
    const group = f.tg.client(TOKEN, { userId: 8, chatId: GROUP, type: "supergroup" });
    const before = f.tg.calls("sendMessage").length;
    await group.sendMessage(group.makeMessage("hello group"));
    await ask("/help", { userId: 8, chatId: GROUP, type: "supergroup" });
    expect(f.tg.calls("sendMessage").length).toBe(before + 1);
  });

  it("/start <story id> from a deep link shows the full story", async () => {
    const reply = await ask("/start 20260218-1-3");
    expect(text(reply)).toContain("<b>GLM‑5 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练</b>");
    expect(text(reply)).toContain("实测中也有开发者反馈");
  });

  it("answers inline queries with matching stories as articles", async () => {
    f.tg.pushUpdate(TOKEN, { inline_query: { id: "iq-1", from: { id: 7, is_bot: false, first_name: "R" }, query: "glm-5", offset: "" } });
    const call = await f.tg.waitForCall("answerInlineQuery");
    expect(call.params.inline_query_id).toBe("iq-1");
    const results = call.params.results as { type: string; id: string; title: string; description: string; input_message_content: { message_text: string } }[];
    expect(results[0]).toMatchObject({ type: "article", id: "20260218-glm-5-dsa-rl-agent-m7vrh", description: "模型与能力 · 2026-02-18" });
    expect(results[0]!.title).toContain("GLM‑5 技术报告");
    expect(results[0]!.input_message_content.message_text).toContain("实测中也有开发者反馈");
    expect(call.status).toBe(200);
  });

  it("refuses an admin command to a group member and accepts it from the group's administrator", async () => {
    const refused = await ask("/status", { userId: 9, chatId: GROUP, type: "supergroup" });
    expect(text(refused)).toContain("Only admins can use /status.");
    f.tg.setChatAdmins(GROUP, [9]);
    const accepted = await ask("/subscribe", { userId: 9, chatId: GROUP, type: "supergroup" });
    expect(text(accepted)).toContain("✅ Subscribed");
    expect((await f.app.delivery.status()).targets.map((t) => t.targetId)).toContain(String(GROUP));
    expect(f.tg.calls("getChatMember").map((c) => c.params.user_id)).toEqual([9, 9]);
  });

  it("accepts admin commands from TELEGRAM_ADMIN_IDS in a private chat without asking Telegram", async () => {
    const before = f.tg.calls("getChatMember").length;
    const reply = await ask("/status", { userId: ADMIN_ID });
    expect(text(reply)).toContain("Delivery status");
    expect(text(reply)).toContain(CHANNEL);
    expect(f.tg.calls("getChatMember").length).toBe(before);
  });

  it("lets whoever posts in a channel run admin commands there (only channel admins can post)", async () => {
    const before = f.tg.calls("getChatMember").length;
    f.tg.pushUpdate(TOKEN, {
      channel_post: { message_id: 99, chat: { id: -1009999, type: "channel", title: "News" }, date: 0, text: "/subscribe", entities: [{ type: "bot_command", offset: 0, length: 10 }] },
    });
    const reply = await f.tg.waitForCall("sendMessage", (c) => Number(c.params.chat_id) === -1009999);
    expect(text(reply)).toContain("✅ Subscribed");
    expect(reply.params.reply_parameters).toBeUndefined();
    expect(f.tg.calls("getChatMember").length).toBe(before);
  });

  it("ignores the copy of a channel post that Telegram forwards into the channel's discussion group", async () => {
    const discussion = -100777;
    const before = f.tg.calls("sendMessage").filter((c) => Number(c.params.chat_id) === discussion).length;
    f.tg.pushUpdate(TOKEN, {
      message: {
        message_id: 5,
        from: { id: 777000, is_bot: false, first_name: "Telegram" },
        sender_chat: { id: -1009999, type: "channel", title: "News" },
        chat: { id: discussion, type: "supergroup", title: "News chat" },
        is_automatic_forward: true,
        date: 0,
        text: "/repost",
        entities: [{ type: "bot_command", offset: 0, length: 7 }],
      },
    });
    // Updates are handled in order: once /help, fetched after the copy, is answered, the copy has been handled.
    await f.tg.waitForCall("getUpdates", (c) => JSON.stringify(c.response).includes('"is_automatic_forward":true'));
    await ask("/help", { userId: 8, chatId: discussion, type: "supergroup" });
    const replies = f.tg.calls("sendMessage").filter((c) => Number(c.params.chat_id) === discussion);
    expect(replies.length).toBe(before + 1);
    expect(String(replies.at(-1)!.params.text)).not.toContain("Only admins");
  });

  it("retries a reply rate-limited with 429 after retry_after", async () => {
    f.tg.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 1", retry_after: 1 });
    const before = f.tg.calls("sendMessage").length;
    const reply = await ask("/sections");
    expect(text(reply)).toContain("Sections of the 2026-02-18 digest");
    const statuses = f.tg.calls("sendMessage").slice(before).map((c) => c.status);
    expect(statuses).toEqual([429, 200]);
  });

  it("delivers the scheduled daily post to a channel id: valid HTML, within limits, deep links", async () => {
    f.clock.now = new Date("2026-02-18T01:00:30Z"); // 09:00:30 in Asia/Shanghai
    await f.app.delivery.tick();
    const posts = f.tg.calls("sendMessage").filter((c) => String(c.params.chat_id) === CHANNEL);
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.length).toBeLessThanOrEqual(8);
    for (const p of posts) {
      expect(p.status).toBe(200);
      expect(checkTelegramHtml(text(p)).problems).toEqual([]);
    }
    const all = posts.map(text).join("\n");
    expect(all).toContain("AI digest · 2026-02-18");
    expect(all).toContain('<a href="https://t.me/TestNameBot?start=20260218-glm-5-dsa-rl-agent-m7vrh">📖 Full story</a>');
    // 33 stories, each once.
    expect(all.match(/\?start=20260218-[A-Za-z0-9_-]+"/g)?.length).toBe(f.app.archive.get("2026-02-18")!.sections.flatMap((s) => s.stories).length);
  });

  it("never sent invalid HTML and never logged the token", () => {
    expect(f.tg.htmlViolations).toEqual([]);
    expect(f.logs.length).toBeGreaterThan(0);
    expect(f.logs.join("\n")).not.toContain(TOKEN);
    expect(f.logs.join("\n")).not.toContain(TOKEN.split(":")[1]!);
  });
});
