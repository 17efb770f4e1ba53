// Telegram updates: a flood in one chat does not hold another chat's answer, and each chat is answered in order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFixture, stopFixture, TOKEN, type Fixture } from "./fixture.js";

const FLOODED = -100333;
const OTHER = -100334;
const FLOOD = 40;

describe("Telegram: chats are answered concurrently, each in order", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture("test/fixtures/digests", "2026-02-21T00:10:00Z");
  });
  afterAll(async () => {
    await stopFixture(f);
  });

  it("40 commands flooded into one group do not delay another chat's /help", async () => {
    const flooder = f.tg.client(TOKEN, { userId: 61, chatId: FLOODED, type: "supergroup", chatTitle: "Flood" });
    for (let i = 0; i < FLOOD; i++) await flooder.sendCommand(flooder.makeCommand(`/search sparse page:${(i % 2) + 1}`));
    const other = f.tg.client(TOKEN, { userId: 62, chatId: OTHER, type: "supergroup", chatTitle: "Other" });
    await other.sendCommand(other.makeCommand("/help"));
    await f.tg.waitForCalls("sendMessage", FLOOD, (c) => Number(c.params.chat_id) === FLOODED, 30_000);
    await f.tg.waitForCall("sendMessage", (c) => Number(c.params.chat_id) === OTHER, 30_000);

    const replies = f.tg.calls("sendMessage").filter((c) => [FLOODED, OTHER].includes(Number(c.params.chat_id)));
    const otherAt = replies.findIndex((c) => Number(c.params.chat_id) === OTHER);
    // Handled one update at a time, /help (sent last) would be answered after all 40.
    expect(otherAt).toBeLessThan(FLOOD / 2);
    // The flooded chat's answers quote its commands (ids given in the order they were sent) in that order.
    const quoted = replies
      .filter((c) => Number(c.params.chat_id) === FLOODED)
      .map((c) => (c.params.reply_parameters as { message_id: number }).message_id);
    expect(quoted).toHaveLength(FLOOD);
    expect(quoted).toEqual([...quoted].sort((a, b) => a - b));
    expect(new Set(quoted).size).toBe(FLOOD);
  });
});
