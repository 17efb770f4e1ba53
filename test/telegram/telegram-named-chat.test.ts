// A public group or channel given as @name (TELEGRAM_CHAT_IDS) is the same chat as its numeric id: commands there act on the @name target, never add a second.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testBackends } from "../core/storage/backends.js";
import { GROUP, startFixture, stopFixture, TOKEN, type Fixture } from "./fixture.js";
import type { RecordedCall } from "./harness.js";

const ADMIN = 78;
const TOPIC = 45;
let f: Fixture;
let nextMessageId = 7000;

/** A command written by the group's admin in the public forum t.me/ai_forum (in a topic, or in General). */
async function ask(line: string, thread?: number): Promise<RecordedCall> {
  const seen = new Set(f.tg.calls("sendMessage"));
  f.tg.pushUpdate(TOKEN, {
    message: {
      message_id: nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: GROUP, type: "supergroup", title: "AI forum", username: "ai_forum", is_forum: true },
      from: { id: ADMIN, is_bot: false, first_name: "Admin" },
      text: line,
      entities: [{ type: "bot_command", offset: 0, length: line.split(" ")[0]!.length }],
      ...(thread === undefined ? {} : { is_topic_message: true, message_thread_id: thread }),
    },
  });
  return f.tg.waitForCall("sendMessage", (c) => !seen.has(c) && String(c.params.chat_id) === String(GROUP) && c.status === 200, 10_000);
}
const targets = async () => (await f.app.storage.subscriptions.list()).filter((s) => s.platform === "telegram").map((s) => [s.targetId, s.enabled]);

describe.each(testBackends())("a chat subscribed by its @name, state on %s", (backend) => {
  beforeAll(async () => {
    f = await startFixture("test/fixtures/sample", "2026-02-18T00:50:00Z", { TELEGRAM_CHAT_IDS: `@AI_Forum:${TOPIC}` }, { backend });
    f.tg.setChatAdmins(GROUP, [ADMIN]);
    f.tg.setForum(GROUP, { [TOPIC]: "open" });
  });
  afterAll(async () => {
    await stopFixture(f);
  });

  it("/subscribe in that topic sets the @name target's options instead of subscribing the topic a second time", async () => {
    const answer = await ask("/subscribe silent:true", TOPIC);
    expect(answer.params.message_thread_id).toBe(TOPIC);
    expect(await targets()).toEqual([[`@AI_Forum:${TOPIC}`, true]]);
    expect((await f.app.storage.subscriptions.get("telegram", `@AI_Forum:${TOPIC}`))?.options).toMatchObject({ silent: true });
  });

  it("/subscribe in General (the chat itself, not subscribed by name) adds the chat; /unsubscribe in the topic turns the @name target off", async () => {
    await ask("/subscribe");
    await ask("/unsubscribe", TOPIC);
    expect(await targets()).toEqual(expect.arrayContaining([[`@AI_Forum:${TOPIC}`, false], [String(GROUP), true]]));
    expect(await targets()).toHaveLength(2);
  });
});
