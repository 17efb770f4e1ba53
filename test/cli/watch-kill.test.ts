// Personal alerts exactly once across a kill -9: a real `digest-bot start` killed while alerts are in flight, then restarted.
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStorage } from "../../src/core/storage/open-storage.js";
import type { Platform } from "../../src/core/reply.js";
import type { StorageDialect } from "../../src/core/storage/types.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { testBackends } from "../core/storage/backends.js";
import { startFakeDiscord } from "../discord/fake-discord.js";
import { startFakeBotApi } from "../telegram/fake-bot-api.js";
import { cleanups, ROOT, startBot, tempDir, type Running } from "./launch.js";

const TOKEN = "987654:SECRET-watch-kill-token-abcdefgh";
const DISCORD_TOKEN = "MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE4.SECRET-watch-kill-discord-token";
/** A guard, not a sleep: each wait ends on its event, or at once (with the output) when the child dies. */
const WAIT_MS = 45_000;

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** One test's place for state: DATA_DIR (SQLite) or a fresh schema (`DATABASE_URL`), and its digest dir. */
interface Place {
  dir: string;
  env: Record<string, string>;
}
const openState = (place: Place) => openStorage({ dataDir: join(place.dir, "state"), databaseUrl: place.env.DATABASE_URL });

/** A data dir with today's digest (the sample) and watches: `sonnet` and `封号` match two stories each, `glm-5` and `qwen` one. */
async function prepare(backend: StorageDialect, platform: Platform, watches: Record<string, string[]>): Promise<Place> {
  const state = await backendEnv(backend);
  cleanups.push(() => state.drop());
  const place = { dir: tempDir(), env: state.env };
  mkdirSync(join(place.dir, "digests"));
  copyFileSync(join(ROOT, "test/fixtures/sample/2026-02-18.md"), join(place.dir, "digests", `${new Date().toISOString().slice(0, 10)}.md`));
  const storage = await openState(place);
  for (const [userId, queries] of Object.entries(watches)) {
    for (const query of queries) await storage.watches.add({ platform, userId, query, locale: "en" }, 10, new Date().toISOString());
  }
  await storage.close();
  return place;
}

function startChild(place: Place, env: Record<string, string>): Running {
  return startBot({
    DIGEST_DIR: join(place.dir, "digests"),
    DATA_DIR: join(place.dir, "state"),
    POST_TIMEZONE: "UTC",
    DELIVERY_DEADLINE_HOURS: "48",
    LOG_LEVEL: "info",
    ...place.env,
    ...env,
  });
}

/** The alert ledger after the run: per user, statuses and possible duplicates. */
async function ledger(place: Place, platform: Platform, users: string[]) {
  const storage = await openState(place);
  try {
    const rows = (await Promise.all(users.map((u) => storage.watches.alerts(platform, u)))).flat();
    return { statuses: rows.map((r) => r.status), possibleDuplicates: rows.reduce((n, r) => n + (r.possibleDuplicates ?? 0), 0) };
  } finally {
    await storage.close();
  }
}

describe.each(testBackends())("personal alerts across kill -9, state on %s", { timeout: 90_000 }, (backend) => {
  it("Telegram: every alert arrives; only the send accepted before the kill can repeat (once, counted)", async () => {
    const api = await startFakeBotApi();
    cleanups.push(() => api.close());
    const place = await prepare(backend, "telegram", { "7": ["sonnet", "封号"], "8": ["glm-5", "qwen"] });
    // Both users' first alerts are in flight at the kill: user 7's was accepted by Telegram, user 8's never arrived.
    api.fail("7", "accept-then-hang");
    api.fail("8", "hang");
    const env = { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: api.apiRoot };
    const first = startChild(place, env);
    await first.during(Promise.all([api.waitForSend("7", 1, WAIT_MS), api.waitForSend("8", 1, WAIT_MS)]));
    first.child.kill("SIGKILL");
    await first.exited;
    expect(api.messagesTo("7")).toHaveLength(1);
    expect(api.messagesTo("8")).toHaveLength(0);

    const second = startChild(place, env);
    const distinct = (chat: string) => new Set(api.messagesTo(chat).map((m) => m.text)).size;
    await second.during(api.waitUntil(() => distinct("7") === 4 && distinct("8") === 2, "all six alerts", WAIT_MS));
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);

    const texts7 = api.messagesTo("7").map((m) => m.text);
    const texts8 = api.messagesTo("8").map((m) => m.text);
    expect(texts7.length - new Set(texts7).size).toBeLessThanOrEqual(1);
    expect(texts8.length - new Set(texts8).size).toBe(0);
    for (const t of [...texts7, ...texts8]) expect(t).toContain("New story for your watch");
    const after = await ledger(place, "telegram", ["7", "8"]);
    expect(after.statuses).toEqual(Array(6).fill("sent"));
    // Both in-flight sends were re-sent without a way to tell: each counted as a possible duplicate.
    expect(after.possibleDuplicates).toBe(2);
    process.stderr.write(`watch kill -9 (telegram): ${texts7.length + texts8.length} messages for 6 alerts, ${texts7.length - new Set(texts7).size} repeat\n`);
  });

  it("Discord: every alert arrives exactly once (the nonce drops the re-send of the one accepted before the kill)", async () => {
    const fake = await startFakeDiscord();
    cleanups.push(() => fake.close());
    const USER = "100000000000000011";
    const place = await prepare(backend, "discord", { [USER]: ["sonnet", "封号", "glm-5"] });
    const dm = /^\/channels\/5\d+\/messages$/;
    fake.failNext({ method: "POST", path: dm, status: 200, mode: "accept-then-hang" });
    const env = { DISCORD_TOKEN, DISCORD_API_BASE: fake.apiBase };
    const first = startChild(place, env);
    await first.during(fake.waitForRequest((r) => r.method === "POST" && dm.test(r.path), WAIT_MS));
    first.child.kill("SIGKILL");
    await first.exited;

    const second = startChild(place, env);
    const posted = () => fake.channelMessages(fake.dms.of(USER) ?? "none") as { embeds: { title?: string }[]; nonce: string }[];
    // Checked on each request the fake records, after it stored the message.
    await second.during(fake.waitForRequest(() => new Set(posted().map((m) => m.nonce)).size === 5, WAIT_MS));
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
    const titles = posted().map((m) => m.embeds[0]!.title);
    expect(titles).toHaveLength(5);
    expect(new Set(titles).size).toBe(5);
    // The crashed send was repeated with the same nonce (two POSTs with it), and Discord kept one message.
    const posts = fake.requests.filter((r) => r.method === "POST" && dm.test(r.path));
    expect(posts.length).toBe(6);
    expect((await ledger(place, "discord", [USER])).statuses).toEqual(Array(5).fill("sent"));
  });
});
