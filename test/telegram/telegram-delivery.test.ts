// Daily delivery of a hostile digest (<, &, >, fake tags, a very long story) and publisher error handling, end to end.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bot } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PublishError } from "../../src/core/delivery/publisher.js";
import { createTelegramPublisher } from "../../src/telegram/telegram-publisher.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { testBackends } from "../core/storage/backends.js";
import { CHANNEL, startFixture, stopFixture, TOKEN, type Fixture } from "./fixture.js";
import { checkTelegramHtml } from "./html-check.js";
import type { RecordedCall } from "./harness.js";

/** What the engine passes to every send. */
const sendOptions = (idempotencyKey: string) => ({ idempotencyKey, signal: new AbortController().signal });

const LONG_SENTENCE = "长句子 <tag> & “引号” > 比较 a<b && c>d。";

function hostileDigest(): string {
  const longBody = `${LONG_SENTENCE.repeat(400)} **粗体 <i>** 与 \`code <x>\` 以及 [坏链接](javascript:alert(1)) 和 [好链接](https://example.com/?a=1&b=2)。`;
  return `#### **安全 <script>alert(1)</script> & 治理**  
##### **标题 <b>不是粗体</b> & “引号” > 1**  
正文里有 <a href="https://evil.example">假链接</a>、&amp; 实体、&lt; 已转义、5 > 3 且 2 < 4。@everyone 也在这里。  
 > 相关链接：[链接 <1> & 2](https://example.com/a?x=1&y=2)｜[不安全](javascript:alert(1))｜[正常](https://example.org/path)  

##### **超长报道 & <长>**  
${longBody}  
 > 相关链接：[来源](https://example.com/long)  

---

#### **第二栏 &amp; <b>**  
##### **只有 & 符号 && <<>>**  
${"<&>".repeat(300)}。结尾。  
 > 相关链接：[x](https://example.com/x)  
`;
}

const text = (c: RecordedCall) => String(c.params.text ?? "");

describe.each(testBackends())("telegram delivery of a hostile digest, state on %s", (backend) => {
  let f: Fixture;
  let source: string;
  let state: Awaited<ReturnType<typeof backendEnv>>;
  beforeAll(async () => {
    source = mkdtempSync(join(tmpdir(), "digest-bot-hostile-"));
    writeFileSync(join(source, "2026-02-19.md"), hostileDigest());
    state = await backendEnv(backend);
    f = await startFixture(source, "2026-02-19T00:50:00Z", state.env);
  });
  afterAll(async () => {
    await stopFixture(f);
    await state?.drop();
    rmSync(source, { recursive: true, force: true });
  });

  it("posts on schedule to the channel with valid HTML within 4096 characters, and only http(s) links", async () => {
    f.clock.now = new Date("2026-02-19T01:00:30Z");
    await f.app.delivery.tick();
    const posts = f.tg.calls("sendMessage").filter((c) => String(c.params.chat_id) === CHANNEL);
    expect(posts.length).toBeGreaterThan(0);
    for (const p of posts) {
      expect(p.status).toBe(200);
      const check = checkTelegramHtml(text(p));
      expect(check.problems).toEqual([]);
      expect(check.plain).not.toContain("<script>");
    }
    const plain = posts.map((p) => checkTelegramHtml(text(p)).plain).join("\n");
    // The parser keeps the text of inline tags in titles; the rest arrives as the reader wrote it, escaped.
    expect(plain).toContain("标题 不是粗体 & “引号” > 1");
    expect(plain).toContain("5 > 3 且 2 < 4");
    expect(plain).toContain("只有 & 符号 && <<>>");
    expect(posts.map(text).join("")).not.toContain("javascript:");
    expect(f.tg.htmlViolations).toEqual([]);
  });

  it("/story of a very long story sends several valid messages, buttons on the last", async () => {
    const seen = new Set(f.tg.calls("sendMessage"));
    const user = f.tg.client(TOKEN, { userId: 7, chatId: 7 });
    await user.sendCommand(user.makeCommand("/story 20260219-1-2"));
    // The keyboard rides on the last part; once it is there, every part has been sent.
    await f.tg.waitForCall("sendMessage", (c) => !seen.has(c) && c.params.reply_markup !== undefined);
    const mine = f.tg.calls("sendMessage").filter((c) => !seen.has(c));
    expect(mine.length).toBeGreaterThanOrEqual(3);
    for (const p of mine) {
      expect(p.status).toBe(200);
      const check = checkTelegramHtml(text(p));
      expect(check.problems).toEqual([]);
      expect(check.plain.length).toBeLessThanOrEqual(4096);
    }
    expect(mine.at(-1)!.params.reply_markup).toBeDefined();
    expect(mine[0]!.params.reply_markup).toBeUndefined();
    const all = mine.map(text).join("");
    expect(all).toContain('<a href="https://example.com/?a=1&amp;b=2">好链接</a>');
    expect(all).not.toContain("javascript:");
    expect(f.tg.htmlViolations).toEqual([]);
  });

  it("an inline query for a very long story drops one valid message that says it goes on, with the Full story button", async () => {
    f.tg.pushUpdate(TOKEN, { inline_query: { id: "iq-long", from: { id: 7, is_bot: false, first_name: "R" }, query: "超长报道", offset: "" } });
    const call = await f.tg.waitForCall("answerInlineQuery", (c) => c.params.inline_query_id === "iq-long");
    expect(call.status).toBe(200);
    type Article = { id: string; input_message_content: { message_text: string }; reply_markup: { inline_keyboard: { text: string; url: string }[][] } };
    // The long story sits at position 1-2; its (stable) id is what the article and the deep link carry.
    const longId = f.app.archive.findStory("20260219-1-2")!.story.id;
    const article = (call.params.results as Article[]).find((r) => r.id === longId)!;
    const message = article.input_message_content.message_text;
    const check = checkTelegramHtml(message);
    expect(check.problems).toEqual([]);
    expect(check.plain.length).toBeLessThanOrEqual(4096);
    expect(check.plain.length).toBeGreaterThan(3000);
    expect(message.endsWith("\n…")).toBe(true);
    expect(article.reply_markup.inline_keyboard[0]).toEqual([{ text: "📖 Full story", url: `https://t.me/TestNameBot?start=${longId}` }]);
  });

  it("sorts failed sends: kicked → permanent, 5xx → transient, network → transient; the token never shows", async () => {
    const bot = new Bot(TOKEN, { client: { apiRoot: f.tg.apiRoot } });
    const publisher = createTelegramPublisher({ api: bot.api, locale: "en", secrets: [TOKEN] });
    const [payload] = publisher.planDailyPost({ date: "2026-02-19", header: [{ title: "S", storyCount: 1 }], sections: [] });
    f.tg.failNext("sendMessage", { error_code: 403, description: "Forbidden: bot was kicked from the channel chat" });
    const kicked = await publisher.send(CHANNEL, payload!, sendOptions("k1")).catch((e: unknown) => e);
    expect(kicked).toBeInstanceOf(PublishError);
    expect((kicked as PublishError).kind).toBe("permanent");
    expect((kicked as PublishError).message).toContain(`telegram sendMessage to ${CHANNEL}: Forbidden: bot was kicked from the channel chat (403)`);

    f.tg.failNext("sendMessage", { error_code: 400, description: "Bad Request: chat not found" });
    expect(((await publisher.send("@nochannel", payload!, sendOptions("k2")).catch((e: unknown) => e)) as PublishError).kind).toBe("permanent");

    f.tg.failNext("sendMessage", { error_code: 502, description: "Bad Gateway" });
    expect(((await publisher.send(CHANNEL, payload!, sendOptions("k3")).catch((e: unknown) => e)) as PublishError).kind).toBe("transient");

    f.tg.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 7", retry_after: 7 });
    const limited = (await publisher.send(CHANNEL, payload!, sendOptions("k4")).catch((e: unknown) => e)) as PublishError;
    expect([limited.kind, limited.retryAfterMs]).toEqual(["rate-limited", 7000]);

    const offline = new Bot(TOKEN, { client: { apiRoot: "http://127.0.0.1:9" } });
    const down = createTelegramPublisher({ api: offline.api, locale: "en", secrets: [TOKEN] });
    const network = (await down.send(CHANNEL, payload!, sendOptions("k5")).catch((e: unknown) => e)) as PublishError;
    expect(network.kind).toBe("transient");
    expect(network.message).toContain("network error");
    expect(network.message).toContain("[redacted]"); // the fetch error quoted the URL; the token in it is gone
    for (const e of [kicked as PublishError, limited, network]) expect(`${e.message} ${e.stack}`).not.toContain(TOKEN);
    expect(f.logs.join("\n")).not.toContain(TOKEN);
  });
});
