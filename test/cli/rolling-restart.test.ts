// A rolling restart of two instances on one PostgreSQL behind a load balancer while commands keep arriving: every command answered once, nothing posted twice.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { longDigest } from "../core/delivery/long-digest.js";
import { createTestDatabase, testBackends } from "../core/storage/backends.js";
import { startFakeDiscord } from "../discord/fake-discord.js";
import { startFakeBotApi } from "../telegram/fake-bot-api.js";
import { openShared, postInteraction, postUpdate, sharedDigestDir, startInstance, subscribeEarlier, textUpdate, until, type ClusterOptions, type Instance } from "./cluster.js";
import { plannedParts, unsentCount } from "./cluster-ledger.js";
import { cleanups } from "./launch.js";
import { startLoadBalancer } from "./load-balancer.js";

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CHANNELS = ["700000000000000201", "700000000000000202"];
const CHATS = ["-1000000201", "-1000000202"];
/** Telegram commands come from private chats 5000, 5001, …: one answer each is expected in its own chat. */
const FIRST_CHAT = 5000;

describe.runIf(testBackends().includes("postgres"))("rolling restart (start new, then SIGTERM old) during commands", { timeout: 400_000 }, () => {
  it("answers every command sent during it, once, over Telegram webhooks and Discord HTTP interactions; the daily post goes out once", async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const discord = await startFakeDiscord({ channelIds: CHANNELS });
    cleanups.push(() => discord.close());
    const telegram = await startFakeBotApi();
    cleanups.push(() => telegram.close());
    await subscribeEarlier(database.url, CHANNELS, CHATS);
    const options: ClusterOptions = { databaseUrl: database.url, discordApiBase: discord.apiBase, telegramApiRoot: telegram.apiRoot, channels: CHANNELS, chats: CHATS };
    const digests = sharedDigestDir();
    const today = new Date().toISOString().slice(0, 10);
    writeFileSync(join(digests, `${today}.md`), longDigest(today, 2));
    const start = (name: string) => startInstance(name, options, digests);
    const first = await Promise.all([start("a"), start("b")]);
    const lb = await startLoadBalancer(first.map((i) => i.port));
    cleanups.push(() => lb.close());

    // Commands keep coming, one every 100 ms, alternating platforms, until the restart is over.
    const telegramSent: number[] = [];
    const discordAnswers: Promise<{ status: number; body: Record<string, unknown>; token: string }>[] = [];
    const telegramStatuses: Promise<number>[] = [];
    let running = true;
    const traffic = (async () => {
      for (let i = 0; running; i++) {
        if (i % 2 === 0) {
          const chat = FIRST_CHAT + telegramSent.length;
          telegramSent.push(chat);
          telegramStatuses.push(postUpdate(lb.url, textUpdate(10_000 + chat, chat, "/sections")));
        } else {
          const { payload, token } = discord.interactionPayload({ kind: "command", name: "sections" });
          discordAnswers.push(postInteraction(lb.url, payload).then((answer) => ({ ...answer, token })));
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const replace = async (old: Instance, name: string) => {
      const fresh = await start(name);
      lb.ports.add(fresh.port);
      old.run.child.kill("SIGTERM");
      expect((await old.run.exited).code, old.run.all().slice(-2000)).toBe(0);
      lb.ports.delete(old.port);
      return fresh;
    };
    await new Promise((r) => setTimeout(r, 1000));
    const c = await replace(first[0]!, "c");
    const d = await replace(first[1]!, "d");
    await new Promise((r) => setTimeout(r, 1000));
    running = false;
    await traffic;

    const statuses = await Promise.all(telegramStatuses);
    const answers = await Promise.all(discordAnswers);
    expect(statuses.every((s) => s === 200), `telegram statuses ${statuses.join(",")}`).toBe(true);
    expect(answers.every((a) => a.status === 200), `discord statuses ${answers.map((a) => a.status).join(",")}`).toBe(true);
    // In the HTTP reply (type 4), or deferred (type 5, on a slow machine) and then edited in through the webhook.
    for (const a of answers) {
      if (a.body.type === 4) expect(JSON.stringify(a.body)).toContain("Sections of the");
      else {
        expect(a.body.type).toBe(5);
        const edit = await discord.waitForRequest((r) => r.method === "PATCH" && r.path.includes(`/${a.token}/messages/@original`), 60_000);
        expect(JSON.stringify(edit.body)).toContain("Sections of the");
      }
    }
    const editsPerToken = answers.map((a) => discord.requests.filter((r) => r.path.includes(`/${a.token}/`)).length);
    expect(editsPerToken.every((n, i) => n === (answers[i]!.body.type === 5 ? 1 : 0))).toBe(true);
    await until("every Telegram command answered", () => telegramSent.every((chat) => telegram.messagesTo(String(chat)).length >= 1), 60_000);
    // Any repeat would follow right behind its original.
    await new Promise((r) => setTimeout(r, 1000));
    const telegramAnswers = telegramSent.map((chat) => telegram.messagesTo(String(chat)).length);
    expect(telegramAnswers).toEqual(telegramSent.map(() => 1));

    // The daily post went out once to each target, whoever sent it.
    const storage = await openShared(database.url);
    await until("the daily post sent", async () => (await unsentCount(storage)) === 0, 120_000);
    const parts = await plannedParts(storage);
    expect(parts.length).toBeGreaterThanOrEqual(CHANNELS.length + CHATS.length);
    for (const channel of CHANNELS) expect(discord.channelMessages(channel)).toHaveLength(parts.filter((p) => p.target_id === channel).length);
    for (const chat of CHATS) expect(telegram.messagesTo(chat).map((m) => m.text)).toEqual(parts.filter((p) => p.target_id === chat).map((p) => p.payload.text));
    process.stdout.write(
      `rolling restart: ${telegramSent.length} Telegram + ${answers.length} Discord commands, all answered once; ` +
        `load balancer retried ${lb.retried} tries on another instance, gave up on ${lb.failed}; daily post ${parts.length} messages, 0 duplicates\n`,
    );
    expect(lb.failed).toBe(0);
    for (const i of [c, d]) i.run.child.kill("SIGTERM");
    for (const i of [c, d]) expect((await i.run.exited).code).toBe(0);
  });
});
