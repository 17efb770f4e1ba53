// Two `digest-bot start` processes on one PostgreSQL: a /search page button answered by instance A works when instance B gets the click, and after both restarted.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, testBackends } from "../core/storage/backends.js";
import { startFakeDiscord } from "../discord/fake-discord.js";
import { startFakeBotApi } from "../telegram/fake-bot-api.js";
import { callbackUpdate, postInteraction, postUpdate, startInstance, textUpdate, until, type ClusterOptions } from "./cluster.js";
import { cleanups, ROOT } from "./launch.js";

/** The sample digest plus the fixtures: enough stories for a long query to have several pages. */
const DIGESTS = join(ROOT, "test/fixtures/sample");

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Button = { label?: string; custom_id?: string };
type Interaction = { type?: number; data?: { components?: { components: Button[] }[]; embeds?: { title?: string; footer?: { text: string } }[] } };
const nextButton = (answer: Interaction) => answer.data?.components?.flatMap((r) => r.components).find((b) => b.label === "Next ▶");
const CHAT = 4242;

describe.runIf(testBackends().includes("postgres"))("search page buttons across instances", { timeout: 240_000 }, () => {
  it("a long search's Next button made by A turns the page on B (Discord HTTP interactions and Telegram webhook), and on a new instance after both stopped", async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const discord = await startFakeDiscord();
    cleanups.push(() => discord.close());
    const telegram = await startFakeBotApi();
    cleanups.push(() => telegram.close());
    const options: ClusterOptions = { databaseUrl: database.url, discordApiBase: discord.apiBase, telegramApiRoot: telegram.apiRoot, channels: [], chats: [] };
    const [a, b] = await Promise.all([startInstance("a", options, DIGESTS), startInstance("b", options, DIGESTS)]);
    const url = (port: number) => `http://127.0.0.1:${port}`;

    // Discord: too long for a 100-character custom id, so the button carries a key to the stored request.
    const query = `agent ${"workflow ".repeat(12)}`.trim();
    const command = discord.interactionPayload({ kind: "command", name: "search", options: [{ name: "query", type: 3, value: query }] }).payload;
    const asked = (await postInteraction(url(a.port), command)).body as Interaction;
    const next = nextButton(asked);
    expect(next?.custom_id).toMatch(/^S\|/);
    const click = () => discord.interactionPayload({ kind: "button", customId: next!.custom_id! }).payload;
    const onB = (await postInteraction(url(b.port), click())).body as Interaction;
    expect(onB.type).toBe(7);
    expect(onB.data?.embeds?.[0]?.footer?.text).toMatch(/^Page 2\//);

    // Telegram: too long for 64 bytes of callback data.
    const tgQuery = `agent ${"workflow ".repeat(8)}`.trim();
    expect(await postUpdate(url(a.port), textUpdate(1, CHAT, `/search ${tgQuery}`))).toBe(200);
    await until("the /search answer", () => telegram.messagesTo(String(CHAT)).length > 0, 30_000);
    const results = telegram.messagesTo(String(CHAT))[0]!;
    const keyboard = (results.replyMarkup as { inline_keyboard: { text: string; callback_data: string }[][] }).inline_keyboard.flat();
    const tgNext = keyboard.find((k) => k.text === "Next ▶")!;
    expect(tgNext.callback_data).toMatch(/^S\|/);
    const edits = () => telegram.calls.filter((c) => c.method === "editMessageText");
    expect(await postUpdate(url(b.port), callbackUpdate(2, CHAT, results.messageId, tgNext.callback_data))).toBe(200);
    await until("the page turned on B", () => edits().length === 1, 30_000);
    expect(String(edits()[0]!.params.text)).toMatch(/Page 2\/\d+/);
    expect(edits()[0]!.params.message_id).toBe(results.messageId);

    // Both stop; a new instance (a restart, or a deploy) still knows the buttons.
    a.run.child.kill("SIGTERM");
    b.run.child.kill("SIGTERM");
    expect((await a.run.exited).code).toBe(0);
    expect((await b.run.exited).code).toBe(0);
    const c = await startInstance("c", options, DIGESTS);
    const onC = (await postInteraction(url(c.port), click())).body as Interaction;
    expect(onC.type).toBe(7);
    expect(onC.data?.embeds?.[0]?.footer?.text).toMatch(/^Page 2\//);
    expect(await postUpdate(url(c.port), callbackUpdate(3, CHAT, results.messageId, tgNext.callback_data))).toBe(200);
    await until("the page turned on C", () => edits().length === 2, 30_000);
    expect(String(edits()[1]!.params.text)).toMatch(/Page 2\/\d+/);
    const alerts = telegram.calls.filter((call) => call.method === "answerCallbackQuery" && call.params.show_alert === true);
    expect(alerts).toEqual([]);
    c.run.child.kill("SIGTERM");
    expect((await c.run.exited).code).toBe(0);
  });
});
