// Personal alerts exactly once across a kill -9: a real `digest-bot start` killed while alerts are in flight, then restarted.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteStorage } from "../../src/core/storage/open-storage.js";
import type { Platform } from "../../src/core/reply.js";
import { startFakeDiscord } from "../discord/fake-discord.js";
import { startFakeBotApi } from "../telegram/fake-bot-api.js";

const ROOT = join(import.meta.dirname, "../..");
const TOKEN = "987654:SECRET-watch-kill-token-abcdefgh";
const DISCORD_TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE4.SECRET-watch-kill-discord-token";
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A data dir with today's digest (the sample) and watches: `sonnet` and `封号` match two stories each, `glm-5` and `qwen` one. */
async function prepare(platform: Platform, watches: Record<string, string[]>) {
  const dir = mkdtempSync(join(tmpdir(), "digest-bot-watch-kill-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "digests"));
  copyFileSync(join(ROOT, "test/fixtures/sample/2026-02-18.md"), join(dir, "digests", `${new Date().toISOString().slice(0, 10)}.md`));
  const storage = await openSqliteStorage(join(dir, "state"));
  for (const [userId, queries] of Object.entries(watches)) {
    for (const query of queries) await storage.watches.add({ platform, userId, query, locale: "en" }, 10, new Date().toISOString());
  }
  await storage.close();
  return dir;
}

function startChild(dir: string, env: Record<string, string>) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [join(ROOT, "bin/digest-bot.js"), "start"], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      DIGEST_BOT_ENV_FILE: "/dev/null",
      DIGEST_DIR: join(dir, "digests"),
      DATA_DIR: join(dir, "state"),
      POST_TIMEZONE: "UTC",
      DELIVERY_DEADLINE_HOURS: "48",
      LOG_LEVEL: "info",
      ...env,
    },
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (out += d.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return { child, exited, out: () => out };
}

async function until(check: () => boolean, what: string, out: () => string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen; output:\n${out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The alert ledger after the run: per user, statuses and possible duplicates. */
async function ledger(dir: string, platform: Platform, users: string[]) {
  const storage = await openSqliteStorage(join(dir, "state"));
  try {
    const rows = (await Promise.all(users.map((u) => storage.watches.alerts(platform, u)))).flat();
    return { statuses: rows.map((r) => r.status), possibleDuplicates: rows.reduce((n, r) => n + (r.possibleDuplicates ?? 0), 0) };
  } finally {
    await storage.close();
  }
}

describe("personal alerts across kill -9", { timeout: 90_000 }, () => {
  it("Telegram: every alert arrives; only the send accepted before the kill can repeat (once, counted)", async () => {
    const api = await startFakeBotApi();
    cleanups.push(() => api.close());
    const dir = await prepare("telegram", { "7": ["sonnet", "封号"], "8": ["glm-5", "qwen"] });
    // Both users' first alerts are in flight at the kill: user 7's was accepted by Telegram, user 8's never arrived.
    api.fail("7", "accept-then-hang");
    api.fail("8", "hang");
    const env = { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: api.apiRoot };
    const first = startChild(dir, env);
    await api.waitForSend("7", 1, 30_000);
    await api.waitForSend("8", 1, 30_000);
    first.child.kill("SIGKILL");
    await first.exited;
    expect(api.messagesTo("7")).toHaveLength(1);
    expect(api.messagesTo("8")).toHaveLength(0);

    const second = startChild(dir, env);
    const distinct = (chat: string) => new Set(api.messagesTo(chat).map((m) => m.text)).size;
    await until(() => distinct("7") === 4 && distinct("8") === 2, "all six alerts", second.out);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);

    const texts7 = api.messagesTo("7").map((m) => m.text);
    const texts8 = api.messagesTo("8").map((m) => m.text);
    expect(texts7.length - new Set(texts7).size).toBeLessThanOrEqual(1);
    expect(texts8.length - new Set(texts8).size).toBe(0);
    for (const t of [...texts7, ...texts8]) expect(t).toContain("New story for your watch");
    const after = await ledger(dir, "telegram", ["7", "8"]);
    expect(after.statuses).toEqual(Array(6).fill("sent"));
    // Both in-flight sends were re-sent without a way to tell: each counted as a possible duplicate.
    expect(after.possibleDuplicates).toBe(2);
    process.stderr.write(`watch kill -9 (telegram): ${texts7.length + texts8.length} messages for 6 alerts, ${texts7.length - new Set(texts7).size} repeat\n`);
  });

  it("Discord: every alert arrives exactly once (the nonce drops the re-send of the one accepted before the kill)", async () => {
    const fake = await startFakeDiscord();
    cleanups.push(() => fake.close());
    const USER = "100000000000000011";
    const dir = await prepare("discord", { [USER]: ["sonnet", "封号", "glm-5"] });
    const dm = /^\/channels\/5\d+\/messages$/;
    fake.failNext({ method: "POST", path: dm, status: 200, mode: "accept-then-hang" });
    const env = { DISCORD_TOKEN, DISCORD_API_BASE: fake.apiBase };
    const first = startChild(dir, env);
    await fake.waitForRequest((r) => r.method === "POST" && dm.test(r.path), 30_000);
    first.child.kill("SIGKILL");
    await first.exited;

    const second = startChild(dir, env);
    const posted = () => fake.channelMessages(fake.dms.of(USER) ?? "none") as { embeds: { title?: string }[]; nonce: string }[];
    await until(() => new Set(posted().map((m) => m.nonce)).size === 5, "all five alerts", second.out);
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    const titles = posted().map((m) => m.embeds[0]!.title);
    expect(titles).toHaveLength(5);
    expect(new Set(titles).size).toBe(5);
    // The crashed send was repeated with the same nonce (two POSTs with it), and Discord kept one message.
    const posts = fake.requests.filter((r) => r.method === "POST" && dm.test(r.path));
    expect(posts.length).toBe(6);
    expect((await ledger(dir, "discord", [USER])).statuses).toEqual(Array(5).fill("sent"));
  });
});
