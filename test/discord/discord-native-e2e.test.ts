// End to end through the running bot (engine, ledger, discord.js) against the fake Discord: thread and forum modes, pins, a crash mid-forum-post, permission errors in /status, /subscribe's mode check.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config.js";
import type { DiscordMessagePayload } from "../../src/discord/discord-render.js";
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from "./fake-discord.js";
import { discordBots } from "./discord-app.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-native_xyz";
const TEXT = "700000000000000001";
const FORUM = "700000000000000003";
const ROLE = "810000000000000042";
const MANAGE_GUILD = "32";
const TAGS = [
  { id: "910000000000000001", name: "Models" },
  { id: "910000000000000002", name: "Agents" },
];

let fake: FakeDiscord | undefined;
let dir: string | undefined;

const bots = discordBots();
/** The real app and Discord adapter on `config` (a restart reuses its state), clock at `clock.now`. */
const startBot = bots.start;
const stopBot = bots.stop;

/** A bot whose settings target is `target`, with the delivery settings given, at 09:00:30 Shanghai on 2026-02-21. */
async function setup(target: string, settings: Record<string, string>, fakeOptions: FakeDiscordOptions = {}) {
  fake = await startFakeDiscord({ channelIds: [TEXT, FORUM], channelTypes: { [FORUM]: 15 }, forumTags: { [FORUM]: TAGS }, ...fakeOptions });
  dir = mkdtempSync(join(tmpdir(), "digest-bot-discord-native-"));
  cpSync("test/fixtures/digests", join(dir, "digests"), { recursive: true });
  const config = parseConfig({
    DISCORD_TOKEN: TOKEN,
    DISCORD_API_BASE: fake.apiBase,
    DISCORD_GUILD_ID: fake.guildId,
    DISCORD_CHANNEL_IDS: target,
    DIGEST_DIR: join(dir, "digests"),
    DATA_DIR: join(dir, "state"),
    BOT_LOCALE: "en",
    ...settings,
  });
  const clock = { now: new Date("2026-02-21T00:30:00Z") };
  const bot = await startBot(config, clock);
  clock.now = new Date("2026-02-21T01:00:30Z");
  return { fake, config, clock, bot };
}

afterEach(async () => {
  await bots.stopAll();
  await fake?.close();
  fake = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Runs an admin command through the gateway and returns the text of its (deferred, edited-in) answer. */
async function ask(f: FakeDiscord, name: string, options: { name: string; type: number; value: string }[] = [], channelId = TEXT): Promise<string> {
  const { token } = f.interact({ kind: "command", name, options, channelId, member: { permissions: MANAGE_GUILD } });
  const answer = await f.waitForRequest((r) => r.method === "PATCH" && r.path === `/webhooks/${f.applicationId}/${token}/messages/@original`, 10_000);
  const body = answer.body as DiscordMessagePayload;
  return JSON.stringify(body.embeds);
}

const nonGet = (f: FakeDiscord) => f.requests.filter((r) => r.method !== "GET" && !r.path.startsWith("/applications") && !r.path.startsWith("/interactions") && !r.path.startsWith("/webhooks"));

describe("Discord channel-native posts through the running bot", () => {
  it("thread mode, silent, role ping and pin: header in the channel (pinned), sections in the day's thread", async () => {
    const { fake: f, bot } = await setup(TEXT, { DISCORD_POST_MODE: "thread", DELIVERY_SILENT: "true", DISCORD_PING_ROLE_ID: ROLE, DELIVERY_PIN: "true" });
    await bot.app.delivery.tick();
    const requests = nonGet(f);
    const header = requests[0]!;
    expect(`${header.method} ${header.path}`).toBe(`POST /channels/${TEXT}/messages`);
    const headerId = f.channelMessages(TEXT).length === 1 ? f.liveMessages(TEXT)[0]!.id : undefined;
    expect(headerId).toBeDefined();
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /channels/${TEXT}/messages`,
      `POST /channels/${TEXT}/messages/${headerId}/threads`,
      ...f.channelMessages(headerId!).map(() => `POST /channels/${headerId}/messages`),
      `PUT /channels/${TEXT}/messages/pins/${headerId}`,
    ]);
    expect((requests[1]!.body as { name: string }).name).toBe("2026-02-21");
    const bodies = requests.filter((r) => r.path.endsWith("/messages")).map((r) => r.body as DiscordMessagePayload);
    expect(bodies.length).toBeGreaterThan(1);
    for (const b of bodies) expect(b.flags).toBe(4096);
    expect(bodies[0]).toMatchObject({ content: `<@&${ROLE}>`, allowed_mentions: { parse: [], roles: [ROLE] } });
    for (const b of bodies.slice(1)) expect(b.allowed_mentions).toEqual({ parse: [] });
    expect(f.native.pins(TEXT)).toEqual([headerId]);
    expect((await bot.app.delivery.status()).targets[0]?.lastDelivery?.status).toBe("sent");
  });

  it("forum mode: a crash while the forum post was being created, then a restart → one post, no duplicate", async () => {
    const { fake: f, config, clock, bot } = await setup(FORUM, { DISCORD_POST_MODE: "forum" }, { nonceWindowMs: 0 });
    f.failNext({ method: "POST", path: new RegExp(`^/channels/${FORUM}/threads$`), status: 200, mode: "accept-then-hang" });
    const tick = bot.app.delivery.tick();
    await f.waitForRequest((r) => r.method === "POST" && r.path === `/channels/${FORUM}/threads`);
    await stopBot(bot);
    await tick;
    expect(f.native.threads().filter((t) => t.parentId === FORUM)).toHaveLength(1); // Discord made it; the ledger does not know.

    const again = await startBot(config, clock);
    await again.app.delivery.tick();
    const posts = f.native.threads().filter((t) => t.parentId === FORUM);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toMatchObject({ name: "2026-02-21" });
    expect(f.requests.filter((r) => r.method === "POST" && r.path === `/channels/${FORUM}/threads`)).toHaveLength(1);
    expect(f.requests.some((r) => r.method === "GET" && r.path === `/guilds/${f.guildId}/threads/active`)).toBe(true);
    // The rest of the post went into it, each once.
    const inPost = f.channelMessages(posts[0]!.id);
    expect(inPost.length).toBeGreaterThan(1); // the opening message and at least one section
    expect(new Set(inPost.map((m) => JSON.stringify((m as DiscordMessagePayload).embeds))).size).toBe(inPost.length);
    expect(again.logs.map((l) => l.msg)).toContain("found the in-flight part already posted; marked sent without posting it again");
    expect((await again.app.delivery.status()).targets[0]?.lastDelivery?.status).toBe("sent");
  });

  it("a missing permission for the thread disables the subscription; /status names the permission", async () => {
    const { fake: f, bot } = await setup(TEXT, { DISCORD_POST_MODE: "thread" });
    f.failNext({ method: "POST", path: /\/messages\/\d+\/threads$/, status: 403, code: 50013, message: "Missing Permissions" });
    await bot.app.delivery.tick();
    const target = (await bot.app.delivery.status()).targets[0]!;
    expect(target.enabled).toBe(false);
    expect(target.disabledReason).toBe(
      `discord channel ${TEXT}: Discord 403 (code 50013) Missing Permissions; give the bot Create Public Threads (and View Channel, Send Messages) in that channel, then /subscribe again`,
    );
    expect(await ask(f, "status")).toContain("give the bot Create Public Threads");
  });

  it("/subscribe mode:forum typed in a post of a forum subscribes the forum itself, in forum mode", async () => {
    const { fake: f, bot } = await setup(TEXT, {});
    const made = f.native.handle("POST", `/channels/${FORUM}/threads`, { name: "questions", message: { content: "hi" } });
    const postId = (made!.json as { id: string }).id;
    const answer = await ask(f, "subscribe", [{ name: "mode", type: 3, value: "Forum" }], postId);
    expect(answer).not.toContain("Error");
    const sub = await bot.app.storage.subscriptions.get("discord", FORUM);
    expect(sub?.enabled).toBe(true);
    expect(sub?.options).toMatchObject({ mode: "forum" });
    expect(await bot.app.storage.subscriptions.get("discord", postId)).toBeUndefined();
    const thread = await ask(f, "subscribe", [{ name: "mode", type: 3, value: "thread" }], postId);
    expect(thread).toContain("mode thread needs a text or announcement channel");
  });

  it("/subscribe mode:forum in a text channel is refused with what to do instead", async () => {
    const { fake: f } = await setup(TEXT, {});
    const answer = await ask(f, "subscribe", [{ name: "mode", type: 3, value: "forum" }]);
    expect(answer).toContain("mode forum works only in a forum channel");
  });
});
