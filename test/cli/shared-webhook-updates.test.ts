// Two `digest-bot start` processes on one PostgreSQL behind one webhook URL: an update Telegram re-delivers to the other instance is answered once.
import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, testBackends } from "../core/storage/backends.js";
import { startFakeDiscord } from "../discord/fake-discord.js";
import { startFakeBotApi } from "../telegram/fake-bot-api.js";
import { postUpdate, sharedDigestDir, startInstance, textUpdate, until, type ClusterOptions } from "./cluster.js";
import { cleanups } from "./launch.js";

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.runIf(testBackends().includes("postgres"))("Telegram webhook updates across instances", { timeout: 240_000 }, () => {
  it("the same update id posted to A and B at once is answered once; a later re-delivery to either is acknowledged and not answered", async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const discord = await startFakeDiscord();
    cleanups.push(() => discord.close());
    const telegram = await startFakeBotApi();
    cleanups.push(() => telegram.close());
    const options: ClusterOptions = { databaseUrl: database.url, discordApiBase: discord.apiBase, telegramApiRoot: telegram.apiRoot, channels: [], chats: [] };
    const digests = sharedDigestDir();
    const [a, b] = await Promise.all([startInstance("a", options, digests), startInstance("b", options, digests)]);
    const url = (port: number) => `http://127.0.0.1:${port}`;
    const chats = Array.from({ length: 8 }, (_, i) => 5000 + i);
    const answers = () => chats.reduce((n, chat) => n + telegram.messagesTo(String(chat)).length, 0);

    // Telegram re-sends an update whose answer was slow; behind a load balancer the re-send lands on the other instance
    // while the first is still at it. Either may answer 503 (being handled; Telegram retries), never both 200-and-answer.
    const statuses = await Promise.all(
      chats.flatMap((chat, i) => [postUpdate(url(a.port), textUpdate(700 + i, chat, "/help")), postUpdate(url(b.port), textUpdate(700 + i, chat, "/help"))]),
    );
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    await until("every chat answered", () => chats.every((chat) => telegram.messagesTo(String(chat)).length > 0), 60_000);
    // A retry of what got 503: acknowledged now, not answered again.
    for (const [i, chat] of chats.entries()) {
      expect(await postUpdate(url(a.port), textUpdate(700 + i, chat, "/help"))).toBe(200);
      expect(await postUpdate(url(b.port), textUpdate(700 + i, chat, "/help"))).toBe(200);
    }
    // A new update still gets its answer (the marker of "everything before was handled").
    expect(await postUpdate(url(b.port), textUpdate(800, chats[0]!, "/help"))).toBe(200);
    await until("the new update answered", () => telegram.messagesTo(String(chats[0])).length === 2, 30_000);
    for (const chat of chats.slice(1)) expect(telegram.messagesTo(String(chat))).toHaveLength(1);
    expect(answers()).toBe(chats.length + 1);

    a.run.child.kill("SIGTERM");
    b.run.child.kill("SIGTERM");
    expect((await a.run.exited).code).toBe(0);
    expect((await b.run.exited).code).toBe(0);
  });
});
