// Tenants kept apart on Discord: a server's admins act only on their own server; global actions are the operators'.
import { cpSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import type { DiscordMessagePayload } from "../../src/discord/discord-render.js";
import { type FakeDiscord, type FakeOption } from "./fake-discord.js";
import { type DiscordApp, startDiscordApp } from "./discord-app.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-tenants";
const MANAGE_GUILD = "32";
// Server A (the fake's first guild) and server B, a second tenant.
const A_SUBSCRIBED = "710000000000000001";
const A_OTHER = "710000000000000002";
const GUILD_B = "820000000000000002";
const B_SUBSCRIBED = "720000000000000001";
const B_OTHER = "720000000000000002";
const OWNER = "100000000000000077";
const LISTED_OPERATOR = "100000000000000088";
const B_ADMIN = { userId: "100000000000000055", permissions: MANAGE_GUILD };
const A_ADMIN = { userId: "100000000000000044", permissions: MANAGE_GUILD };

let fake: FakeDiscord;
let app: App;
let bot: DiscordApp | undefined;

beforeAll(async () => {
  bot = await startDiscordApp({
    token: TOKEN,
    name: "discord-tenants",
    fake: { channelIds: [A_SUBSCRIBED, A_OTHER], extraGuilds: [{ id: GUILD_B, channelIds: [B_SUBSCRIBED, B_OTHER] }], ownerId: OWNER },
    digests: (into) => cpSync(join(import.meta.dirname, "../fixtures/digests"), into, { recursive: true }),
    settings: () => ({ DISCORD_CHANNEL_IDS: `${A_SUBSCRIBED},${B_SUBSCRIBED}`, DISCORD_ADMIN_IDS: LISTED_OPERATOR }),
    // Before the day's 09:00 Shanghai slot, so nothing is posted on schedule during the test.
    clock: () => new Date("2026-02-21T00:10:00Z"),
    start: true,
  });
  ({ fake, app } = bot);
});

afterAll(async () => {
  await bot?.close();
});

/** Runs a command as `member` in `channelId` and returns the answer's first embed (deferred answers included). */
async function run(name: string, member: { userId: string; permissions: string }, channelId: string, options: FakeOption[] = []) {
  const { id, token } = fake.interact({ kind: "command", name, member, channelId, options });
  const callback = await fake.waitForRequest((r) => r.method === "POST" && r.path.startsWith(`/interactions/${id}/`));
  let body = (callback.body as { type: number; data: DiscordMessagePayload }).data;
  // A deferred answer's privacy is set by the defer; the edit carries none.
  const flags = body.flags;
  if ((callback.body as { type: number }).type === 5) {
    const edit = await fake.waitForRequest((r) => r.method === "PATCH" && r.path.endsWith(`/${token}/messages/@original`), 10_000);
    body = edit.body as DiscordMessagePayload;
  }
  const embed = body.embeds[0]!;
  const fields = (embed.fields ?? []).map((f) => f.name);
  return { text: `${embed.description ?? ""}\n${fields.join("\n")}`, fields, flags };
}

const posted = () => ({
  a: fake.channelMessages(A_SUBSCRIBED).length,
  aOther: fake.channelMessages(A_OTHER).length,
  b: fake.channelMessages(B_SUBSCRIBED).length,
  bOther: fake.channelMessages(B_OTHER).length,
});

describe("Discord: a server's admins act on their own server only", () => {
  it("fetched the application's owner at start", async () => {
    await fake.waitForRequest((r) => r.method === "GET" && r.path === "/applications/@me");
  });

  it("/status from server B's admin lists only server B's targets", async () => {
    const status = await run("status", B_ADMIN, B_OTHER);
    expect(status.fields).toEqual([`discord:${B_SUBSCRIBED}`]);
    expect(status.text).not.toContain(A_SUBSCRIBED);
    const fromA = await run("status", A_ADMIN, A_OTHER);
    expect(fromA.fields).toEqual([`discord:${A_SUBSCRIBED}`]);
  });

  it("/repost all:true from server B's admin is refused and posts nowhere", async () => {
    const before = posted();
    const reply = await run("repost", B_ADMIN, B_OTHER, [{ name: "all", type: 5, value: true }]);
    expect(reply.flags).toBe(64);
    expect(reply.text).toContain(
      "/repost all:true reaches every subscription, so only the bot's operators can use it; group and server admins manage their own subscriptions.",
    );
    expect(posted()).toEqual(before);
  });

  it("/repost from server B's admin posts only where it was asked", async () => {
    const before = posted();
    const reply = await run("repost", B_ADMIN, B_OTHER);
    expect(reply.text).toMatch(/Reposted the 2026-02-21 digest: \d+ messages? to 1 target\./);
    const after = posted();
    expect(after.bOther).toBeGreaterThan(before.bOther);
    expect({ ...after, bOther: 0 }).toEqual({ ...before, bOther: 0 });
  });

  it("/subscribe and /unsubscribe from server B's admin change only server B's channel, unseen by server A", async () => {
    expect((await run("subscribe", B_ADMIN, B_OTHER)).text).toContain("Subscribed");
    expect((await run("status", B_ADMIN, B_OTHER)).fields.sort()).toEqual([`discord:${B_SUBSCRIBED}`, `discord:${B_OTHER}`].sort());
    expect((await run("status", A_ADMIN, A_OTHER)).fields).toEqual([`discord:${A_SUBSCRIBED}`]);
    expect((await run("unsubscribe", B_ADMIN, B_OTHER)).text).toContain("Unsubscribed");
    const targets = (await app.delivery.status()).targets.map((t) => `${t.targetId}:${t.enabled}`);
    expect(targets.sort()).toEqual([`${A_SUBSCRIBED}:true`, `${B_SUBSCRIBED}:true`].sort());
  });

  it("a member without Manage Server is still refused every admin command", async () => {
    for (const name of ["status", "repost", "subscribe", "unsubscribe"]) {
      const reply = await run(name, { userId: "100000000000000066", permissions: "0" }, B_OTHER);
      expect(reply.text).toContain(`Only admins can use /${name}.`);
    }
  });
});

describe("Discord: the bot's operators act globally", () => {
  it("the application's owner sees every server's targets, even without Manage Server where asked", async () => {
    const status = await run("status", { userId: OWNER, permissions: "0" }, B_OTHER);
    expect(status.fields.sort()).toEqual([`discord:${A_SUBSCRIBED}`, `discord:${B_SUBSCRIBED}`].sort());
  });

  it("a DISCORD_ADMIN_IDS operator reposts to every subscription with all:true", async () => {
    const before = posted();
    const reply = await run("repost", { userId: LISTED_OPERATOR, permissions: MANAGE_GUILD }, B_OTHER, [{ name: "all", type: 5, value: true }]);
    expect(reply.text).toMatch(/to 2 targets\./);
    const after = posted();
    expect(after.a).toBeGreaterThan(before.a);
    expect(after.b).toBeGreaterThan(before.b);
    expect(after.bOther).toBe(before.bOther);
  });
});

describe("Discord: send errors are scrubbed before they are stored or shown", () => {
  it("a proxy echoing the Authorization header in its error leaves no token in the reply, the ledger or /status", async () => {
    fake.failNext({ method: "POST", path: new RegExp(`^/channels/${B_SUBSCRIBED}/messages$`), status: 400, times: 20, message: `upstream failed; request had Authorization: Bot ${TOKEN}` });
    const reply = await run("repost", { userId: OWNER, permissions: "0" }, B_OTHER, [{ name: "all", type: 5, value: true }]);
    // Shown escaped for Discord Markdown (`\[`).
    expect(reply.text).toMatch(/upstream failed; request had Authorization: \\?\[redacted\]/);
    const stored = (await app.storage.db.selectFrom("deliveries").select("last_error").where("last_error", "is not", null).execute()) as { last_error: string }[];
    expect(stored.length).toBeGreaterThan(0);
    const status = await run("status", { userId: OWNER, permissions: "0" }, B_OTHER);
    for (const text of [reply.text, status.text, ...stored.map((r) => r.last_error)]) {
      expect(text).not.toContain(TOKEN.split(".")[2]!);
      expect(text).not.toContain(TOKEN.split(".")[0]!);
    }
  });
});
