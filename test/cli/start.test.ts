// `npm start` end to end in a child process: the console without tokens, Telegram alone, both platforms at once, clean stops, bad settings.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeDiscord } from "../discord/fake-discord.js";
import { startTelegramHarness, type TelegramHarness } from "../telegram/harness.js";

const ROOT = join(import.meta.dirname, "../..");
const TOKEN = "987654:SECRET-start-test-token-abcdefgh";
const DISCORD_TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE4.SECRET-start-test-discord-token";
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Running {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
}

function startBot(env: Record<string, string>): Running {
  const dataDir = mkdtempSync(join(tmpdir(), "digest-bot-start-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [join(ROOT, "bin/digest-bot.js"), "start"], {
    cwd: dataDir,
    env: { PATH: process.env.PATH ?? "", DIGEST_DIR: join(ROOT, "test/fixtures/sample"), DATA_DIR: join(dataDir, "state"), ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return {
    child,
    out: () => stdout,
    err: () => stderr,
    exited,
    async waitForOutput(text, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!stdout.includes(text)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no "${text}" in output:\n${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

describe("npm start", () => {
  it("without tokens runs the console, answers commands, and stops cleanly on SIGTERM", async () => {
    const bot = startBot({ BOT_LOCALE: "en" });
    await bot.waitForOutput("/help");
    expect(bot.out()).toContain("2026-02-18");
    bot.child.stdin.write("/links glm-5\n");
    await bot.waitForOutput("https://arxiv.org/abs/2602.15763");
    bot.child.kill("SIGTERM");
    expect(await bot.exited).toBe(0);
  });

  it("with a Telegram token starts the Telegram bot instead, answers, and exits 0 on SIGTERM without printing the token", async () => {
    const tg: TelegramHarness = await startTelegramHarness();
    cleanups.push(() => tg.close());
    const bot = startBot({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot, LOG_LEVEL: "debug" });
    await tg.waitForCall("setMyCommands", undefined, 30_000);
    const user = tg.client(TOKEN);
    await user.sendCommand(user.makeCommand("/links glm-5"));
    const reply = await tg.waitForCall("sendMessage", (c) => String(c.params.text ?? "").includes("arxiv.org/abs/2602.15763"), 30_000);
    expect(reply.params.parse_mode).toBe("HTML");
    bot.child.kill("SIGTERM");
    expect(await bot.exited).toBe(0);
    expect(bot.out() + bot.err()).not.toContain(TOKEN);
    expect(bot.out()).toContain('"msg":"stopped cleanly"');
    expect(tg.htmlViolations).toEqual([]);
  });

  it("with both tokens runs Discord and Telegram at once, answers on both, and exits 0 on SIGTERM without printing either token", async () => {
    const tg = await startTelegramHarness();
    cleanups.push(() => tg.close());
    const discord = await startFakeDiscord();
    cleanups.push(() => discord.close());
    const bot = startBot({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      DISCORD_TOKEN: DISCORD_TOKEN,
      DISCORD_API_BASE: discord.apiBase,
      DISCORD_GUILD_ID: discord.guildId,
      LOG_LEVEL: "debug",
    });
    await bot.waitForOutput('"msg":"digest-bot running"');
    expect(bot.out()).toContain('"adapters":["discord","telegram"]');

    const user = tg.client(TOKEN);
    await user.sendCommand(user.makeCommand("/links glm-5"));
    const { id } = discord.interact({ kind: "command", name: "links", options: [{ name: "query", type: 3, value: "glm-5" }] });
    const telegramReply = await tg.waitForCall("sendMessage", (c) => String(c.params.text ?? "").includes("arxiv.org/abs/2602.15763"), 30_000);
    const discordReply = await discord.waitForRequest((r) => r.path.startsWith(`/interactions/${id}/`), 30_000);
    expect(telegramReply.status).toBe(200);
    expect(JSON.stringify(discordReply.body)).toContain("https://arxiv.org/abs/2602.15763");

    bot.child.kill("SIGTERM");
    expect(await bot.exited).toBe(0);
    const output = bot.out() + bot.err();
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(DISCORD_TOKEN);
    expect(bot.out()).toContain('"msg":"discord stopped"');
    expect(bot.out()).toContain('"msg":"telegram: stopped"');
    expect(bot.out()).toContain('"msg":"stopped cleanly"');
    expect(tg.htmlViolations).toEqual([]);
  });

  it("refuses to start on a bad setting, naming it and the fix", async () => {
    const bot = startBot({ POST_TIMEZONE: "Mars/Base" });
    expect(await bot.exited).toBe(1);
    expect(bot.err()).toContain('POST_TIMEZONE (got "Mars/Base") is not a known IANA time zone; use one like Asia/Shanghai or UTC');
  });
});

describe("state after a clean stop", () => {
  it("leaves the database checkpointed (no WAL left behind)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "digest-bot-wal-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const bot = startBot({ DATA_DIR: dataDir });
    await bot.waitForOutput("/help");
    bot.child.kill("SIGINT");
    expect(await bot.exited).toBe(0);
    expect(existsSync(join(dataDir, "digest-bot.sqlite"))).toBe(true);
    expect(existsSync(join(dataDir, "digest-bot.sqlite-wal"))).toBe(false);
  });
});
