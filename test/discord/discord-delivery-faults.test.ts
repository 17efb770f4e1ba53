// Delivery faults through the real discord.js client against the fake Discord: 5xx after accepting, hangs, the nonce window, reconciling.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig, type Config } from "../../src/core/config.js";
import type { StorageDialect } from "../../src/core/storage/types.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { testBackends } from "../core/storage/backends.js";
import { settled } from "../load-slack.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { planDiscordDailyPost } from "../../src/discord/discord-daily-post.js";
import { startFakeDiscord, type FakeDiscord } from "./fake-discord.js";
import { discordBots } from "./discord-app.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-faults_xyz";
const CHANNEL = "700000000000000001";
const POSTS = new RegExp(`^/channels/${CHANNEL}/messages$`);

let fake: FakeDiscord | undefined;
let dir: string | undefined;

/** Where the state of the tests in hand lives (set by each backend's describe block). */
let backend: StorageDialect = "sqlite";
let dropState: (() => Promise<void>) | undefined;

function configFor(fakeDiscord: FakeDiscord, root: string, state: Record<string, string>): Config {
  return parseConfig({
    ...state,
    DISCORD_TOKEN: TOKEN,
    DISCORD_API_BASE: fakeDiscord.apiBase,
    DISCORD_GUILD_ID: fakeDiscord.guildId,
    DISCORD_CHANNEL_IDS: CHANNEL,
    DIGEST_DIR: join(root, "digests"),
    DATA_DIR: join(root, "state"),
    BOT_LOCALE: "en",
  });
}

const bots = discordBots();
/** The real app and Discord adapter on `config` (a restart reuses its state), clock at `clock.now`. */
const startBot = bots.start;
const stopBot = bots.stop;

async function setup(options: Parameters<typeof startFakeDiscord>[0] = {}) {
  fake = await startFakeDiscord({ channelIds: [CHANNEL], ...options });
  dir = mkdtempSync(join(tmpdir(), "digest-bot-discord-faults-"));
  cpSync("test/fixtures/digests", join(dir, "digests"), { recursive: true });
  const state = await backendEnv(backend);
  dropState = state.drop;
  const config = configFor(fake, dir, state.env);
  const clock = { now: new Date("2026-02-21T00:30:00Z") };
  const bot = await startBot(config, clock);
  clock.now = new Date("2026-02-21T01:00:30Z"); // 09:00:30 in Shanghai
  return { fake, config, clock, bot };
}

afterEach(async () => {
  await bots.stopAll();
  await fake?.close();
  fake = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
  await dropState?.();
  dropState = undefined;
});

const posts = (f: FakeDiscord) => f.requests.filter((r) => r.method === "POST" && POSTS.test(r.path));

describe.each(testBackends())("discord delivery faults (real discord.js client, fake Discord), state on %s", (b) => {
  beforeAll(() => {
    backend = b;
  });

  it("retries a 502 that followed acceptance itself, once, with the same nonce: one message, no possible duplicate", async () => {
    const { fake: f, bot } = await setup();
    f.failNext({ method: "POST", path: POSTS, status: 502, mode: "accept" });
    await bot.app.delivery.tick();
    const planned = planDiscordDailyPost(buildDailyPost(bot.app.archive.get("2026-02-21")!), "en");
    expect(f.channelMessages(CHANNEL)).toHaveLength(planned.length);
    const attempts = posts(f);
    // One request per attempt (the client's own retries are off): 502, then the engine's retry, then the rest.
    expect(attempts.map((r) => r.status)).toEqual([502, ...planned.map(() => 200)]);
    expect((attempts[0]!.body as { nonce: string }).nonce).toBe((attempts[1]!.body as { nonce: string }).nonce);
    const status = (await bot.app.delivery.status()).targets[0]!;
    expect(status.lastDelivery?.status).toBe("sent");
    expect(status.possibleDuplicates).toBeUndefined();
  });

  it("finds a part left in flight past the nonce window in the channel and marks it sent instead of posting it again", async () => {
    const { fake: f, config, clock, bot } = await setup({ nonceWindowMs: 0 });
    f.failNext({ method: "POST", path: POSTS, status: 200, mode: "accept-then-hang" });
    const tick = bot.app.delivery.tick();
    await f.waitForRequest((r) => r.method === "POST" && POSTS.test(r.path));
    // The answer never comes: the stop ends only by leaving the part in flight.
    await settled("the stop while the post hangs", Promise.all([stopBot(bot), tick]));
    expect(f.channelMessages(CHANNEL)).toHaveLength(1); // Discord has it; the ledger does not know.

    const again = await startBot(config, clock);
    await again.app.delivery.tick();
    const planned = planDiscordDailyPost(buildDailyPost(again.app.archive.get("2026-02-21")!), "en");
    expect(f.channelMessages(CHANNEL)).toHaveLength(planned.length);
    const lookup = f.requests.find((r) => r.method === "GET" && r.path === `/channels/${CHANNEL}/messages`);
    expect(lookup?.query.get("after")).toMatch(/^\d+$/);
    expect(again.logs.map((l) => l.msg)).toContain("found the in-flight part already posted; marked sent without posting it again");
    expect((await again.app.delivery.status()).targets[0]?.lastDelivery?.status).toBe("sent");
  });

  it("re-sends a part left in flight that never reached Discord, once", async () => {
    const { fake: f, config, clock, bot } = await setup({ nonceWindowMs: 0 });
    f.failNext({ method: "POST", path: POSTS, status: 200, mode: "hang" });
    const tick = bot.app.delivery.tick();
    await f.waitForRequest((r) => r.method === "POST" && POSTS.test(r.path));
    await stopBot(bot);
    await tick;
    expect(f.channelMessages(CHANNEL)).toHaveLength(0);
    const again = await startBot(config, clock);
    await again.app.delivery.tick();
    const planned = planDiscordDailyPost(buildDailyPost(again.app.archive.get("2026-02-21")!), "en");
    expect(f.channelMessages(CHANNEL)).toHaveLength(planned.length);
  });
});
