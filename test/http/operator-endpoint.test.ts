// The operator HTTP endpoint at process level: /healthz, /readyz (with its 503 reason), /metrics after real traffic.
import { afterEach, describe, expect, it } from "vitest";
import { startTelegramHarness } from "../telegram/harness.js";
import { cleanups, closedPort, startBot, tempDir } from "../cli/launch.js";

const TOKEN = "987654:SECRET-http-test-token-abcdefgh";
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("HTTP endpoint", () => {
  it("is off without HTTP_PORT", async () => {
    const tg = await startTelegramHarness();
    cleanups.push(() => tg.close());
    const port = await closedPort();
    const bot = startBot({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot, LOG_LEVEL: "debug" });
    await bot.waitFor('"msg":"digest-bot running"');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(bot.out()).not.toContain("http endpoint listening");
  });

  it("answers /healthz, /readyz and /metrics on 127.0.0.1, with command, search and delivery metrics", async () => {
    const tg = await startTelegramHarness();
    cleanups.push(() => tg.close());
    const port = await closedPort();
    const base = `http://127.0.0.1:${port}`;
    const bot = startBot({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot, HTTP_PORT: String(port), TELEGRAM_CHAT_IDS: "-1001" });
    await bot.waitFor('"msg":"digest-bot running"');
    expect(await get(`${base}/healthz`)).toEqual({ status: 200, text: "ok\n" });
    expect(await until(() => get(`${base}/readyz`), (r) => r.status === 200)).toEqual({ status: 200, text: "ready\n" });

    const user = tg.client(TOKEN);
    await user.sendCommand(user.makeCommand("/search model"));
    await tg.waitForCall("sendMessage", undefined, 20_000);
    const metrics = await until(() => get(`${base}/metrics`), (r) => r.text.includes('digest_bot_commands_total{platform="telegram",command="search"} 1'));
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain("digest_bot_digests_loaded 3");
    expect(metrics.text).toMatch(/digest_bot_command_duration_seconds_count\{platform="telegram",command="search"\} 1/);
    expect(metrics.text).toMatch(/digest_bot_search_duration_seconds_count [1-9]/);
    expect(metrics.text).toContain("# TYPE digest_bot_messages_sent_total counter");
    expect(metrics.text).toContain("# TYPE digest_bot_pending_parts gauge");
    expect(metrics.text).not.toContain(TOKEN);
    expect((await get(`${base}/nope`)).status).toBe(404);

    bot.child.kill("SIGTERM");
    expect((await bot.exited).code).toBe(0);
  });

  it("/readyz is 503 with the reason when no digest is loaded", async () => {
    const tg = await startTelegramHarness();
    cleanups.push(() => tg.close());
    const port = await closedPort();
    const empty = tempDir();
    const bot = startBot({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot, HTTP_PORT: String(port), DIGEST_DIR: empty });
    await bot.waitFor('"msg":"digest-bot running"');
    expect(await get(`http://127.0.0.1:${port}/readyz`)).toEqual({ status: 503, text: `not ready\ndigests: no digest loaded from DIGEST_DIR=${empty}\n` });
    expect((await get(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    bot.child.kill("SIGTERM");
    expect((await bot.exited).code).toBe(0);
  });
});
