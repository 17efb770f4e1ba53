// A clean stop: the bot stops taking updates at once, answers the one in hand, and leaves the rest for the next start.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFixture, stopFixture, type Fixture } from "./fixture.js";

const command = (messageId: number, text: string) => ({
  message: {
    message_id: messageId,
    from: { id: 7, is_bot: false, first_name: "R" },
    chat: { id: 7, type: "private", first_name: "R" },
    date: 0,
    text,
    entities: [{ type: "bot_command", offset: 0, length: text.split(" ")[0]!.length }],
  },
});

describe("telegram stop", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture("test/fixtures/sample", "2026-02-18T00:50:00Z");
  });
  afterAll(async () => {
    await stopFixture(f);
  });

  it("answers the update in hand, starts none of those queued behind it, and logs how many were dropped", async () => {
    const held = f.tg.holdNext("sendMessage");
    const before = f.tg.calls("getUpdates").length;
    // Three commands arrive in one getUpdates batch.
    for (const [i, text] of ["/sections", "/help", "/digest"].entries()) f.tg.pushUpdate(f.app.config.TELEGRAM_BOT_TOKEN!, command(500 + i, text));
    await held.arrived; // the first answer is on its way when the signal comes

    let drained = false;
    const drain = f.telegram.drain().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(drained).toBe(false); // still finishing the answer in hand
    held.release();
    await drain;

    const batch = f.tg
      .calls("getUpdates")
      .slice(before)
      .map((c) => (c.response as { result: { update_id: number; message?: { text: string } }[] }).result)
      .find((r) => r.length === 3)!;
    expect(batch.map((u) => u.message?.text)).toEqual(["/sections", "/help", "/digest"]);
    const answers = f.tg.calls("sendMessage").filter((c) => Number(c.params.chat_id) === 7);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.status).toBe(200);
    expect(String(answers[0]!.params.text)).toContain("Sections of the 2026-02-18 digest");
    // /help and /digest were queued behind /sections in the same chat (chats are answered concurrently, so the
    // batch was confirmed as it was queued): they are not started, and the stop says so.
    expect(f.logs.join("\n")).toContain('"dropped":2');
    expect(f.logs.join("\n")).toContain("commands queued behind a slower one in the same chat were dropped at the stop");
    await new Promise((r) => setTimeout(r, 100));
    expect(f.tg.calls("sendMessage").filter((c) => Number(c.params.chat_id) === 7)).toHaveLength(1);
  });
});
