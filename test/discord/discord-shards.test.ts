// Gateway sharding (DISCORD_SHARDS): the real adapter opens one session per shard and answers servers on each of them.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { parseConfig } from "../../src/core/config.js";
import { createLogger } from "../../src/core/logger.js";
import { startDiscord, type DiscordAdapter } from "../../src/discord/discord-adapter.js";
import { startFakeDiscord, type FakeDiscord } from "./fake-discord.js";
import { type DiscordApp, startDiscordApp } from "./discord-app.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE4.SECRET-sharded-token-for-tests";
/** (id >> 22) % 2: this server is on shard 1, the other on shard 0. */
const GUILD_ON_SHARD_1 = "800000000000000001";
const GUILD_ON_SHARD_0 = "810000000000000001";
const CHANNEL_ON_SHARD_0 = "710000000000000001";

let fake: FakeDiscord;
let app: App;
let discord: DiscordAdapter;
let dir: string;
let bot: DiscordApp | undefined;

beforeAll(async () => {
  bot = await startDiscordApp({
    token: TOKEN,
    name: "shards",
    fake: { guildId: GUILD_ON_SHARD_1, shardCount: 2, extraGuilds: [{ id: GUILD_ON_SHARD_0, channelIds: [CHANNEL_ON_SHARD_0] }] },
    settings: () => ({ DISCORD_GUILD_ID: undefined, DISCORD_SHARDS: "auto" }),
  });
  ({ fake, app, discord, dir } = bot);
});

afterAll(async () => {
  await bot?.close();
});

describe("DISCORD_SHARDS=auto", () => {
  it("opens as many shards as GET /gateway/bot recommends, each identifying as its own shard", () => {
    expect(discord.client.ws.shards.size).toBe(2);
    expect((fake.identifies as { shard: [number, number] }[]).map((i) => i.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(fake.sessionShards().sort()).toEqual([0, 1]);
    // Both servers became available, one through each shard.
    expect(discord.client.guilds.cache.get(GUILD_ON_SHARD_0)?.shardId).toBe(0);
    expect(discord.client.guilds.cache.get(GUILD_ON_SHARD_1)?.shardId).toBe(1);
  });

  it("answers a command arriving on either shard", async () => {
    for (const channelId of [CHANNEL_ON_SHARD_0, "700000000000000001"]) {
      const { id } = fake.interact({ kind: "command", name: "sections", channelId });
      const callback = await fake.waitForRequest((r) => r.method === "POST" && r.path.startsWith(`/interactions/${id}/`));
      expect(callback.body).toMatchObject({ type: 4, data: { embeds: [{ title: "Sections of the 2026-02-18 digest" }] } });
    }
  });
});

describe("DISCORD_SHARDS=3", () => {
  it("opens exactly that many shards, whatever Discord recommends, and each server arrives on its own shard", async () => {
    const other = await startFakeDiscord({ guildId: GUILD_ON_SHARD_1, extraGuilds: [{ id: GUILD_ON_SHARD_0, channelIds: [CHANNEL_ON_SHARD_0] }] });
    const config = parseConfig({ DISCORD_TOKEN: TOKEN, DISCORD_API_BASE: other.apiBase, DISCORD_SHARDS: "3", BOT_LOCALE: "en", DIGEST_DIR: join(dir, "digests"), DATA_DIR: join(dir, "state-3") });
    // Its own publisher is not needed here; the shared app already has one.
    const fixed = await startDiscord({ config, logger: createLogger({ level: "silent", pretty: false }), app: { ...app, delivery: { registerPublisher: () => undefined } } });
    try {
      expect(fixed.client.ws.shards.size).toBe(3);
      expect((other.identifies as { shard: [number, number] }[]).map((i) => i.shard[0]).sort()).toEqual([0, 1, 2]);
      for (const id of [GUILD_ON_SHARD_0, GUILD_ON_SHARD_1]) expect(fixed.client.guilds.cache.get(id)?.shardId).toBe(Number((BigInt(id) >> 22n) % 3n));
      const { id } = other.interact({ kind: "command", name: "sections", channelId: CHANNEL_ON_SHARD_0 });
      const callback = await other.waitForRequest((r) => r.method === "POST" && r.path.startsWith(`/interactions/${id}/`));
      expect(callback.body).toMatchObject({ type: 4 });
    } finally {
      await fixed.stop();
      await other.close();
    }
  });
});

describe("DISCORD_SHARDS setting", () => {
  it("accepts auto or a count, and names the fix otherwise", () => {
    expect(parseConfig({ DISCORD_SHARDS: "4" }).DISCORD_SHARDS).toBe("4");
    expect(() => parseConfig({ DISCORD_SHARDS: "0" })).toThrow(/DISCORD_SHARDS.*use auto or a shard count like 4/);
    expect(() => parseConfig({ DISCORD_SHARDS: "many" })).toThrow(/DISCORD_SHARDS.*use auto or a shard count like 4/);
  });
});
