// End to end: forum topics as targets — /subscribe there, silent pinned posts in the topic, corrections, closed and deleted topics.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REVISION_DATE, revisionDigest, untilRevisionsSettled } from "../core/delivery/revision-fixture.js";
import { TELEGRAM_MESSAGE_LIMIT } from "../../src/telegram/telegram-html.js";
import { testBackends } from "../core/storage/backends.js";
import { CHANNEL, GROUP, startFixture, stopFixture, TOKEN, type Fixture } from "./fixture.js";
import { checkTelegramHtml } from "./html-check.js";
import type { RecordedCall } from "./harness.js";

const NEXT_DATE = "2026-03-03";
const THIRD_DATE = "2026-03-04";
const ADMIN = 77;
const TOPIC = 45;
const CLOSED = 46;
const DELETED = 47;
/** A topic of another forum given in TELEGRAM_CHAT_IDS. */
const SETTINGS_FORUM = -100666;
const SETTINGS_TOPIC = 48;
const inGroup = (c: RecordedCall) => String(c.params.chat_id) === String(GROUP);
const text = (c: RecordedCall) => String(c.params.text ?? "");

let f: Fixture;
let source: string;
let nextMessageId = 5000;

/** A command written by the group's admin in a topic (or, without one, in the General topic). */
async function ask(line: string, thread?: number, answer?: RegExp): Promise<RecordedCall> {
  const seen = new Set(f.tg.calls("sendMessage"));
  const command = line.split(" ")[0]!;
  f.tg.pushUpdate(TOKEN, {
    message: {
      message_id: nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: GROUP, type: "supergroup", title: "AI forum", is_forum: true },
      from: { id: ADMIN, is_bot: false, first_name: "Admin" },
      text: line,
      entities: [{ type: "bot_command", offset: 0, length: command.length }],
      ...(thread === undefined ? {} : { is_topic_message: true, message_thread_id: thread }),
    },
  });
  return f.tg.waitForCall("sendMessage", (c) => !seen.has(c) && inGroup(c) && c.status === 200 && (!answer || answer.test(text(c))), 10_000);
}

/** Ticks the engine at `iso` and returns the Bot API calls it made to the group. */
async function deliverAt(iso: string): Promise<RecordedCall[]> {
  const mark = f.tg.calls().length;
  f.clock.now = new Date(iso);
  await f.app.delivery.tick();
  return f.tg.calls().slice(mark).filter(inGroup);
}

function expectValid(calls: RecordedCall[]) {
  for (const c of calls.filter((x) => x.method === "sendMessage" || x.method === "editMessageText")) {
    const check = checkTelegramHtml(text(c));
    expect(check.problems).toEqual([]);
    expect(check.plain.length).toBeLessThanOrEqual(TELEGRAM_MESSAGE_LIMIT);
  }
  expect(f.tg.htmlViolations).toEqual([]);
}

describe.each(testBackends())("Telegram forum topics, state on %s", (backend) => {
  beforeAll(async () => {
    source = mkdtempSync(join(tmpdir(), "digest-bot-tg-topics-"));
    writeFileSync(join(source, `${REVISION_DATE}.md`), revisionDigest());
    const env = { REVISION_QUIET_SECONDS: "0", TELEGRAM_CHAT_IDS: `${CHANNEL},${SETTINGS_FORUM}:${SETTINGS_TOPIC}` };
    f = await startFixture(source, `${REVISION_DATE}T00:30:00Z`, env, { backend });
    f.tg.setForum(SETTINGS_FORUM, { [SETTINGS_TOPIC]: "open" });
    f.tg.setChatAdmins(GROUP, [ADMIN]);
    f.tg.setForum(GROUP, { [TOPIC]: "open", [CLOSED]: "open", [DELETED]: "open" });
    await f.app.start();
  });

  afterAll(async () => {
    await stopFixture(f);
    rmSync(source, { recursive: true, force: true });
  });

  describe("topics", () => {
    it("/subscribe in a topic subscribes that topic, not the chat, and answers in the topic", async () => {
      const reply = await ask("/subscribe", TOPIC);
      expect(text(reply)).toContain("✅ Subscribed");
      expect(reply.params.message_thread_id).toBe(TOPIC);
      await ask("/subscribe", CLOSED);
      await ask("/subscribe", DELETED);
      const targets = (await f.app.delivery.status()).targets.map((t) => t.targetId).filter((id) => id.startsWith(String(GROUP)));
      expect(targets.sort()).toEqual([`${GROUP}:${TOPIC}`, `${GROUP}:${CLOSED}`, `${GROUP}:${DELETED}`]);
      // The same admin in the General topic: answered there (no thread id), the chat itself is not subscribed.
      const general = await ask("/status");
      expect(general.params.message_thread_id).toBeUndefined();
      expect(text(general)).toContain(`telegram ${GROUP}:${TOPIC}`);
    });

    it("a silent, pinned topic gets every message in the topic without a notification, then the header pinned once", async () => {
      const subscribed = await ask("/subscribe silent:true pin:true preview:true", TOPIC);
      expect(subscribed.params.message_thread_id).toBe(TOPIC);
      expect((await f.app.storage.subscriptions.get("telegram", `${GROUP}:${TOPIC}`))!.options).toEqual({ silent: true, pin: true, linkPreview: true });
      // The chat itself and the other topics keep their defaults.
      expect((await f.app.storage.subscriptions.get("telegram", `${GROUP}:${CLOSED}`))!.options).toBeUndefined();
      f.tg.setTopic(GROUP, CLOSED, "closed");
      f.tg.setTopic(GROUP, DELETED, "deleted");
      const calls = await deliverAt(`${REVISION_DATE}T01:00:30Z`);
      const posts = calls.filter((c) => c.method === "sendMessage" && c.status === 200);
      expect(posts.length).toBeGreaterThan(1);
      for (const p of posts) {
        expect(p.params.message_thread_id).toBe(TOPIC);
        expect(p.params.disable_notification).toBe(true);
      }
      // The header previews the lead story; the other messages keep previews off.
      expect(posts[0]!.params.link_preview_options).toEqual({ is_disabled: false, url: "https://example.com/story/1-1", prefer_small_media: true });
      for (const p of posts.slice(1)) expect(p.params.link_preview_options).toEqual({ is_disabled: true });
      const header = (posts[0]!.response as { result: { message_id: number } }).result.message_id;
      const pins = calls.filter((c) => c.method === "pinChatMessage");
      expect(pins.map((c) => c.params)).toEqual([{ chat_id: GROUP, message_id: header, disable_notification: true }]);
      expect(pins[0]!.status).toBe(200);
      // After the header (after the whole post, so the pin notice never splits it); nothing to unpin on the first day.
      expect(calls.indexOf(pins[0]!)).toBeGreaterThan(calls.indexOf(posts.at(-1)!));
      expect(calls.filter((c) => c.method === "unpinChatMessage")).toEqual([]);
      expect(f.tg.pinned(GROUP)).toEqual([header]);
      expect(f.tg.liveMessages(GROUP).filter((m) => m.threadId === TOPIC && m.silent).length).toBe(posts.length);
      // A topic given in TELEGRAM_CHAT_IDS gets the post in that topic (with the defaults: not silent, not pinned).
      const settings = f.tg.calls("sendMessage").filter((c) => String(c.params.chat_id) === String(SETTINGS_FORUM));
      expect(settings.length).toBe(posts.length);
      for (const p of settings) expect([p.status, p.params.message_thread_id, p.params.disable_notification]).toEqual([200, SETTINGS_TOPIC, undefined]);
      expect(f.tg.pinned(SETTINGS_FORUM)).toEqual([]);
      expectValid(calls);
    });

    it("a closed and a deleted topic disable their subscription with the reason, shown in /status", async () => {
      const subs = await f.app.delivery.status();
      const closed = subs.targets.find((t) => t.targetId === `${GROUP}:${CLOSED}`)!;
      const deleted = subs.targets.find((t) => t.targetId === `${GROUP}:${DELETED}`)!;
      expect(closed.enabled).toBe(false);
      expect(closed.disabledReason).toBe(
        `telegram sendMessage to ${GROUP}:${CLOSED}: Bad Request: TOPIC_CLOSED (400); the forum topic is closed; reopen it (or use another topic), then /subscribe in it again`,
      );
      expect(deleted.enabled).toBe(false);
      expect(deleted.disabledReason).toBe(
        `telegram sendMessage to ${GROUP}:${DELETED}: Bad Request: message thread not found (400); the forum topic was deleted or its id is wrong; /subscribe in a topic that exists`,
      );
      const status = text(await ask("/status", TOPIC));
      expect(status).toContain("TOPIC_CLOSED");
      expect(status).toContain("the forum topic is closed; reopen it");
      expect(status).toContain("message thread not found");
      // The open topic is unaffected.
      expect(subs.targets.find((t) => t.targetId === `${GROUP}:${TOPIC}`)!.enabled).toBe(true);
    });

    it("a correction edits the messages in the topic by chat and message id, the header keeping its preview; an extra message goes to the topic", async () => {
      // The daily post's messages (silent), not the command answers in the same topic.
      const post = () => f.tg.liveMessages(GROUP).filter((m) => m.threadId === TOPIC && m.silent);
      const before = post();
      const preview = before[0]!.link_preview_options;
      const mark = f.tg.calls().length;
      // A late story changes the header's story count: the header itself is edited.
      writeFileSync(join(f.dir, "digests", `${REVISION_DATE}.md`), revisionDigest({ fixTypo: true, addStories: 25 }));
      await f.app.archive.reload();
      await untilRevisionsSettled(f.app.storage, 1);
      const calls = f.tg.calls().slice(mark).filter(inGroup);
      const edits = calls.filter((c) => c.method === "editMessageText");
      expect(edits.length).toBeGreaterThan(0);
      for (const e of edits) {
        expect(e.status).toBe(200);
        expect(e.params.message_thread_id).toBeUndefined();
        expect(before.map((m) => m.messageId)).toContain(e.params.message_id);
        expect(e.params.link_preview_options).toEqual(e.params.message_id === before[0]!.messageId ? preview : { is_disabled: true });
        // Daily posts have no buttons: the edit says so, rather than leaving whatever the message had.
        expect(e.params.reply_markup).toEqual({ inline_keyboard: [] });
      }
      expect(edits.map((e) => e.params.message_id)).toContain(before[0]!.messageId);
      const extra = calls.filter((c) => c.method === "sendMessage");
      expect(extra.length).toBeGreaterThan(0);
      for (const p of extra) expect([p.status, p.params.message_thread_id, p.params.disable_notification]).toEqual([200, TOPIC, true]);
      const after = post();
      expect(after.slice(0, before.length).map((m) => m.messageId)).toEqual(before.map((m) => m.messageId));
      expect(after[0]!.link_preview_options).toEqual(preview);
      expect(after[0]!.text).toContain("30");
      for (const m of after.slice(1)) expect(m.link_preview_options).toEqual({ is_disabled: true });
      // A correction pins nothing: the header stays the pinned message.
      expect(calls.filter((c) => c.method === "pinChatMessage" || c.method === "unpinChatMessage")).toEqual([]);
      expectValid(calls);
    });

    it("the next day's header is pinned and the previous day's unpinned, quietly, once each", async () => {
      const [yesterday] = f.tg.pinned(GROUP);
      writeFileSync(join(f.dir, "digests", `${NEXT_DATE}.md`), revisionDigest().replace(`AI digest ${REVISION_DATE}`, `AI digest ${NEXT_DATE}`));
      await f.app.archive.reload();
      const calls = await deliverAt(`${NEXT_DATE}T01:00:30Z`);
      const posts = calls.filter((c) => c.method === "sendMessage" && c.status === 200);
      expect(posts.length).toBeGreaterThan(1);
      for (const p of posts) expect([p.params.message_thread_id, p.params.disable_notification]).toEqual([TOPIC, true]);
      const header = (posts[0]!.response as { result: { message_id: number } }).result.message_id;
      const pinning = calls.filter((c) => c.method === "pinChatMessage" || c.method === "unpinChatMessage");
      expect(pinning.map((c) => [c.method, c.params])).toEqual([
        ["pinChatMessage", { chat_id: GROUP, message_id: header, disable_notification: true }],
        ["unpinChatMessage", { chat_id: GROUP, message_id: yesterday }],
      ]);
      expect(f.tg.pinned(GROUP)).toEqual([header]);
      expectValid(calls);
    });

    it('without the "Pin messages" right the post still goes out, unpinned, the refusal recorded and the subscription kept', async () => {
      const [yesterday] = f.tg.pinned(GROUP);
      f.tg.setPinRight(GROUP, false);
      writeFileSync(join(f.dir, "digests", `${THIRD_DATE}.md`), revisionDigest().replace(`AI digest ${REVISION_DATE}`, `AI digest ${THIRD_DATE}`));
      await f.app.archive.reload();
      const calls = await deliverAt(`${THIRD_DATE}T01:00:30Z`);
      expect(calls.filter((c) => c.method === "sendMessage" && c.status === 200).length).toBeGreaterThan(1);
      const pins = calls.filter((c) => c.method === "pinChatMessage");
      expect(pins.map((c) => c.status)).toEqual([400]);
      expect(calls.filter((c) => c.method === "unpinChatMessage")).toEqual([]);
      expect(f.tg.pinned(GROUP)).toEqual([yesterday]);
      const target = (await f.app.delivery.status()).targets.find((t) => t.targetId === `${GROUP}:${TOPIC}`)!;
      expect(target.enabled).toBe(true);
      expect(target.lastDelivery?.date).toBe(THIRD_DATE);
      expect(target.lastDelivery?.pinError).toContain('not enough rights to manage pinned messages in the chat (400); make the bot an admin with the "Pin messages" right');
      // /status in the topic (answered there) shows the topic's options and why the header is not pinned.
      const status = await ask("/status", TOPIC);
      expect(status.params.message_thread_id).toBe(TOPIC);
      expect(text(status)).toContain(`not pinned: telegram pinChatMessage in ${GROUP}:${TOPIC}: Bad Request: not enough rights to manage pinned messages in the chat (400); make the bot an admin with the &quot;Pin messages&quot; right`);
    });

    it("/unsubscribe in a topic removes that topic only; the header it pinned cannot be unpinned without the right, and the answer says so", async () => {
      const [pinned] = f.tg.pinned(GROUP);
      const mark = f.tg.calls().length;
      expect(text(await ask("/unsubscribe", TOPIC))).toBe(
        `⚠️ Unsubscribed: this channel no longer gets the digest.\nThe digest header the bot pinned here is still pinned; unpin it by hand (telegram unpinChatMessage in ${GROUP}:${TOPIC}: Bad Request: not enough rights to manage pinned messages in the chat (400); make the bot an admin with the &quot;Pin messages&quot; right (in a channel: &quot;Edit messages of others&quot;)).`,
      );
      expect(f.tg.calls().slice(mark).filter((c) => c.method === "unpinChatMessage").map((c) => [c.params, c.status])).toEqual([[{ chat_id: GROUP, message_id: pinned }, 400]]);
      expect(f.tg.pinned(GROUP)).toEqual([pinned]);
      const targets = (await f.app.delivery.status()).targets.map((t) => t.targetId);
      expect(targets).not.toContain(`${GROUP}:${TOPIC}`);
      expect(targets).toContain(`${GROUP}:${CLOSED}`);
      expect(targets).toContain(`${SETTINGS_FORUM}:${SETTINGS_TOPIC}`);
      // The group itself was never subscribed: /unsubscribe in General says so.
      expect(text(await ask("/unsubscribe"))).toMatch(/not subscribed/i);
    });
  });
});
