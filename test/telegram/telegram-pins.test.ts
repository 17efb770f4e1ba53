// The Telegram publisher's pin step and topic sends through the real grammY client: exact requests, and each Bot API refusal sorted.
import { Bot } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PublishError, type Publisher } from "../../src/core/delivery/publisher.js";
import { createTelegramPublisher } from "../../src/telegram/telegram-publisher.js";
import type { TelegramMessage } from "../../src/telegram/telegram-render.js";
import { startTelegramHarness, type TelegramHarness } from "./harness.js";

const TOKEN = "123456:TEST-pins-token-abcdefghijklmnop";
const FORUM = -100777;
const CHANNEL = -100888;
const signal = new AbortController().signal;
const post = { date: "2026-03-02", header: [{ title: "Models", storyCount: 1 }], sections: [] };

describe("Telegram pins and topic sends", () => {
  let tg: TelegramHarness;
  let publisher: Publisher<TelegramMessage>;
  beforeAll(async () => {
    tg = await startTelegramHarness();
    tg.setForum(FORUM, { 45: "open" });
    publisher = createTelegramPublisher({ api: new Bot(TOKEN, { client: { apiRoot: tg.apiRoot } }).api, locale: "en", secrets: [TOKEN] });
  });
  afterAll(async () => {
    await tg.close();
  });

  const sendHeader = async (target: string) => {
    const [header] = publisher.planDailyPost(post, { silent: true });
    return Number((await publisher.send(target, header!, { idempotencyKey: "k", signal })).messageId);
  };
  const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as PublishError);

  it("sends to a topic with its thread id and the planned flags; the General topic is the chat without one", async () => {
    await sendHeader(`${FORUM}:45`);
    await sendHeader(String(FORUM));
    const [topic, general] = tg.calls("sendMessage").slice(-2);
    expect(topic!.params).toMatchObject({ chat_id: FORUM, message_thread_id: 45, disable_notification: true, link_preview_options: { is_disabled: true } });
    expect(general!.params.chat_id).toBe(FORUM);
    expect(general!.params.message_thread_id).toBeUndefined();
  });

  it("pins quietly, then unpins the previous header; an already unpinned one is fine", async () => {
    const first = await sendHeader(`${FORUM}:45`);
    const second = await sendHeader(`${FORUM}:45`);
    const mark = tg.calls().length;
    await publisher.pin!(`${FORUM}:45`, String(first), { signal });
    await publisher.pin!(`${FORUM}:45`, String(second), { unpin: String(first), signal });
    expect(tg.calls().slice(mark).map((c) => [c.method, c.params, c.status])).toEqual([
      ["pinChatMessage", { chat_id: FORUM, message_id: first, disable_notification: true }, 200],
      ["pinChatMessage", { chat_id: FORUM, message_id: second, disable_notification: true }, 200],
      ["unpinChatMessage", { chat_id: FORUM, message_id: first }, 200],
    ]);
    expect(tg.pinned(FORUM)).toEqual([second]);
    // Yesterday's header was unpinned by an admin already ("message to unpin not found"): nothing is wrong.
    const third = await sendHeader(`${FORUM}:45`);
    await publisher.pin!(`${FORUM}:45`, String(third), { unpin: String(first), signal });
    expect(tg.calls("unpinChatMessage").at(-1)!.response).toMatchObject({ ok: false, description: "Bad Request: message to unpin not found" });
    expect(tg.pinned(FORUM)).toEqual([second, third]);
  });

  it("unpin (an unsubscribe): the header is unpinned; one already unpinned or deleted is fine; no right is permanent, naming it", async () => {
    const header = await sendHeader(`${FORUM}:45`);
    await publisher.pin!(`${FORUM}:45`, String(header), { signal });
    const mark = tg.calls().length;
    await publisher.unpin!(`${FORUM}:45`, String(header), { signal });
    expect(tg.calls().slice(mark).map((c) => [c.method, c.params, c.status])).toEqual([["unpinChatMessage", { chat_id: FORUM, message_id: header }, 200]]);
    expect(tg.pinned(FORUM)).not.toContain(header);
    await publisher.unpin!(`${FORUM}:45`, String(header), { signal });
    expect(tg.calls("unpinChatMessage").at(-1)!.response).toMatchObject({ ok: false, description: "Bad Request: message to unpin not found" });
    tg.setPinRight(CHANNEL, false);
    const error = await failure(publisher.unpin!(String(CHANNEL), "1", { signal }));
    expect([error!.kind, error!.message]).toEqual([
      "permanent",
      // An unsubscribe's unpin: "/subscribe pin:false" would subscribe the chat again, so it is not suggested.
      `telegram unpinChatMessage in ${CHANNEL}: Bad Request: not enough rights to manage pinned messages in the chat (400); make the bot an admin with the "Pin messages" right (in a channel: "Edit messages of others")`,
    ]);
    tg.setPinRight(CHANNEL, true);
  });

  it("today's header deleted before the pin: nothing to pin, the previous pin still replaced", async () => {
    const old = tg.pinned(FORUM).at(-1)!;
    const gone = await sendHeader(`${FORUM}:45`);
    tg.deleteAsAdmin(FORUM, gone);
    await publisher.pin!(`${FORUM}:45`, String(gone), { unpin: String(old), signal });
    expect(tg.calls("pinChatMessage").at(-1)!.response).toMatchObject({ description: "Bad Request: message to pin not found" });
    expect(tg.pinned(FORUM)).not.toContain(old);
  });

  it("without the pin right: a permanent error naming the right, in a group and a channel", async () => {
    tg.setPinRight(CHANNEL, false);
    const header = await sendHeader(String(CHANNEL));
    const error = await failure(publisher.pin!(String(CHANNEL), String(header), { signal }));
    expect(error).toBeInstanceOf(PublishError);
    expect(error!.kind).toBe("permanent");
    expect(error!.message).toBe(
      `telegram pinChatMessage in ${CHANNEL}: Bad Request: not enough rights to manage pinned messages in the chat (400); make the bot an admin with the "Pin messages" right (in a channel: "Edit messages of others"), or /subscribe pin:false there`,
    );
    expect(tg.pinned(CHANNEL)).toEqual([]);
  });

  it("sorts a closed or deleted topic as permanent, and a 5xx on pin as transient", async () => {
    tg.setTopic(FORUM, 46, "closed");
    const [header] = publisher.planDailyPost(post);
    const closed = await failure(publisher.send(`${FORUM}:46`, header!, { idempotencyKey: "k", signal }));
    expect([closed!.kind, closed!.message]).toEqual([
      "permanent",
      `telegram sendMessage to ${FORUM}:46: Bad Request: TOPIC_CLOSED (400); the forum topic is closed; reopen it (or use another topic), then /subscribe in it again`,
    ]);
    const unknown = await failure(publisher.send(`${FORUM}:99`, header!, { idempotencyKey: "k", signal }));
    expect(unknown!.kind).toBe("permanent");
    expect(unknown!.message).toContain("Bad Request: message thread not found (400); the forum topic was deleted or its id is wrong");
    tg.failNext("pinChatMessage", { error_code: 502, description: "Bad Gateway" });
    const bad = await failure(publisher.pin!(`${FORUM}:45`, "1", { signal }));
    expect(bad!.kind).toBe("transient");
  });

  it("a basic group upgraded to a supergroup: permanent, naming the new id and both ways to follow it", async () => {
    tg.failNext("sendMessage", { error_code: 400, description: "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id: -1009990001 });
    const [header] = publisher.planDailyPost(post);
    const moved = await failure(publisher.send("-4242", header!, { idempotencyKey: "k", signal }));
    expect([moved!.kind, moved!.message]).toEqual([
      "permanent",
      "telegram sendMessage to -4242: the group was upgraded to a supergroup, whose id is -1009990001 (Bad Request: group chat was upgraded to a supergroup chat); run /subscribe in the group again, or put -1009990001 in TELEGRAM_CHAT_IDS in place of -4242",
    ]);
  });

  it("a 429 on pinChatMessage is rate-limited with Telegram's wait, so the pin is retried later", async () => {
    tg.failNext("pinChatMessage", { error_code: 429, description: "Too Many Requests: retry after 9", retry_after: 9 });
    const header = await sendHeader(`${FORUM}:45`);
    const limited = await failure(publisher.pin!(`${FORUM}:45`, String(header), { signal }));
    expect([limited!.kind, limited!.retryAfterMs]).toEqual(["rate-limited", 9000]);
    expect(tg.pinned(FORUM)).not.toContain(header);
  });
});
