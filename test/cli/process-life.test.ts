// Process life at process level: `npm start` signalled itself, SIGTERM while starting, start-up failures as one line.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeDiscord } from "../discord/fake-discord.js";
import { guardMs } from "../load-slack.js";
import { cleanups, closedPort, launch, ROOT, startBot, tempDir } from "./launch.js";
import { ownStopMs, STOP_BUDGET_MS, timedStop } from "./stop-latency.js";

const TELEGRAM_TOKEN = "987654:SECRET-life-test-token-abcdefgh";
const DISCORD_TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE4.SECRET-life-test-discord-token";
const DB_PASSWORD = "secretpw-life-test";
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const bot = startBot;

/** Every process below `pid`. */
function descendants(pid: number): number[] {
  let out = "";
  try {
    out = execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
  } catch {
    return [];
  }
  const children = out.split("\n").map((s) => Number(s.trim())).filter((n) => n > 0);
  return children.flatMap((c) => [c, ...descendants(c)]);
}

/** The command line of a running process, undefined once it is gone (compared, so a reused PID does not count). */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return undefined;
  }
}

describe("npm start, signalled itself", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} to the npm process stops the bot cleanly: npm exits 0 and no process is left`, async () => {
      const npm = launch("npm", ["start"], { BOT_LOCALE: "en" });
      await npm.waitFor("Ctrl+D quits.");
      const below = descendants(npm.child.pid!).map((pid) => ({ pid, cmd: commandLine(pid) }));
      expect(below.map((p) => p.cmd?.replace(/\0/g, " ").trim())).toContain(`node bin/digest-bot.js start`);
      npm.child.kill(signal);
      const { code } = await npm.exited;
      expect(code).toBe(0);
      const survivors = () => below.filter((p) => p.cmd !== undefined && commandLine(p.pid) === p.cmd);
      for (let i = 0; i < 20 && survivors().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(survivors()).toEqual([]);
    });
  }
});

describe("start-up failures", () => {
  it("an unreachable TELEGRAM_API_ROOT warns at once and at each backoff step; SIGTERM while retrying exits 0 at once", async () => {
    const port = await closedPort();
    const running = bot({ TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN, TELEGRAM_API_ROOT: `http://127.0.0.1:${port}` });
    await running.waitFor(`cannot reach Telegram at http://127.0.0.1:${port}: ECONNREFUSED; retrying in 1 s`, 15_000);
    await running.waitFor(`cannot reach Telegram at http://127.0.0.1:${port}: ECONNREFUSED; retrying in 2 s`, 5_000);
    const stop = await timedStop(running);
    expect(stop.code).toBe(0);
    expect(ownStopMs(stop)).toBeLessThan(STOP_BUDGET_MS);
    expect(running.all()).not.toContain(TELEGRAM_TOKEN);
  });

  it("/readyz is 503 naming Telegram while its API is still unreachable (not 200 because digests are loaded)", async () => {
    const port = await closedPort();
    const httpPort = await closedPort();
    const running = bot({ TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN, TELEGRAM_API_ROOT: `http://127.0.0.1:${port}`, HTTP_PORT: String(httpPort) });
    await running.waitFor(`cannot reach Telegram at http://127.0.0.1:${port}: ECONNREFUSED; retrying in 1 s`, 15_000);
    await running.waitFor("http endpoint listening", 5_000);
    // The index builds in the background; the telegram line is the one that must stay while Telegram is unreachable.
    let res = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
    let body = await res.text();
    for (let i = 0; i < 50 && body.includes("search index"); i++) {
      await new Promise((r) => setTimeout(r, 100));
      res = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
      body = await res.text();
    }
    expect(res.status).toBe(503);
    expect(body).toBe("not ready\ntelegram: still connecting\n");
    running.child.kill("SIGTERM");
    expect((await running.exited).code).toBe(0);
  });

  it("a rejected DISCORD_TOKEN exits 1 on the 401, asking once (no retry, no backoff), with one line naming the setting and the fix, no stack", async () => {
    const discord = await startFakeDiscord();
    cleanups.push(() => discord.close());
    const gateway = /^\/gateway\/bot$/;
    discord.failNext({ method: "GET", path: gateway, status: 401, times: 100 });
    const running = bot({ DISCORD_TOKEN, DISCORD_API_BASE: discord.apiBase });
    const rejected = running.during(discord.waitForRequest((r) => r.method === "GET" && gateway.test(r.path), guardMs(45_000)));
    rejected.catch(() => undefined); // awaited below; the exit comes first when nothing asked
    const { code } = await running.exited;
    expect(code).toBe(1);
    await rejected;
    // A rejected token is final: no retry, no backoff.
    expect(discord.requests.filter((r) => gateway.test(r.path))).toHaveLength(1);
    expect(running.err()).toBe(
      "digest-bot: Discord rejected DISCORD_TOKEN (401 Unauthorized); copy the token again from the Developer Portal's Bot page (Reset Token)\n",
    );
    expect(running.all()).not.toContain(DISCORD_TOKEN);
    expect(running.all()).not.toMatch(/\n\s+at /);
  });

  it("an unreachable DATABASE_URL exits 1 with one line naming DATABASE_URL and the fix, never the password", async () => {
    const port = await closedPort();
    const url = `postgres://digest:${DB_PASSWORD}@127.0.0.1:${port}/digest`;
    // The sample digest: no parser warnings, so stderr holds only what the failure printed.
    const running = bot({ DATABASE_URL: url, DIGEST_DIR: join(ROOT, "test/fixtures/sample"), TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN, TELEGRAM_API_ROOT: "http://127.0.0.1:9" });
    // A refused connection is known at once: the bot exits instead of retrying (a retry loop would hang past the guard).
    const { code } = await running.exited;
    expect(code).toBe(1);
    expect(running.err()).toBe(
      `digest-bot: state: cannot use PostgreSQL at postgres://digest@127.0.0.1:${port}/digest: connect ECONNREFUSED 127.0.0.1:${port}; check DATABASE_URL and that the server is running\n`,
    );
    expect(running.all()).not.toContain(DB_PASSWORD);
    expect(running.all()).not.toMatch(/\n\s+at /);
  });

  it("DATA_DIR under a file: the variable, the path, what is wrong and the fix, once, no stack", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "passwd"), "not a directory\n");
    const running = bot({ DATA_DIR: join(dir, "passwd/x"), BOT_LOCALE: "en" });
    const { code } = await running.exited;
    expect(code).toBe(1);
    expect(running.err()).toBe(
      `digest-bot: DATA_DIR=${join(dir, "passwd/x")} cannot be used: ${join(dir, "passwd")} is a file, not a directory (ENOTDIR); set DATA_DIR to a directory the bot may write (it is created if missing)\n`,
    );
  });

  it("a missing DIGEST_DIR is reported once with the fix", async () => {
    const dir = tempDir();
    const running = bot({ DIGEST_DIR: join(dir, "nope"), TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN, TELEGRAM_API_ROOT: "http://127.0.0.1:9" });
    const { code } = await running.exited;
    expect(code).toBe(1);
    expect(running.err()).toBe(
      `digest-bot: DIGEST_DIR=${join(dir, "nope")} cannot be used: it does not exist (ENOENT); create it or set DIGEST_DIR to the folder the digest files (YYYY-MM-DD.md) are published to\n`,
    );
    expect(running.all().match(/DIGEST_DIR=/g)).toHaveLength(2); // the stderr line and the JSON log line
  });
});
