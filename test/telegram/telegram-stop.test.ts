// A clean stop: the bot stops taking updates at once, answers the one in hand and those queued behind it while the stop budget lasts.
import { afterEach, describe, expect, it } from "vitest";
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

/** Three commands in one getUpdates batch, the first answer held; the stop begins while it is held. */
async function stopDuringSlowAnswer(f: Fixture, holdMs: number) {
  const held = f.tg.holdNext("sendMessage");
  const before = f.tg.calls("getUpdates").length;
  for (const [i, text] of ["/sections", "/help", "/digest"].entries()) f.tg.pushUpdate(f.app.config.TELEGRAM_BOT_TOKEN!, command(500 + i, text));
  await held.arrived; // the first answer is on its way when the signal comes
  let drained = false;
  const drain = f.telegram.drain().then(() => (drained = true));
  await new Promise((r) => setTimeout(r, holdMs));
  expect(drained).toBe(false); // still finishing the answer in hand
  held.release();
  await drain;
  const batch = f.tg
    .calls("getUpdates")
    .slice(before)
    .map((c) => (c.response as { result: { update_id: number; message?: { text: string } }[] }).result)
    .find((r) => r.length === 3)!;
  // Chats are answered concurrently, so the batch was confirmed to Telegram as it was queued: all three are ours now.
  expect(batch.map((u) => u.message?.text)).toEqual(["/sections", "/help", "/digest"]);
  await new Promise((r) => setTimeout(r, 100));
  return f.tg.calls("sendMessage").filter((c) => Number(c.params.chat_id) === 7);
}

describe("telegram stop", () => {
  let f: Fixture | undefined;
  afterEach(async () => {
    await stopFixture(f);
    f = undefined;
  });

  it("answers the commands queued behind a slow one in the same chat when they can start within the stop budget", async () => {
    f = await startFixture("test/fixtures/sample", "2026-02-18T00:50:00Z");
    const answers = await stopDuringSlowAnswer(f, 200);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(String(answers[0]!.params.text)).toContain("Sections of the 2026-02-18 digest");
    expect(String(answers[2]!.params.text)).not.toBe(String(answers[1]!.params.text));
    expect(f.logs.join("\n")).not.toContain('"dropped"');
  });

  it("drops (and counts) the queued commands that could not start within the stop budget", async () => {
    f = await startFixture("test/fixtures/sample", "2026-02-18T00:50:00Z", {}, { stopAnswerBudgetMs: 300 });
    const answers = await stopDuringSlowAnswer(f, 700);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.status).toBe(200);
    expect(f.logs.join("\n")).toContain('"dropped":2');
    expect(f.logs.join("\n")).toContain("commands queued behind a slower one in the same chat were dropped at the stop");
  });
});
