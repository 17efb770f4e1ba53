// kill -9 of `npm start` (SQLite) while a confirmed send's "sent" mark waits for the next claim's commit (group commit), then restart: nothing lost, the repeat counted.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openStorage, STATE_DB_FILE } from "../../src/core/storage/open-storage.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { longDigest } from "../core/delivery/long-digest.js";
import { startFakeBotApi, type FakeBotApi, type PostedMessage } from "../telegram/fake-bot-api.js";
import { guardMs } from "../load-slack.js";
import { cleanups, startBot, tempDir, type Running } from "./launch.js";

const TOKEN = "987654:SECRET-kill-batch-token-abcdefghij";
/** More chats than Telegram's 30/s lets out at once, so sends always wait for the budget (and marks for a claim). */
const CHATS = Array.from({ length: 60 }, (_, i) => String(-1_000_100 - i));
/** The kill comes while the record of this answered message waits. */
const KILL_AFTER = 25;
const WAIT_MS = guardMs(45_000);

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// Group commit is SQLite's (sent-marks.ts): PostgreSQL commits each mark at once.
const backend = "sqlite";
let stateEnv: Record<string, string> = {};
const openState = (dir: string) => openStorage({ dataDir: join(dir, "state"), databaseUrl: stateEnv.DATABASE_URL });

/** Subscriptions older than today's slot and today's digest: the start-up catch-up broadcasts it. */
async function prepare() {
  const state = await backendEnv(backend);
  stateEnv = state.env;
  cleanups.push(() => state.drop());
  const dir = tempDir();
  mkdirSync(join(dir, "digests"));
  const today = new Date().toISOString().slice(0, 10);
  writeFileSync(join(dir, "digests", `${today}.md`), longDigest(today, 2));
  const storage = await openState(dir);
  for (const chat of CHATS) await storage.subscriptions.ensureSettingsTarget("telegram", chat, new Date(Date.now() - 2 * 86_400_000).toISOString());
  await storage.close();
  return dir;
}

const startChild = (dir: string, api: FakeBotApi, logLevel: string): Running =>
  startBot({
    DIGEST_DIR: join(dir, "digests"),
    DATA_DIR: join(dir, "state"),
    POST_CRON: "0 0 * * *",
    POST_TIMEZONE: "UTC",
    DELIVERY_DEADLINE_HOURS: "48",
    LOG_LEVEL: logLevel,
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: api.apiRoot,
    TELEGRAM_CHAT_IDS: CHATS.join(","),
    ...stateEnv,
  });

/** Holds every write to the state file from now on (the bot's commits wait), until `release`. */
function freezeWrites(dir: string): () => Promise<void> {
  const db = new Database(join(dir, "state", STATE_DB_FILE));
  db.pragma("busy_timeout = 5000");
  db.exec("BEGIN IMMEDIATE");
  return async () => {
    db.exec("ROLLBACK");
    db.close();
  };
}

/** Polls `check` every 50 ms until it holds (a guard of WAIT_MS, not a sleep). */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${WAIT_MS} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("state on sqlite", () => {
  it("kill -9 while answered sends wait to be recorded with the next claim: the restart loses nothing, and repeats only those, each counted", { timeout: guardMs(120_000) }, async () => {
    let dir = "";
    let release: (() => Promise<void>) | undefined;
    let frozen: PostedMessage | undefined;
    const api = await startFakeBotApi({
      enforceLimits: true,
      // The state is frozen before this message is answered: the bot cannot record it, nor claim anything after it.
      beforeAnswer: (m) => {
        if (frozen || api.posted.length < KILL_AFTER) return;
        frozen = m;
        release = freezeWrites(dir);
      },
    });
    cleanups.push(() => api.close());
    dir = await prepare();
    cleanups.push(() => release?.());

    const first = startChild(dir, api, "debug");
    await first.during(until(() => release !== undefined, "the state frozen before an answer"));
    // The bot got the answer and queued its record for the next claim's commit, which cannot happen: a batch in hand.
    const queued = (line: string) => line.includes(`"target":"${frozen!.chatId}"`) && line.includes(`"messageId":"${frozen!.messageId}"`) && line.includes("part sent; recorded with the next claim");
    await first.during(until(() => first.out().split("\n").some(queued), "the frozen message's record queued"));
    first.child.kill("SIGKILL");
    await first.exited;
    await release!();
    release = undefined;

    const storage = await openState(dir);
    const unrecorded = await storage.db.selectFrom("deliveries").select(["target_id", "part_index", "payload"]).where("status", "=", "in-flight").execute();
    await storage.close();
    // The frozen message went out and is not recorded: the kill came during the batch, not after it was written.
    expect(unrecorded.map((r) => r.target_id)).toContain(frozen!.chatId);

    const second = startChild(dir, api, "info");
    await second.during(
      until(async () => {
        const s = await openState(dir);
        try {
          return (await s.ledger.targetsWithOpenParts()).length === 0;
        } finally {
          await s.close();
        }
      }, "every part sent after the restart"),
    );
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);

    const s = await openState(dir);
    const planned = await s.db.selectFrom("deliveries").select(["target_id", "payload", "status"]).execute();
    const counted = await s.ledger.possibleDuplicates();
    await s.close();
    expect(planned.every((p) => p.status === "sent")).toBe(true);
    let repeats = 0;
    for (const chat of CHATS) {
      const shown = api.messagesTo(chat).map((m) => m.text);
      const wanted = planned.filter((p) => p.target_id === chat).map((p) => String((JSON.parse(p.payload) as { text: string }).text));
      expect(wanted.filter((w) => !shown.includes(w)), `lost in ${chat}`).toEqual([]);
      repeats += shown.length - new Set(shown).size;
    }
    // Only the sends that were answered but not recorded at the kill can show twice, and each repeat is counted.
    expect(repeats).toBeGreaterThanOrEqual(1);
    expect(repeats).toBeLessThanOrEqual(unrecorded.length);
    expect(counted).toBe(repeats);
  });
});
