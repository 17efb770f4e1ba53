// End to end: the real discord.js client, the real app (archive, search, state, delivery, commands), a fake Discord on loopback.
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { parseConfig } from "../../src/core/config.js";
import { PublishError } from "../../src/core/delivery/publisher.js";
import { createLogger } from "../../src/core/logger.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { startDiscord, DiscordStartError, type DiscordAdapter } from "../../src/discord/discord-adapter.js";
import { planDiscordDailyPost } from "../../src/discord/discord-daily-post.js";
import { messageBody } from "../../src/discord/discord-native.js";
import type { DiscordMessagePayload } from "../../src/discord/discord-render.js";
import { startFakeDiscord, type FakeDiscord, type RecordedRequest } from "./fake-discord.js";
import { type DiscordApp, startDiscordApp } from "./discord-app.js";
import { expectWithinDiscordLimits, shownText } from "./sample.js";

/** What the engine passes to every send. */
const sendOptions = (idempotencyKey: string) => ({ idempotencyKey, signal: new AbortController().signal });

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.SECRET-discord-token-for-tests_xyz";
const SUBSCRIBED = "700000000000000001";
const ASKING = "700000000000000002";
const MISSING_ACCESS = "700000000000000003";
const MANAGE_GUILD = "32";

/** A small older digest whose text tries to ping everyone and to break Markdown. */
const HOSTILE_DIGEST = `#### **安全测试**  
##### **Ping 测试 @everyone 标题**  
正文里有 @everyone 和 @here，还有 <@&123456789012345678> 以及 ||剧透|| 和 snake_case_name 和 [假链接](https://evil.example)。第二句话。  
 > 相关链接：[链接 @everyone](https://example.com/a)  
`;

let fake: FakeDiscord;
let app: App;
let discord: DiscordAdapter;
let dir: string;
let bot: DiscordApp | undefined;
const logs: string[] = [];
const clock = { now: new Date("2026-02-18T00:30:00Z") }; // 08:30 in Shanghai, before the 09:00 slot

const callbackOf = (id: string) => fake.waitForRequest((r) => r.method === "POST" && r.path.startsWith(`/interactions/${id}/`));
const dataOf = (r: RecordedRequest) => (r.body as { type: number; data: DiscordMessagePayload & { choices?: { name: string; value: string }[] } });

beforeAll(async () => {
  bot = await startDiscordApp({
    token: TOKEN,
    name: "discord",
    fake: { channelIds: [SUBSCRIBED, ASKING, MISSING_ACCESS] },
    digests: (into) => {
      cpSync(join(import.meta.dirname, "../../test/fixtures/sample"), into, { recursive: true });
      writeFileSync(join(into, "2026-02-10.md"), HOSTILE_DIGEST);
    },
    settings: () => ({ DISCORD_CHANNEL_IDS: SUBSCRIBED }),
    // No `secrets` on purpose: the adapter itself must keep the token out of what it logs.
    logger: createLogger({ level: "debug", pretty: false, destination: { write: (line: string) => void logs.push(line) } }),
    clock: () => clock.now,
  });
  ({ fake, app, discord, dir } = bot);
});

afterAll(async () => {
  await bot?.close();
});

describe("Discord adapter against a fake Discord", () => {
  it("logs in with the token over the gateway the API named, and registers every command in the server", async () => {
    expect(fake.requests[0]).toMatchObject({ method: "GET", path: "/gateway/bot" });
    expect((fake.identifies[0] as { token: string }).token).toBe(TOKEN);
    const put = await fake.waitForRequest((r) => r.method === "PUT" && r.path === `/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`);
    const commands = put.body as Record<string, any>[];
    expect(commands.map((c) => c.name)).toEqual(app.registry.commands.map((c) => c.name));
    const story = commands.find((c) => c.name === "story")!;
    expect(story.description_localizations["zh-CN"]).toBe(app.registry.get("story")!.description.zh);
    expect(story.description_localizations["en-US"]).toBe(app.registry.get("story")!.description.en);
    expect(story.default_member_permissions).toBeUndefined();
    const query = story.options.find((o: { name: string }) => o.name === "query");
    expect(query).toMatchObject({ type: 3, required: true, autocomplete: true, max_length: 200 });
    expect(commands.find((c) => c.name === "links")!.options[0].autocomplete).toBe(true);
    for (const name of ["repost", "subscribe", "unsubscribe", "status"]) {
      expect(commands.find((c) => c.name === name)!.default_member_permissions).toBe(MANAGE_GUILD);
    }
    const lines = logs.join("\n");
    expect(lines).toContain('"msg":"discord ready"');
    expect(lines).toContain('"msg":"discord commands registered in the server"');
  });

  it("answers /story with the story as an embed that pings no one", async () => {
    const { id } = fake.interact({ kind: "command", name: "story", options: [{ name: "query", type: 3, value: "glm-5" }] });
    const { type, data } = dataOf(await callbackOf(id));
    expect(type).toBe(4);
    expect(data.flags).toBeUndefined();
    expect(data.allowed_mentions).toEqual({ parse: [] });
    const embed = data.embeds[0]!;
    expect(embed.title).toBe("GLM‑5 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练");
    expect(embed.footer?.text).toBe("2026-02-18 · 模型与能力 · 20260218-glm-5-dsa-rl-agent-m7vrh");
    expect(embed.fields?.[0]?.value).toContain("https://arxiv.org/abs/2602.15763");
    const buttons = data.components.flatMap((r) => r.components) as { url: string }[];
    expect(buttons.map((b) => b.url)).toContain("https://arxiv.org/abs/2602.15763");
  });

  it("answers in Chinese for a zh-CN user", async () => {
    const { id } = fake.interact({ kind: "command", name: "story", options: [{ name: "query", type: 3, value: "20260218-1-3" }], locale: "zh-CN" });
    const { data } = dataOf(await callbackOf(id));
    expect(data.embeds[0]!.fields?.[0]?.name).toBe("相关链接");
  });

  it("autocompletes /story queries with matching stories: title as name, id as value", async () => {
    const { id } = fake.interact({ kind: "autocomplete", name: "story", options: [{ name: "query", type: 3, value: "sonn", focused: true }] });
    const { type, data } = dataOf(await callbackOf(id));
    expect(type).toBe(8);
    expect(data.choices!.length).toBeGreaterThan(0);
    expect(data.choices!.length).toBeLessThanOrEqual(25);
    expect(data.choices).toContainEqual({ name: "Anthropic 推出 Claude Sonnet 4.6：1M 上下文，逼近 Opus，成本与质量新权衡", value: "20260218-anthropic-claude-sonnet-65waa" });
    // In the search index's order (best first).
    expect(data.choices!.map((c) => c.value)).toEqual(app.search.search("sonn", { prefix: true, limit: 25 }).map((h) => h.id));
    for (const c of data.choices!) expect(c.name.length).toBeLessThanOrEqual(100);

    const empty = fake.interact({ kind: "autocomplete", name: "links", options: [{ name: "query", type: 3, value: "", focused: true }] });
    const latest = app.archive.latest()!.sections.flatMap((s) => s.stories.map((st) => st.id)).slice(0, 25);
    expect(dataOf(await callbackOf(empty.id)).data.choices!.map((c) => c.value)).toEqual(latest);
  });

  it("refuses /repost to a member without Manage Server, privately, and posts nothing", async () => {
    const before = fake.channelMessages(ASKING).length;
    const { id } = fake.interact({ kind: "command", name: "repost", member: { permissions: "0" }, channelId: ASKING });
    const { type, data } = dataOf(await callbackOf(id));
    expect(type).toBe(4);
    expect(data.flags).toBe(64);
    expect(data.embeds[0]!.description).toBe("Only admins can use /repost.\nAsk an admin of this server or group.");
    expect(fake.channelMessages(ASKING).length).toBe(before);
  });

  it("accepts /repost from a member with Manage Server: defers privately, posts the digest in the channel, confirms", async () => {
    const { id, token } = fake.interact({ kind: "command", name: "repost", member: { permissions: MANAGE_GUILD }, channelId: ASKING });
    const { type, data } = dataOf(await callbackOf(id));
    expect(type).toBe(5);
    expect(data.flags).toBe(64);
    const edit = await fake.waitForRequest((r) => r.method === "PATCH" && r.path.endsWith(`/${token}/messages/@original`));
    expect((edit.body as DiscordMessagePayload).allowed_mentions).toEqual({ parse: [] });
    const confirmation = (edit.body as DiscordMessagePayload).embeds[0]!.description!;
    const expected = planDiscordDailyPost(buildDailyPost(app.archive.get("2026-02-18")!), "en");
    expect(confirmation).toContain(`Reposted the 2026-02-18 digest: ${expected.length} messages to 1 target.`);
    const posted = fake.channelMessages(ASKING) as (DiscordMessagePayload & { nonce: string; enforce_nonce: boolean })[];
    // Exactly the planned bodies, without the planner's placement marker (not a Discord field).
    expect(posted.map(({ nonce: _n, enforce_nonce: _e, ...body }) => body)).toEqual(expected.map(messageBody));
    for (const p of posted) expect(p).toMatchObject({ nonce: expect.stringMatching(/^[A-Za-z0-9]{1,25}$/), enforce_nonce: true });
  });

  it("delivers the scheduled post to the subscribed channel, retrying a 429 as told", async () => {
    fake.failNext({ method: "POST", path: new RegExp(`^/channels/${SUBSCRIBED}/messages$`), status: 429, retryAfter: 0.3 });
    clock.now = new Date("2026-02-18T01:00:30Z"); // 09:00:30 in Asia/Shanghai
    await app.delivery.tick();
    const expected = planDiscordDailyPost(buildDailyPost(app.archive.get("2026-02-18")!), "en");
    const posted = fake.channelMessages(SUBSCRIBED) as (DiscordMessagePayload & { nonce?: string; enforce_nonce?: boolean })[];
    // Exactly the planned bodies, without the planner's placement marker (not a Discord field).
    expect(posted.map(({ nonce: _n, enforce_nonce: _e, ...body }) => body)).toEqual(expected.map(messageBody));
    for (const p of posted) expectWithinDiscordLimits(p);
    const attempts = fake.requests.filter((r) => r.method === "POST" && r.path === `/channels/${SUBSCRIBED}/messages`);
    expect(attempts.map((r) => r.status)).toEqual([429, ...expected.map(() => 200)]);
    // The retry carried the same nonce, so Discord could de-duplicate it.
    expect((attempts[0]!.body as { nonce: string }).nonce).toBe((attempts[1]!.body as { nonce: string }).nonce);
    expect(logs.join("\n")).toContain("discord rate limited; waiting as told");
  });

  it("answers a Full story button with the story, only to the clicker", async () => {
    const { id } = fake.interact({ kind: "button", customId: "digest-bot:story:20260218-1-3" });
    const { type, data } = dataOf(await callbackOf(id));
    expect(type).toBe(4);
    expect(data.flags).toBe(64);
    expect(data.embeds[0]!.footer?.text).toBe("2026-02-18 · 模型与能力 · 20260218-glm-5-dsa-rl-agent-m7vrh");
  });

  describe("/search paging", () => {
    type Button = { type: number; style: number; label: string; custom_id: string };
    const buttonsOf = (data: DiscordMessagePayload) => data.components.flatMap((r) => r.components) as Button[];
    const pagesOf = (query: string) => Math.ceil(app.search.search(query).length / 10);

    it("shows Next ▶ on the first page; clicking it updates the same message to page 2, with ◀ Previous back", async () => {
      const pages = pagesOf("agent");
      expect(pages).toBeGreaterThan(1);
      const asked = fake.interact({ kind: "command", name: "search", options: [{ name: "query", type: 3, value: "agent" }] });
      const first = dataOf(await callbackOf(asked.id));
      expect(first.type).toBe(4);
      expect(first.data.embeds[0]!.footer?.text).toBe(`Page 1/${pages}`);
      const [next, ...others] = buttonsOf(first.data);
      expect(others).toEqual([]);
      expect(next).toMatchObject({ type: 2, style: 2, label: "Next ▶", custom_id: "s|2|||agent" });

      const clicked = fake.interact({ kind: "button", customId: next!.custom_id });
      const update = dataOf(await callbackOf(clicked.id));
      expect(update.type).toBe(7); // UPDATE_MESSAGE: the results message itself changes, for everyone
      expect(update.data.flags).toBeUndefined();
      expect(update.data.allowed_mentions).toEqual({ parse: [] });
      expect(update.data.embeds[0]!.title).toBe(first.data.embeds[0]!.title);
      expect(update.data.embeds[0]!.footer?.text).toBe(`Page 2/${pages}`);
      expect(update.data.embeds[0]!.description).toMatch(/^11\. /);
      const back = buttonsOf(update.data);
      expect(back[0]).toMatchObject({ label: "◀ Previous", custom_id: "s|1|||agent" });
      expect(back.map((b) => b.label)).toEqual(pages > 2 ? ["◀ Previous", "Next ▶"] : ["◀ Previous"]);

      const previous = fake.interact({ kind: "button", customId: back[0]!.custom_id });
      const again = dataOf(await callbackOf(previous.id));
      expect(again.type).toBe(7);
      expect(again.data.embeds[0]!.description).toBe(first.data.embeds[0]!.description);
    });

    it("keeps the filters across pages", async () => {
      const asked = fake.interact({
        kind: "command",
        name: "search",
        options: [
          { name: "query", type: 3, value: "模型" },
          { name: "date", type: 3, value: "2026-02-18" },
        ],
      });
      const first = dataOf(await callbackOf(asked.id)).data;
      const next = buttonsOf(first).find((b) => b.label === "Next ▶");
      expect(next?.custom_id).toBe("s|2|2026-02-18||模型");
      const update = dataOf(await callbackOf(fake.interact({ kind: "button", customId: next!.custom_id }).id)).data;
      expect(update.embeds[0]!.footer?.text).toMatch(/^Page 2\/\d+ · Filters: 2026-02-18$/);
      expect(update.embeds[0]!.description).not.toContain("2026-02-10");
    });

    it("a query too long for a custom id pages through a short key kept in the state database", async () => {
      const query = `agent ${"workflow ".repeat(12)}`.trim(); // over 100 characters with the paging fields
      expect(query.length).toBeGreaterThan(94);
      const pages = pagesOf(query);
      expect(pages).toBeGreaterThan(1);
      const asked = fake.interact({ kind: "command", name: "search", options: [{ name: "query", type: 3, value: query }] });
      const next = buttonsOf(dataOf(await callbackOf(asked.id)).data)[0]!;
      expect(next.label).toBe("Next ▶");
      expect(next.custom_id).toMatch(/^S\|/);
      expect(next.custom_id.length).toBeLessThanOrEqual(20);
      const update = dataOf(await callbackOf(fake.interact({ kind: "button", customId: next.custom_id }).id));
      expect(update.type).toBe(7);
      expect(update.data.embeds[0]!.title).toContain(query);
      expect(update.data.embeds[0]!.footer?.text).toBe(`Page 2/${pages}`);
    });

    it("crafted custom ids (negative, zero, huge or garbage pages, junk filters, unknown ids) never change the message", async () => {
      const privately = ["s|-1|||agent", "s|0|||agent", "s|1000000|||agent", "s|x|||agent", "s|100|||agent", "s|2|9999-99-99||agent", "s|2||no such section|agent"];
      const tokens: string[] = [];
      for (const customId of privately) {
        const { id, token } = fake.interact({ kind: "button", customId });
        tokens.push(token);
        const { type, data } = dataOf(await callbackOf(id));
        expect([customId, type, data.flags]).toEqual([customId, 4, 64]); // a new private message, not an update
        expect(data.allowed_mentions).toEqual({ parse: [] });
        expect(data.components).toEqual([]);
      }
      // A story button with a made-up id is a private "no match", not an error of the bot.
      const story = fake.interact({ kind: "button", customId: "digest-bot:story:<@&1> ../../etc/passwd" });
      const answer = dataOf(await callbackOf(story.id));
      expect([answer.type, answer.data.flags]).toEqual([4, 64]);
      expect(shownText(answer.data)).not.toMatch(/<@&/);
      // Not a button of this bot at all: acknowledged without any change, so Discord shows no failure.
      const other = fake.interact({ kind: "button", customId: "💥".repeat(40) });
      expect(dataOf(await callbackOf(other.id))).toEqual({ type: 6 });
      tokens.push(story.token, other.token);
      expect(fake.requests.filter((r) => tokens.some((t) => r.path.includes(t)) && r.method !== "POST")).toEqual([]);
    });

    it("an expired key answers the clicker privately with what to do, and leaves the message alone", async () => {
      const { id } = fake.interact({ kind: "button", customId: "S|0ld0ne1", locale: "zh-CN" });
      const { type, data } = dataOf(await callbackOf(id));
      expect(type).toBe(4);
      expect(data.flags).toBe(64);
      expect(data.embeds[0]!.description).toBe("这个翻页按钮已经失效。\n搜索超过 30 天后，它的翻页按钮就不能再用了；请重新发送 /search。");
    });

    it("a page that no longer exists is explained privately instead of replacing the results", async () => {
      const { id } = fake.interact({ kind: "button", customId: "s|99|||agent" });
      const { type, data } = dataOf(await callbackOf(id));
      expect(type).toBe(4);
      expect(data.flags).toBe(64);
      expect(data.embeds[0]!.description).toMatch(/^There are only \d+ pages of results, not 99\./);
    });
  });

  it("never lets an @everyone from a digest ping, in replies or in posts", async () => {
    const asked = fake.interact({ kind: "command", name: "story", options: [{ name: "query", type: 3, value: "Ping 测试" }] });
    const reply = dataOf(await callbackOf(asked.id)).data;
    expect(reply.embeds[0]!.footer?.text).toContain("20260210-ping-everyone-2lno1");
    expect(reply.allowed_mentions).toEqual({ parse: [] });
    expect(shownText(reply)).not.toMatch(/@everyone|@here|<@&/);
    // Markdown-looking text that survives the parser stays literal.
    expect(shownText(reply)).toContain("\\|\\|剧透\\|\\|");
    expect(shownText(reply)).toContain("snake\\_case\\_name");

    const before = fake.channelMessages(ASKING).length;
    const repost = fake.interact({
      kind: "command",
      name: "repost",
      member: { permissions: MANAGE_GUILD },
      channelId: ASKING,
      options: [{ name: "date", type: 3, value: "2026-02-10" }],
    });
    await fake.waitForRequest((r) => r.method === "PATCH" && r.path.includes(repost.token));
    const posts = fake.channelMessages(ASKING).slice(before) as DiscordMessagePayload[];
    expect(posts.length).toBeGreaterThan(0);
    for (const p of posts) {
      expect(p.allowed_mentions).toEqual({ parse: [] });
      expect(shownText(p)).not.toMatch(/@everyone|@here|<@&/);
    }
    expect(posts.map(shownText).join("\n")).toContain("@\u200beveryone");
  });

  it("classifies send failures: missing access is permanent, 5xx is transient, a repeated nonce posts once", async () => {
    const body = planDiscordDailyPost(buildDailyPost(app.archive.get("2026-02-10")!), "en")[0]!;
    fake.failNext({ method: "POST", path: new RegExp(`^/channels/${MISSING_ACCESS}/messages$`), status: 403, code: 50013 });
    const denied = await discord.publisher.send(MISSING_ACCESS, body, sendOptions("k1")).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(PublishError);
    expect((denied as PublishError).kind).toBe("permanent");
    expect((denied as PublishError).message).toContain("give the bot View Channel, Send Messages and Embed Links");

    const unknown = await discord.publisher.send("700000000000000099", body, sendOptions("k2")).catch((e: unknown) => e);
    expect((unknown as PublishError).kind).toBe("permanent");
    expect((unknown as PublishError).message).toContain("code 10003");

    fake.failNext({ method: "POST", path: new RegExp(`^/channels/${MISSING_ACCESS}/messages$`), status: 502 }); // one answer: the delivery client does not retry (the engine does)
    const down = await discord.publisher.send(MISSING_ACCESS, body, sendOptions("k3")).catch((e: unknown) => e);
    expect((down as PublishError).kind).toBe("transient");

    const first = await discord.publisher.send(MISSING_ACCESS, body, sendOptions("k4"));
    const again = await discord.publisher.send(MISSING_ACCESS, body, sendOptions("k4"));
    expect(again.messageId).toBe(first.messageId);
    expect(fake.channelMessages(MISSING_ACCESS)).toHaveLength(1);
    for (const e of [denied, unknown, down]) expect(String((e as Error).message)).not.toContain(TOKEN);
  });

  it("never wrote the token to the log", () => {
    expect(logs.length).toBeGreaterThan(5);
    expect(logs.join("\n")).not.toContain(TOKEN);
    expect(logs.join("\n")).not.toContain(TOKEN.split(".")[2]!);
  });
});

describe("startDiscord without DISCORD_GUILD_ID", () => {
  it("registers the commands globally; a refused registration is logged with the fix and the bot keeps running", async () => {
    const other = await startFakeDiscord();
    const config = parseConfig({ DISCORD_TOKEN: TOKEN, DISCORD_API_BASE: other.apiBase, DIGEST_DIR: join(dir, "digests"), DATA_DIR: join(dir, "state3") });
    const lines: string[] = [];
    const logger = createLogger({ level: "info", pretty: false, destination: { write: (l: string) => void lines.push(l) } });
    const parts = { registry: app.registry, services: app.services, run: app.run, storage: app.storage, delivery: { registerPublisher: () => undefined } };
    const first = await startDiscord({ config, logger, app: parts });
    const put = await other.waitForRequest((r) => r.method === "PUT");
    expect(put.path).toBe(`/applications/${other.applicationId}/commands`);
    expect(lines.join("\n")).toContain("discord commands registered globally");
    await first.stop();

    other.failNext({ method: "PUT", path: /\/commands$/, status: 403, code: 50001 });
    const second = await startDiscord({ config, logger, app: parts });
    expect(lines.join("\n")).toContain("discord command registration failed; invite the bot with the applications.commands scope");
    await second.stop();
    await other.close();
    expect(lines.join("\n")).not.toContain(TOKEN);
  });
});

describe("startDiscord failures", () => {
  it("a rejected login fails with a clear error that does not contain the token", async () => {
    const other = await startFakeDiscord();
    other.failNext({ method: "GET", path: /^\/gateway\/bot$/, status: 401, times: 5 });
    const config = parseConfig({ DISCORD_TOKEN: TOKEN, DISCORD_API_BASE: other.apiBase, DIGEST_DIR: join(dir, "digests"), DATA_DIR: join(dir, "state2") });
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", pretty: false, destination: { write: (l: string) => void lines.push(l) } });
    const err = await startDiscord({ config, logger, app }).catch((e: unknown) => e);
    await other.close();
    expect(err).toBeInstanceOf(DiscordStartError);
    expect((err as Error).message).toBe(
      "Discord rejected DISCORD_TOKEN (401 Unauthorized); copy the token again from the Developer Portal's Bot page (Reset Token)",
    );
    expect((err as Error).message).not.toContain(TOKEN);
    expect(lines.join("\n")).not.toContain(TOKEN);
  });
});
