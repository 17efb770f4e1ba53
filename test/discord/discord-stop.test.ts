// A clean stop: the adapter stops taking interactions at once, answers the one in hand, then disconnects.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/app.js";
import { loadCommands } from "../../src/core/command-registry.js";
import { parseConfig } from "../../src/core/config.js";
import { createLogger } from "../../src/core/logger.js";
import { createSearchPageCache } from "../../src/core/paging.js";
import type { Reply } from "../../src/core/reply.js";
import { startDiscord, type DiscordAdapter } from "../../src/discord/discord-adapter.js";
import { startFakeDiscord, type FakeDiscord } from "./fake-discord.js";

const TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE3.stop-test-secret-token";
let fake: FakeDiscord;
let discord: DiscordAdapter;
const ran: string[] = [];
let release: () => void = () => undefined;

beforeAll(async () => {
  fake = await startFakeDiscord();
  const app = {
    registry: await loadCommands(),
    services: {} as App["services"],
    run: (name: string) => {
      ran.push(name);
      return new Promise<Reply>((resolve) => (release = () => resolve({ type: "notice", tone: "info", text: `answered ${name}` })));
    },
    delivery: { registerPublisher: () => undefined },
    storage: { searchPages: createSearchPageCache() },
  };
  const config = parseConfig({ DISCORD_TOKEN: TOKEN, DISCORD_API_BASE: fake.apiBase, BOT_LOCALE: "en" });
  discord = await startDiscord({ config, logger: createLogger({ level: "silent", pretty: false }), app });
});

afterAll(async () => {
  await discord?.stop();
  await fake?.close();
});

describe("discord stop", () => {
  it("answers the interaction in hand, ignores the ones after the stop began, then disconnects", async () => {
    const first = fake.interact({ kind: "command", name: "sections" });
    await expect.poll(() => ran).toEqual(["sections"]);

    let drained = false;
    const drain = discord.drain().then(() => (drained = true));
    const late = fake.interact({ kind: "command", name: "help" });
    await new Promise((r) => setTimeout(r, 200));
    expect(drained).toBe(false); // still answering the first
    expect(ran).toEqual(["sections"]); // the late one was not taken
    release();
    await drain;

    const answer = await fake.waitForRequest((r) => r.path.startsWith(`/interactions/${first.id}/`));
    expect(answer.body).toMatchObject({ type: 4, data: { embeds: [{ description: "answered sections" }], allowed_mentions: { parse: [] } } });
    expect(fake.requests.some((r) => r.path.startsWith(`/interactions/${late.id}/`))).toBe(false);

    // Still connected after draining (delivery may post); stop disconnects.
    expect(discord.client.isReady()).toBe(true);
    await discord.stop();
    expect(discord.client.isReady()).toBe(false);
  });
});
