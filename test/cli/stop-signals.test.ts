// `npm start` in a child process under faults: SIGTERM in the catch-up inside a hung request, a 429 wait and a backoff, and kill -9 mid-send then restart.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openStorage } from "../../src/core/storage/open-storage.js";
import type { StorageDialect } from "../../src/core/storage/types.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { testBackends } from "../core/storage/backends.js";
import { longDigest } from "../core/delivery/long-digest.js";
import { startFakeDiscord, type FakeDiscord } from "../discord/fake-discord.js";
import { startFakeBotApi, type BotApiFault, type FakeBotApi } from "../telegram/fake-bot-api.js";
import { guardMs } from "../load-slack.js";
import { cleanups, startBot, tempDir, type Running } from "./launch.js";
import { ownStopMs, STOP_BUDGET_MS, timedStop } from "./stop-latency.js";

const TOKEN = "987654:SECRET-stop-signal-token-abcdefgh";
const DISCORD_TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE4.SECRET-stop-signal-discord-token";
const CHAT = "-1001";
const CHANNEL = "700000000000000001";
/** Worst SIGTERM-to-exit seen in this file, reported at the end. */
const stopTimes: number[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => {
  if (stopTimes.length > 0) process.stderr.write(`stop-signals: worst SIGTERM-to-exit ${Math.max(...stopTimes)} ms over ${stopTimes.length} stops\n`);
});

/** Where the children of the tests in hand keep their state: SQLite in DATA_DIR, or `DATABASE_URL` (set per test). */
let backend: StorageDialect = "sqlite";
let stateEnv: Record<string, string> = {};
const openState = (dir: string) => openStorage({ dataDir: join(dir, "state"), databaseUrl: stateEnv.DATABASE_URL });

/** A data dir whose subscription existed before today's slot (00:00 UTC), and today's digest: the catch-up sends it. */
async function prepare(platform: "telegram" | "discord", target: string) {
  const state = await backendEnv(backend);
  stateEnv = state.env;
  cleanups.push(() => state.drop());
  const dir = tempDir();
  mkdirSync(join(dir, "digests"));
  const today = new Date().toISOString().slice(0, 10);
  writeFileSync(join(dir, "digests", `${today}.md`), longDigest(today, 3));
  const storage = await openState(dir);
  await storage.subscriptions.ensureSettingsTarget(platform, target, new Date(Date.now() - 2 * 86_400_000).toISOString());
  await storage.close();
  return dir;
}

function startChild(dir: string, env: Record<string, string>): Running {
  return startBot({
    DIGEST_DIR: join(dir, "digests"),
    DATA_DIR: join(dir, "state"),
    POST_CRON: "0 0 * * *",
    POST_TIMEZONE: "UTC",
    DELIVERY_DEADLINE_HOURS: "48",
    LOG_LEVEL: "info",
    ...stateEnv,
    ...env,
  });
}

const telegramEnv = (api: FakeBotApi) => ({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: api.apiRoot, TELEGRAM_CHAT_IDS: CHAT });

/** SIGTERM to `c`: it exits 0; the stop's own time (net of the scheduler, see stop-latency.ts). */
async function sigterm(c: Running): Promise<number> {
  const timing = await timedStop(c);
  stopTimes.push(timing.ms);
  expect(timing.code, c.all()).toBe(0);
  return ownStopMs(timing);
}

async function possibleDuplicates(dir: string): Promise<number> {
  const storage = await openState(dir);
  try {
    return await storage.ledger.possibleDuplicates();
  } finally {
    await storage.close();
  }
}

/** A guard, not a sleep: each wait ends on its event, or at once (with the output) when the child dies. */
const WAIT_MS = guardMs(45_000);

describe.each(testBackends())("state on %s", (b) => {
  beforeAll(() => {
    backend = b;
  });
  afterAll(() => {
    backend = "sqlite";
    stateEnv = {};
  });

  describe("SIGTERM during the start-up catch-up (Telegram)", { timeout: guardMs(90_000) }, () => {
    const situations: [string, BotApiFault[], string][] = [
      ["inside a hung sendMessage", ["hang"], ""],
      ["inside a 12 s 429 wait", [{ retryAfter: 12 }], "rate limited; waiting as told"],
      ["inside the engine's backoff after a 502", ["502"], "transient send failure; backing off"],
    ];
    it.each(situations)("exits 0 within 3 s %s, and the restart sends the post once, nothing lost", async (_name, faults, logged) => {
      const api = await startFakeBotApi();
      cleanups.push(() => api.close());
      const dir = await prepare("telegram", CHAT);
      api.fail(CHAT, ...faults);
      const first = startChild(dir, telegramEnv(api));
      await first.during(api.waitForSend(CHAT, 1, WAIT_MS));
      if (logged) await first.waitFor(logged, WAIT_MS);
      expect(await sigterm(first)).toBeLessThan(STOP_BUDGET_MS);
      expect(api.messagesTo(CHAT)).toHaveLength(0);

      const second = startChild(dir, telegramEnv(api));
      await second.waitFor("digest-bot running", WAIT_MS);
      await sigterm(second);
      const texts = api.messagesTo(CHAT).map((m) => m.text);
      expect(texts.length).toBeGreaterThan(1);
      expect(new Set(texts).size).toBe(texts.length);
      // A hung request's fate is unknown: its re-send is counted as a possible duplicate (here it was not one).
      expect(await possibleDuplicates(dir)).toBe(faults[0] === "hang" ? 1 : 0);
    });
  });

  describe("kill -9 mid-send, then restart", { timeout: guardMs(90_000) }, () => {
    it("Telegram: a message accepted before the crash shows twice at most once, and that repeat is counted", async () => {
      const api = await startFakeBotApi();
      cleanups.push(() => api.close());
      const dir = await prepare("telegram", CHAT);
      api.fail(CHAT, "accept-then-hang");
      const first = startChild(dir, telegramEnv(api));
      await first.during(api.waitForSend(CHAT, 1, WAIT_MS));
      first.child.kill("SIGKILL");
      await first.exited;
      const second = startChild(dir, telegramEnv(api));
      await second.waitFor("digest-bot running", WAIT_MS);
      await sigterm(second);
      const texts = api.messagesTo(CHAT).map((m) => m.text);
      expect(texts.length - new Set(texts).size).toBe(1);
      expect(texts[0]).toBe(texts[1]);
      expect(await possibleDuplicates(dir)).toBe(1);
    });

    it("Discord: a message accepted before the crash, past the nonce window, is found and not posted again; SIGTERM in a hung request exits within 3 s", async () => {
      const fake: FakeDiscord = await startFakeDiscord({ channelIds: [CHANNEL], nonceWindowMs: 0 });
      cleanups.push(() => fake.close());
      const dir = await prepare("discord", CHANNEL);
      const env = { DISCORD_TOKEN, DISCORD_API_BASE: fake.apiBase, DISCORD_CHANNEL_IDS: CHANNEL };
      const posts = new RegExp(`^/channels/${CHANNEL}/messages$`);
      fake.failNext({ method: "POST", path: posts, status: 200, mode: "accept-then-hang" });
      const first = startChild(dir, env);
      await first.during(fake.waitForRequest((r) => r.method === "POST" && posts.test(r.path), WAIT_MS));
      first.child.kill("SIGKILL");
      await first.exited;

      fake.failNext({ method: "POST", path: posts, status: 200, mode: "hang" });
      const second = startChild(dir, env);
      const hung = () => fake.requests.filter((r) => r.method === "POST" && posts.test(r.path) && r.status === 0).length;
      await second.during(fake.waitForRequest(() => hung() === 2, WAIT_MS));
      expect(fake.channelMessages(CHANNEL)).toHaveLength(1); // part 1 was found, not posted again
      expect(await sigterm(second)).toBeLessThan(STOP_BUDGET_MS);

      const third = startChild(dir, env);
      await third.waitFor("digest-bot running", WAIT_MS);
      await sigterm(third);
      const bodies = fake.channelMessages(CHANNEL).map((b) => JSON.stringify((b as { embeds?: unknown }).embeds));
      expect(bodies.length).toBeGreaterThan(1);
      expect(new Set(bodies).size).toBe(bodies.length);
      expect(await possibleDuplicates(dir)).toBe(0);
    });
  });
});
