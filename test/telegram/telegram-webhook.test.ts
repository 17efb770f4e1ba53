// Telegram webhook mode end to end: setWebhook with the secret, updates posted to the bot as Telegram would, 401s, duplicates.
import { afterEach, describe, expect, it } from "vitest";
import { startTelegramHarness } from "./harness.js";
import { cleanups, closedPort, startBot } from "../cli/launch.js";

const TOKEN = "987654:SECRET-webhook-test-token-abcdefgh";
const SECRET = "webhook-secret-0123456789abcdef";
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A private-chat text update as Telegram posts it. */
function textUpdate(updateId: number, text: string) {
  const command = /^\/\S+/.exec(text)?.[0];
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: 4242, type: "private", first_name: "Op" },
      from: { id: 4242, is_bot: false, first_name: "Op" },
      text,
      ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command.length }] } : {}),
    },
  };
}

async function post(url: string, body: unknown, secret?: string): Promise<number> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(secret ? { "x-telegram-bot-api-secret-token": secret } : {}) },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

describe("Telegram webhook mode", { timeout: 60_000 }, () => {
  it("sets the webhook with the secret, refuses wrong secrets, handles each update once; polling mode deletes it", async () => {
    const tg = await startTelegramHarness();
    cleanups.push(() => tg.close());
    const port = await closedPort();
    const bot = startBot({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      HTTP_PORT: String(port),
      TELEGRAM_WEBHOOK_URL: "https://bot.example.com/hooks/telegram",
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: "debug",
    });
    await bot.waitFor('"msg":"digest-bot running"');
    const set = await tg.waitForCall("setWebhook", undefined, 20_000);
    expect(set.params).toMatchObject({
      url: "https://bot.example.com/hooks/telegram",
      secret_token: SECRET,
      allowed_updates: ["message", "channel_post", "callback_query", "inline_query"],
    });
    expect(tg.calls("getUpdates")).toEqual([]);
    const hook = `http://127.0.0.1:${port}/hooks/telegram`;

    expect(await post(hook, textUpdate(100, "/links glm"), undefined)).toBe(401);
    expect(await post(hook, textUpdate(101, "/links glm"), "wrong-secret-0123456789abcdef")).toBe(401);
    expect(await post(hook, textUpdate(102, "/sections"), SECRET)).toBe(200);
    // Telegram re-delivers when an answer was lost: the same update id is acknowledged, not answered twice.
    expect(await post(hook, textUpdate(102, "/sections"), SECRET)).toBe(200);
    expect(await post(hook, textUpdate(103, "/help"), SECRET)).toBe(200);
    await tg.waitForCalls("sendMessage", 2, undefined, 20_000);
    const sent = tg.calls("sendMessage");
    expect(sent).toHaveLength(2);
    expect(sent.every((c) => c.params.chat_id === 4242)).toBe(true);
    expect(bot.all()).not.toContain(SECRET);
    expect(bot.all()).not.toContain(TOKEN);
    bot.child.kill("SIGTERM");
    expect((await bot.exited).code).toBe(0);

    // Started again without the webhook settings: it polls, and deletes the webhook first.
    const polling = startBot({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot });
    await polling.waitFor('"msg":"digest-bot running"');
    await tg.waitForCall("deleteWebhook", undefined, 20_000);
    polling.child.kill("SIGTERM");
    expect((await polling.exited).code).toBe(0);
  });
});
