// A basic group upgraded to a supergroup (Telegram's migrate_to_chat_id service message): the /subscribe'd subscription follows the new id.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testBackends } from "../core/storage/backends.js";
import { basicGroup as group, startFixture, stopFixture, TOKEN, type Fixture, untilDefined as until } from "./fixture.js";

const ADMIN = 79;
const OLD = -4242;
const NEW = -1009990001;
const SETTINGS_GROUP = -5151;
let f: Fixture;
let nextMessageId = 8000;

const subscriptionOf = (id: number) => f.app.storage.subscriptions.get("telegram", String(id));

describe.each(testBackends())("a group upgraded to a supergroup, state on %s", (backend) => {
  beforeAll(async () => {
    f = await startFixture("test/fixtures/sample", "2026-02-18T00:50:00Z", { TELEGRAM_CHAT_IDS: String(SETTINGS_GROUP) }, { backend });
    f.tg.setChatAdmins(OLD, [ADMIN]);
  });
  afterAll(async () => {
    await stopFixture(f);
  });

  it("moves a /subscribe'd group's subscription, with its options, to the supergroup's id", async () => {
    const line = "/subscribe silent:true pin:true";
    f.tg.pushUpdate(TOKEN, {
      message: { message_id: nextMessageId++, date: 0, chat: group(OLD), from: { id: ADMIN, is_bot: false, first_name: "A" }, text: line, entities: [{ type: "bot_command", offset: 0, length: 10 }] },
    });
    await until(async () => (await subscriptionOf(OLD))?.options?.pin ? true : undefined);
    f.tg.pushUpdate(TOKEN, { message: { message_id: nextMessageId++, date: 0, chat: group(OLD), from: { id: ADMIN, is_bot: false, first_name: "A" }, migrate_to_chat_id: NEW } });
    const moved = await until(() => subscriptionOf(NEW));
    expect([moved.enabled, moved.source, moved.options]).toEqual([true, "command", expect.objectContaining({ silent: true, pin: true })]);
    expect(await subscriptionOf(OLD)).toBeUndefined();
  });

  it("leaves a TELEGRAM_CHAT_IDS group in place and logs the setting to change", async () => {
    f.tg.pushUpdate(TOKEN, { message: { message_id: nextMessageId++, date: 0, chat: group(SETTINGS_GROUP), migrate_to_chat_id: NEW - 1 } });
    await until(async () => (f.logs.some((l) => l.includes(`put ${NEW - 1} in TELEGRAM_CHAT_IDS in place of ${SETTINGS_GROUP}`)) ? true : undefined));
    expect((await subscriptionOf(SETTINGS_GROUP))?.source).toBe("settings");
    expect(await subscriptionOf(NEW - 1)).toBeUndefined();
  });
});
