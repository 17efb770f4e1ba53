// End to end: signed HTTP POSTs to /discord/interactions on the running operator endpoint, answered like the gateway would.
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, Events, GatewayIntentBits } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.js";
import { ConfigError, parseConfig } from "../../src/core/config.js";
import { createLogger } from "../../src/core/logger.js";
import { startDiscord, type DiscordAdapter } from "../../src/discord/discord-adapter.js";
import { DISCORD_INTERACTIONS_PATH } from "../../src/discord/discord-http-interactions.js";
import { createInteractionHandler } from "../../src/discord/discord-interactions.js";
import type { DiscordMessagePayload } from "../../src/discord/discord-render.js";
import { startHttpEndpoint, type HttpEndpoint } from "../../src/http/http-server.js";
import { createBotMetrics } from "../../src/http/metrics.js";
import { startFakeDiscord, type FakeDiscord, type InjectedInteraction } from "./fake-discord.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE3.SECRET-http-interactions-token";
const MANAGE_GUILD = "32";
const keys = generateKeyPairSync("ed25519");
/** The raw 32-byte public key as the Developer Portal shows it: 64 hex characters. */
const PUBLIC_KEY_HEX = keys.publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");

let fake: FakeDiscord;
let app: App;
let http: HttpEndpoint;
let discord: DiscordAdapter;
let gateway: Client;
let dir: string;
/** While set, the next command run waits for it (a slow command). */
let gate: Promise<void> | undefined;

type Answer = { type: number; data?: DiscordMessagePayload & { choices?: { name: string; value: string }[] } };

/** POSTs `payload` signed with `key` (default: the application's) at `timestamp` (default: now). */
async function post(payload: unknown, options: { key?: KeyObject; timestamp?: string; signature?: string | null } = {}) {
  const body = JSON.stringify(payload);
  const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(timestamp + body), options.key ?? keys.privateKey).toString("hex");
  const headers: Record<string, string> = { "content-type": "application/json", "x-signature-timestamp": timestamp };
  if (options.signature !== null) headers["x-signature-ed25519"] = options.signature ?? signature;
  const res = await fetch(`${http.url}${DISCORD_INTERACTIONS_PATH}`, { method: "POST", headers, body });
  return { status: res.status, body: (await res.json()) as Answer & { error?: string } };
}

const interaction = (i: InjectedInteraction) => fake.interactionPayload(i);

beforeAll(async () => {
  fake = await startFakeDiscord();
  dir = mkdtempSync(join(tmpdir(), "digest-bot-dhttp-"));
  cpSync(join(import.meta.dirname, "../../test/fixtures/sample"), join(dir, "digests"), { recursive: true });
  const config = parseConfig({
    DISCORD_TOKEN: TOKEN,
    DISCORD_API_BASE: fake.apiBase,
    DISCORD_GUILD_ID: fake.guildId,
    DISCORD_PUBLIC_KEY: PUBLIC_KEY_HEX,
    HTTP_PORT: "8080",
    DIGEST_DIR: join(dir, "digests"),
    DATA_DIR: join(dir, "state"),
    BOT_LOCALE: "en",
  });
  const logger = createLogger({ level: "silent", pretty: false });
  app = await createApp({ config, logger, watch: false });
  await app.ready;
  http = await startHttpEndpoint({ host: "127.0.0.1", port: 0, metrics: createBotMetrics(), logger });
  const slowable: App = { ...app, run: async (...args) => (gate ? gate.then(() => app.run(...args)) : app.run(...args)) };
  discord = await startDiscord({ config, logger, app: slowable, interactionsHost: http });

  // The gateway path, same app and handler, for "exactly as over the gateway".
  const handle = createInteractionHandler({ config, app, logger });
  gateway = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiBase } });
  gateway.on(Events.InteractionCreate, (i) => void handle(i));
  const ready = new Promise((resolve) => gateway.once(Events.ClientReady, resolve));
  await gateway.login(TOKEN);
  await ready;
});

afterAll(async () => {
  await discord?.stop();
  await gateway?.destroy();
  await http?.close();
  await app?.close();
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Discord HTTP interactions", () => {
  it("starts without a gateway session: checks the token over REST and registers the commands as before", async () => {
    expect(discord.mode).toBe("http");
    // One IDENTIFY only: the comparison client's; the HTTP adapter never opened the gateway.
    expect(fake.identifies).toHaveLength(1);
    const put = await fake.waitForRequest((r) => r.method === "PUT" && r.path === `/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`);
    expect((put.body as { name: string }[]).map((c) => c.name)).toEqual(app.registry.commands.map((c) => c.name));
    expect(put.authorization).toBe(`Bot ${TOKEN}`);
  });

  it("refuses a request signed by another key, with a stale timestamp, or unsigned: 401 and nothing run", async () => {
    const before = fake.requests.length;
    const story = interaction({ kind: "command", name: "story", options: [{ name: "query", type: 3, value: "glm-5" }] }).payload;
    const other = generateKeyPairSync("ed25519").privateKey;
    expect(await post(story, { key: other })).toEqual({ status: 401, body: { error: "invalid request signature" } });
    expect(await post({ type: 1 }, { key: other })).toEqual({ status: 401, body: { error: "invalid request signature" } });
    const stale = String(Math.floor(Date.now() / 1000) - 301);
    expect((await post(story, { timestamp: stale })).status).toBe(401);
    expect((await post(story, { signature: null })).status).toBe(401);
    // A valid signature over a different body (a tampered request).
    const signedFor = sign(null, Buffer.from(`${Math.floor(Date.now() / 1000)}{"type":1}`), keys.privateKey).toString("hex");
    expect((await post(story, { signature: signedFor })).status).toBe(401);
    expect(fake.requests.length).toBe(before);
  });

  it("answers PING with PONG", async () => {
    expect(await post({ id: "1", type: 1, application_id: fake.applicationId, token: "t", version: 1 })).toEqual({ status: 200, body: { type: 1 } });
  });

  it("answers /story in the HTTP reply with the same payload the gateway path sends", async () => {
    const options = [{ name: "query", type: 3, value: "glm-5" }];
    const asked = interaction({ kind: "command", name: "story", options });
    const overHttp = await post(asked.payload);
    const { id } = fake.interact({ kind: "command", name: "story", options });
    const overGateway = await fake.waitForRequest((r) => r.method === "POST" && r.path.startsWith(`/interactions/${id}/`));
    expect(overHttp.status).toBe(200);
    expect(overHttp.body.type).toBe(4);
    expect(overHttp.body.data!.embeds[0]!.title).toContain("GLM");
    expect(overHttp.body.data!.allowed_mentions).toEqual({ parse: [] });
    expect(overHttp.body).toEqual(overGateway.body);
    // Answered in the reply, not through the callback route as well.
    expect(fake.requests.some((r) => r.path.includes(asked.token))).toBe(false);
  });

  it("answers autocomplete with type 8 and the matching stories", async () => {
    const res = await post(interaction({ kind: "autocomplete", name: "story", options: [{ name: "query", type: 3, value: "sonn", focused: true }] }).payload);
    expect(res.body.type).toBe(8);
    expect(res.body.data!.choices!.map((c) => c.value)).toEqual(app.search.search("sonn", { prefix: true, limit: 25 }).map((h) => h.id));
  });

  it("answers a Full story button privately (type 4, ephemeral)", async () => {
    const story = app.archive.latest()!.sections[1]!.stories[0]!;
    const res = await post(interaction({ kind: "button", customId: `digest-bot:story:${story.id}` }).payload);
    expect(res.body.type).toBe(4);
    expect(res.body.data!.flags).toBe(64);
    expect(res.body.data!.embeds[0]!.footer?.text.endsWith(` · ${story.id}`)).toBe(true);
    expect(res.body.data!.embeds[0]!.title).toContain("OpenClaw");
  });

  it("turns a /search page in place (type 7) from the Next button of the first page", async () => {
    const first = await post(interaction({ kind: "command", name: "search", options: [{ name: "query", type: 3, value: "agent" }] }).payload);
    const next = first.body.data!.components.flatMap((r) => r.components).find((b) => (b as { label?: string }).label === "Next ▶") as { custom_id: string };
    expect(next).toBeDefined();
    const turned = await post(interaction({ kind: "button", customId: next.custom_id }).payload);
    expect(turned.body.type).toBe(7);
    expect(turned.body.data!.embeds[0]!.footer?.text).toMatch(/^Page 2\//);
  });

  it("checks admin commands against the member permissions the interaction carries", async () => {
    const refused = await post(interaction({ kind: "command", name: "status", member: { permissions: "0" } }).payload);
    expect(refused.body.data!.flags).toBe(64);
    expect(refused.body.data!.embeds[0]!.title).toBe("Error");
    // Admin work is deferred privately at once (as on the gateway), then the answer is edited in.
    const asked = interaction({ kind: "command", name: "status", member: { permissions: MANAGE_GUILD } });
    const allowed = await post(asked.payload);
    expect(allowed.body).toEqual({ type: 5, data: { flags: 64 } });
    const edit = await fake.waitForRequest((r) => r.method === "PATCH" && r.path === `/webhooks/${fake.applicationId}/${asked.token}/messages/@original`);
    expect((edit.body as DiscordMessagePayload).embeds[0]!.title).toBe("Delivery status");
  });

  it("defers a slow command in the reply (type 5), then edits the answer in through the webhook", async () => {
    let release!: () => void;
    gate = new Promise<void>((resolve) => (release = resolve));
    const { payload, token } = interaction({ kind: "command", name: "sections" });
    const res = await post(payload);
    expect(res.body).toEqual({ type: 5, data: { flags: 0 } });
    gate = undefined;
    release();
    const edit = await fake.waitForRequest((r) => r.method === "PATCH" && r.path === `/webhooks/${fake.applicationId}/${token}/messages/@original`);
    expect((edit.body as DiscordMessagePayload).embeds[0]!.title).toBe("Sections of the 2026-02-18 digest");
    expect(edit.body).toMatchObject({ allowed_mentions: { parse: [] } });
  });
});

describe("Discord HTTP interactions: start and stop", () => {
  it("a rejected token fails the start with the one line the operator needs", async () => {
    const config = parseConfig({ DISCORD_TOKEN: TOKEN, DISCORD_API_BASE: fake.apiBase, DISCORD_PUBLIC_KEY: PUBLIC_KEY_HEX, HTTP_PORT: "8080" });
    fake.failNext({ method: "GET", path: /^\/applications\/@me$/, status: 401 });
    await expect(startDiscord({ config, logger: createLogger({ level: "silent", pretty: false }), app, interactionsHost: http })).rejects.toThrow(
      "Discord rejected DISCORD_TOKEN (401 Unauthorized); copy the token again from the Developer Portal's Bot page (Reset Token)",
    );
  });

  it("answers 503 to interactions once draining (Discord shows the user the failure; nothing half-done)", async () => {
    await discord.drain();
    const res = await post(interaction({ kind: "command", name: "sections" }).payload);
    expect(res).toEqual({ status: 503, body: { error: "stopping" } });
    // PING still proves the endpoint is ours.
    expect((await post({ id: "2", type: 1 })).body).toEqual({ type: 1 });
  });
});

describe("DISCORD_PUBLIC_KEY", () => {
  it("must be 64 hex characters and needs HTTP_PORT and DISCORD_TOKEN", () => {
    expect(() => parseConfig({ DISCORD_PUBLIC_KEY: "abc" })).toThrow(ConfigError);
    expect(() => parseConfig({ DISCORD_PUBLIC_KEY: "abc" })).toThrow(/DISCORD_PUBLIC_KEY.*64 hex characters/);
    expect(() => parseConfig({ DISCORD_PUBLIC_KEY: PUBLIC_KEY_HEX, DISCORD_TOKEN: TOKEN })).toThrow(
      "HTTP_PORT is required with DISCORD_PUBLIC_KEY; /discord/interactions is served on it (e.g. HTTP_PORT=8080 behind your https proxy)",
    );
    expect(() => parseConfig({ DISCORD_PUBLIC_KEY: PUBLIC_KEY_HEX, HTTP_PORT: "8080" })).toThrow(
      "DISCORD_TOKEN is required with DISCORD_PUBLIC_KEY; replies, follow-ups and deliveries still use the bot token",
    );
  });
});
