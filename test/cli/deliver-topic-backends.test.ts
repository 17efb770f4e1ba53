// `digest-bot deliver --target telegram:<chat>:<topic id>` with the state on SQLite and on PostgreSQL: a topic and its chat are two targets.
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runDeliver } from "../../src/cli/deliver.js";
import { parseConfig } from "../../src/core/config.js";
import { openStorage } from "../../src/core/storage/open-storage.js";
import { column } from "../core/delivery/helpers.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { testBackends } from "../core/storage/backends.js";
import { startTelegramHarness, type TelegramHarness } from "../telegram/harness.js";

const TOKEN = "123456:SECRET-deliver-topic-token-for-tests";
const CHAT = "-1001234567890";

describe.each(testBackends())("deliver to a forum topic and its chat, state on %s", (backend) => {
  let dir: string;
  let tg: TelegramHarness;
  let state: Awaited<ReturnType<typeof backendEnv>>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "digest-bot-cli-topic-"));
    tg = await startTelegramHarness();
    tg.setForum(CHAT, { 45: "open" });
    state = await backendEnv(backend);
  });
  afterEach(async () => {
    await tg.close();
    await state.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("posts to the topic with its thread id and to General without one, each recorded as its own target", async () => {
    const config = parseConfig({ DATA_DIR: dir, DIGEST_DIR: "test/fixtures/sample", BOT_LOCALE: "en", TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot, ...state.env });
    let err = "";
    const io = { config, logger: pino({ level: "silent" }), stdout: () => undefined, stderr: (t: string) => void (err += t), now: new Date("2026-02-20T00:00:00Z"), signals: new EventEmitter() };
    expect(await runDeliver(["--target", `telegram:${CHAT}:45`, "--target", `telegram:${CHAT}`, "--section", "agent"], io)).toBe(0);
    const posts = tg.calls("sendMessage");
    const inTopic = posts.filter((p) => p.params.message_thread_id === 45);
    const inGeneral = posts.filter((p) => p.params.message_thread_id === undefined);
    expect(inTopic.length).toBeGreaterThan(0);
    expect(inGeneral.length).toBe(inTopic.length);
    for (const p of posts) expect([p.status, String(p.params.chat_id)]).toEqual([200, CHAT]);
    expect(err).toContain(`→ telegram:${CHAT}:45: ${inTopic.length} message`);
    expect(err).toContain(`→ telegram:${CHAT}: ${inGeneral.length} message`);
    // Both runs are in the ledger of the backend the settings name (DATABASE_URL's schema, or DATA_DIR's file).
    const storage = await openStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL });
    try {
      expect(await column(storage, "SELECT target_id FROM runs ORDER BY :order")).toEqual([`${CHAT}:45`, CHAT]);
    } finally {
      await storage.close();
    }
  });
});
