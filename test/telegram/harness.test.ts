// The test harness itself: a grammY bot can talk to it, and it rejects what Telegram would reject.
import { Bot, GrammyError } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTelegramHarness, type TelegramHarness } from "./harness.js";

const TOKEN = "123456:TEST-harness-token-abcdefghijk";

describe("telegram harness", () => {
  let tg: TelegramHarness;
  let bot: Bot | undefined;
  beforeEach(async () => {
    tg = await startTelegramHarness();
  });
  afterEach(async () => {
    if (bot?.isRunning()) await bot.stop();
    bot = undefined;
    await tg.close();
  });

  it("delivers a command to a long-polling grammY bot and records its reply", async () => {
    bot = new Bot(TOKEN, { client: { apiRoot: tg.apiRoot } });
    bot.command("ping", (ctx) => ctx.reply(`pong ${ctx.match}`));
    void bot.start({ timeout: 5 });
    const user = tg.client(TOKEN);
    await user.sendCommand(user.makeCommand("/ping a b"));
    const call = await tg.waitForCall("sendMessage");
    expect(call.params.text).toBe("pong a b");
    // Long polling holds requests instead of busy-polling.
    expect(tg.calls("getUpdates").length).toBeLessThan(5);
  });

  it("fails a method once with an injected 429", async () => {
    bot = new Bot(TOKEN, { client: { apiRoot: tg.apiRoot } });
    tg.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 1", retry_after: 1 });
    const err = await bot.api.sendMessage(1, "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrammyError);
    expect((err as GrammyError).parameters.retry_after).toBe(1);
    await expect(bot.api.sendMessage(1, "x")).resolves.toMatchObject({ text: "x" });
  });

  it("rejects invalid HTML like Telegram and records the violation", async () => {
    bot = new Bot(TOKEN, { client: { apiRoot: tg.apiRoot } });
    const err = await bot.api.sendMessage(1, "<b>a & b</b>", { parse_mode: "HTML" }).catch((e: unknown) => e);
    expect((err as GrammyError).description).toContain("can't parse entities");
    await expect(bot.api.sendMessage(1, "x".repeat(4097), { parse_mode: "HTML" })).rejects.toThrow("message is too long");
    expect(tg.htmlViolations).toHaveLength(2);
    await expect(bot.api.sendMessage(1, "<b>a &amp; b</b>", { parse_mode: "HTML" })).resolves.toBeDefined();
  });

  it("serves methods the emulator lacks: getChatMember with configured admins", async () => {
    bot = new Bot(TOKEN, { client: { apiRoot: tg.apiRoot } });
    tg.setChatAdmins(-100123, [42]);
    expect((await bot.api.getChatMember(-100123, 42)).status).toBe("administrator");
    expect((await bot.api.getChatMember(-100123, 7)).status).toBe("member");
    await expect(bot.api.setMyCommands([{ command: "x", description: "y" }])).resolves.toBe(true);
  });
});
