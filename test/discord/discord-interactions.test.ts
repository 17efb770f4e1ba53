// Slow commands and page turns: the handler defers before Discord's 3-second window closes, then answers (privately for errors).
import { Client, Events, GatewayIntentBits } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { loadCommands } from "../../src/core/command-registry.js";
import { parseConfig } from "../../src/core/config.js";
import { createLogger } from "../../src/core/logger.js";
import type { Reply } from "../../src/core/reply.js";
import type { DiscordMessagePayload } from "../../src/discord/discord-render.js";
import { autocompleteChoices, createInteractionHandler } from "../../src/discord/discord-interactions.js";
import { startFakeDiscord, type FakeDiscord } from "./fake-discord.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE2.another-secret-token-for-tests";
/** Shorter than the real 1.5 s so the slow cases stay fast; the logic is the same. */
const DEFER_AFTER = 300;
let fake: FakeDiscord;
let client: Client;
/** What the next command answers, and after how long. */
const next: { reply: Reply; afterMs: number } = { reply: { type: "notice", tone: "info", text: "" }, afterMs: 0 };
/** What the handler asked the app to run. */
const ran: { name: string; options: Record<string, unknown> }[] = [];

beforeAll(async () => {
  fake = await startFakeDiscord();
  const registry = await loadCommands();
  const app = {
    registry,
    services: {} as App["services"],
    run: (name, options) => {
      ran.push({ name, options });
      return new Promise<Reply>((resolve) => setTimeout(() => resolve(next.reply), next.afterMs));
    },
  } satisfies Pick<App, "registry" | "services" | "run">;
  const handle = createInteractionHandler({
    config: parseConfig({ BOT_LOCALE: "en" }),
    app,
    logger: createLogger({ level: "silent", pretty: false }),
    deferAfterMs: DEFER_AFTER,
  });
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiBase } });
  client.on(Events.InteractionCreate, (i) => void handle(i));
  const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve));
  await client.login(TOKEN);
  await ready;
});

afterAll(async () => {
  await client?.destroy();
  await fake?.close();
});

describe("deferring slow commands", () => {
  it("answers a fast command directly", async () => {
    Object.assign(next, { reply: { type: "notice", tone: "info", text: "fast" }, afterMs: 0 });
    const { id } = fake.interact({ kind: "command", name: "sections" });
    const callback = await fake.waitForRequest((r) => r.path.startsWith(`/interactions/${id}/`));
    expect((callback.body as { type: number }).type).toBe(4);
  });

  it("defers a slow command publicly, then edits in the answer", async () => {
    Object.assign(next, { reply: { type: "notice", tone: "success", text: "slow but fine" }, afterMs: DEFER_AFTER + 300 });
    const { id, token } = fake.interact({ kind: "command", name: "sections" });
    const deferred = await fake.waitForRequest((r) => r.path.startsWith(`/interactions/${id}/`));
    expect(deferred.body).toMatchObject({ type: 5 });
    expect((deferred.body as { data?: { flags?: number } }).data?.flags ?? 0).toBe(0);
    const edit = await fake.waitForRequest((r) => r.method === "PATCH" && r.path.includes(token), 5_000);
    expect((edit.body as { embeds: { description: string }[] }).embeds[0]!.description).toBe("slow but fine");
    expect(edit.body).toMatchObject({ allowed_mentions: { parse: [] } });
  });

  it("a slow command that ends in an error replaces the public 'thinking…' with a private answer", async () => {
    Object.assign(next, { reply: { type: "error", code: "no-match", message: "No story matches “x”." }, afterMs: DEFER_AFTER + 300 });
    const { token } = fake.interact({ kind: "command", name: "sections" });
    await fake.waitForRequest((r) => r.method === "DELETE" && r.path.includes(token), 5_000);
    const followUp = await fake.waitForRequest((r) => r.method === "POST" && r.path.endsWith(`/${token}`), 5_000);
    expect(followUp.body).toMatchObject({ flags: 64, allowed_mentions: { parse: [] } });
  });
});

describe("turning a /search page", () => {
  const page2: Reply = {
    type: "results",
    query: "agent",
    filters: { section: "Agent 与工具链" },
    hits: [{ id: "20260218-2-1", date: "2026-02-18", section: "Agent 与工具链", title: "OpenClaw" }],
    page: 2,
    pageCount: 3,
    total: 21,
  };

  it("runs /search with the button's page and filters", async () => {
    Object.assign(next, { reply: page2, afterMs: 0 });
    ran.length = 0;
    const { id } = fake.interact({ kind: "button", customId: "s|2||Agent 与工具链|agent" });
    const callback = await fake.waitForRequest((r) => r.path.startsWith(`/interactions/${id}/`));
    expect(callback.body).toMatchObject({ type: 7 });
    expect(ran).toEqual([{ name: "search", options: { query: "agent", section: "Agent 与工具链", page: 2 } }]);
  });

  it("acknowledges a slow page turn without a new message, then edits the results in place", async () => {
    Object.assign(next, { reply: page2, afterMs: DEFER_AFTER + 300 });
    const { id, token } = fake.interact({ kind: "button", customId: "s|2||Agent 与工具链|agent" });
    const deferred = await fake.waitForRequest((r) => r.path.startsWith(`/interactions/${id}/`));
    expect(deferred.body).toEqual({ type: 6 }); // DEFERRED_UPDATE_MESSAGE
    const edit = await fake.waitForRequest((r) => r.method === "PATCH" && r.path.endsWith(`/${token}/messages/@original`), 5_000);
    const body = edit.body as DiscordMessagePayload;
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.embeds[0]!.footer?.text).toBe("Page 2/3 · Filters: Agent 与工具链");
    expect(body.components.flatMap((r) => r.components).map((b) => (b as { label: string }).label)).toEqual(["◀ Previous", "Next ▶"]);
  });

  it("a slow page turn that ends in an error tells the clicker privately and leaves the results", async () => {
    Object.assign(next, { reply: { type: "error", code: "bad-option", message: "There are only 2 pages of results, not 3." }, afterMs: DEFER_AFTER + 300 });
    const { token } = fake.interact({ kind: "button", customId: "s|3|||agent" });
    const followUp = await fake.waitForRequest((r) => r.method === "POST" && r.path.endsWith(`/${token}`), 5_000);
    expect(followUp.body).toMatchObject({ flags: 64, embeds: [{ description: "There are only 2 pages of results, not 3." }] });
    expect(fake.requests.some((r) => r.path.includes(token) && (r.method === "PATCH" || r.method === "DELETE"))).toBe(false);
  });
});

describe("autocompleteChoices", () => {
  it("answers at most 25 distinct stories, each named by a one-line title of 1-100 characters, valued by its id", () => {
    const titles = ["", "  ", "第一行\n第二行", "长".repeat(150), ...Array.from({ length: 40 }, (_, i) => `Story ${i}`)];
    const hits = titles.map((title, i) => ({ id: `20260218-1-${i + 1}`, date: "2026-02-18", section: "S", title }));
    const services = { search: { search: () => [...hits, hits[5]!] } } as unknown as App["services"];
    const choices = autocompleteChoices(services, "story");
    expect(choices).toHaveLength(25);
    expect(new Set(choices.map((c) => c.value)).size).toBe(25);
    expect(choices.slice(0, 4)).toEqual([
      { name: "20260218-1-1", value: "20260218-1-1" },
      { name: "20260218-1-2", value: "20260218-1-2" },
      { name: "第一行 第二行", value: "20260218-1-3" },
      { name: `${"长".repeat(99)}…`, value: "20260218-1-4" },
    ]);
    for (const c of choices) expect(c.name.length).toBeGreaterThan(0);
  });
});
