// Tenants kept apart on Telegram: a chat's admins (and channel posts) act on that chat only; global actions are the operators'.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedCall } from "./harness.js";
import { testBackends } from "../core/storage/backends.js";
import { ADMIN_ID, CHANNEL, startFixture, stopFixture, TOKEN, type Fixture } from "./fixture.js";

const text = (c: RecordedCall) => String(c.params.text ?? "");
const GROUP_B = -100444;
const B_ADMIN = 51;
const OPERATOR_ONLY =
  "/repost all:true reaches every subscription, so only the bot's operators can use it; group and server admins manage their own subscriptions.";

describe.each(testBackends())("Telegram: a chat's admins act on their own chat only, state on %s", (backend) => {
  let f: Fixture;
  beforeAll(async () => {
    // Before the day's 09:00 Shanghai slot: nothing goes out on schedule during the test.
    f = await startFixture("test/fixtures/digests", "2026-02-21T00:10:00Z", {}, { backend });
    await f.app.start();
    f.tg.setChatAdmins(GROUP_B, [B_ADMIN]);
  });
  afterAll(async () => {
    await stopFixture(f);
  });

  const sentTo = (chat: number | string) => f.tg.calls("sendMessage").filter((c) => String(c.params.chat_id) === String(chat) && c.status === 200);

  /** The bot's first answer in `chatId` after the command (or the first whose text matches `answer`). */
  async function ask(line: string, userId: number, chatId: number, type: "private" | "supergroup", answer?: RegExp) {
    const seen = new Set(f.tg.calls("sendMessage"));
    const user = f.tg.client(TOKEN, { userId, chatId, type, chatTitle: "Tenant B" });
    await user.sendCommand(user.makeCommand(line));
    return text(await f.tg.waitForCall("sendMessage", (c) => !seen.has(c) && c.status === 200 && Number(c.params.chat_id) === chatId && (!answer || answer.test(text(c))), 10_000));
  }

  /** A channel post: no `from`, whoever can post in a channel is one of its admins. */
  async function channelPost(line: string, chatId: string) {
    const seen = new Set(f.tg.calls("sendMessage"));
    const command = line.split(" ")[0]!;
    f.tg.pushUpdate(TOKEN, {
      channel_post: { message_id: Math.floor(Math.random() * 1e6), chat: { id: Number(chatId), type: "channel", title: "News" }, date: 0, text: line, entities: [{ type: "bot_command", offset: 0, length: command.length }] },
    });
    return text(await f.tg.waitForCall("sendMessage", (c) => !seen.has(c) && c.status === 200 && String(c.params.chat_id) === chatId, 10_000));
  }

  it("/status from another group's admin shows only that group", async () => {
    const before = await ask("/status", B_ADMIN, GROUP_B, "supergroup");
    expect(before).toContain("No delivery targets yet");
    expect(before).not.toContain(CHANNEL);
    expect(await ask("/subscribe", B_ADMIN, GROUP_B, "supergroup")).toContain("✅ Subscribed");
    const after = await ask("/status", B_ADMIN, GROUP_B, "supergroup");
    expect(after).toContain(`telegram ${GROUP_B}`);
    expect(after).not.toContain(CHANNEL);
  });

  it("/repost all:true from another group's admin is refused and posts into no other chat", async () => {
    const channelBefore = sentTo(CHANNEL).length;
    const reply = await ask("/repost all:true", B_ADMIN, GROUP_B, "supergroup");
    expect(reply).toContain(OPERATOR_ONLY);
    expect(sentTo(CHANNEL).length).toBe(channelBefore);
  });

  it("/repost from a group's admin posts only into that group", async () => {
    const channelBefore = sentTo(CHANNEL).length;
    // The digest itself goes into the group first, then the confirmation.
    const reply = await ask("/repost", B_ADMIN, GROUP_B, "supergroup", /Reposted/);
    expect(reply).toMatch(/Reposted the 2026-02-21 digest: \d+ messages? to 1 target\./);
    expect(sentTo(CHANNEL).length).toBe(channelBefore);
  });

  it("a channel post (no from) in a subscribed channel cannot act globally nor see other chats", async () => {
    const groupBefore = sentTo(GROUP_B).length;
    expect(await channelPost("/repost all:true", CHANNEL)).toContain(OPERATOR_ONLY);
    expect(sentTo(GROUP_B).length).toBe(groupBefore);
    const status = await channelPost("/status", CHANNEL);
    expect(status).toContain(`telegram ${CHANNEL}`);
    expect(status).not.toContain(String(GROUP_B));
  });

  it("the operator (TELEGRAM_ADMIN_IDS) sees every target and reposts to all of them", async () => {
    const status = await ask("/status", ADMIN_ID, ADMIN_ID, "private");
    expect(status).toContain(`telegram ${CHANNEL}`);
    expect(status).toContain(`telegram ${GROUP_B}`);
    const before = { channel: sentTo(CHANNEL).length, group: sentTo(GROUP_B).length };
    expect(await ask("/repost all:true", ADMIN_ID, ADMIN_ID, "private", /Reposted/)).toMatch(/to 2 targets\./);
    expect(sentTo(CHANNEL).length).toBeGreaterThan(before.channel);
    expect(sentTo(GROUP_B).length).toBeGreaterThan(before.group);
  });

  it("/unsubscribe from the group's admin removes only that group", async () => {
    expect(await ask("/unsubscribe", B_ADMIN, GROUP_B, "supergroup")).toContain("Unsubscribed");
    const targets = (await f.app.delivery.status()).targets.map((t) => `${t.targetId}:${t.enabled}`);
    expect(targets).toEqual([`${CHANNEL}:true`]);
  });
});
