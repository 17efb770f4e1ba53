// `digest-bot preview` and `digest-bot deliver`: what a reader would get, per platform, and manual runs in the ledger.
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runDeliver } from "../../src/cli/deliver.js";
import { runPreview } from "../../src/cli/preview.js";
import { parseConfig, type Config } from "../../src/core/config.js";
import { openStorage } from "../../src/core/storage/open-storage.js";
import { rows as query, ScriptedPublisher } from "../core/delivery/helpers.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { testBackends } from "../core/storage/backends.js";
import { startTelegramHarness } from "../telegram/harness.js";

let dir: string;
let config: Config;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "digest-bot-cli-"));
  config = parseConfig({ DATA_DIR: dir, DIGEST_DIR: "test/fixtures/sample", BOT_LOCALE: "en" });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const logger = pino({ level: "silent" });
function io(extra: object = {}) {
  let out = "";
  let err = "";
  return {
    io: { config, logger, stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t), now: new Date("2026-02-20T00:00:00Z"), ...extra },
    out: () => out,
    err: () => err,
  };
}

describe("digest-bot preview", () => {
  it("prints the Telegram plan of the seed within 8 messages, each within 4096 visible characters", async () => {
    const r = io();
    expect(await runPreview(["--platform", "telegram", "--date", "02-18"], r.io)).toBe(0);
    const rules = [...r.out().matchAll(/^──── telegram message (\d+)\/(\d+) \((\d+)\/4096 chars as shown\) ────$/gm)];
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.length).toBeLessThanOrEqual(8);
    for (const m of rules) expect(Number(m[3])).toBeLessThanOrEqual(4096);
    expect(r.out()).toContain("GLM‑5 技术报告");
  });

  it("prints request bodies with --json: Telegram sendMessage parameters and Discord payloads", async () => {
    const tg = io();
    expect(await runPreview(["--platform", "telegram", "--json"], tg.io)).toBe(0);
    const messages = JSON.parse(tg.out()) as { text: string; parse_mode: string }[];
    expect(messages.every((m) => m.parse_mode === "HTML" && m.text.length > 0)).toBe(true);
    const dc = io();
    expect(await runPreview(["--platform", "discord", "--json"], dc.io)).toBe(0);
    const payloads = JSON.parse(dc.out()) as { embeds: unknown[]; allowed_mentions: { parse: string[] } }[];
    expect(payloads.length).toBeGreaterThan(0);
    for (const p of payloads) {
      expect(p.embeds.length).toBeLessThanOrEqual(10);
      expect(p.allowed_mentions).toEqual({ parse: [] });
    }
  });

  it("previews one section on the console and explains bad input", async () => {
    const r = io();
    expect(await runPreview(["--section", "agent"], r.io)).toBe(0);
    expect(r.out()).toContain("OpenClaw");
    expect(r.out()).not.toContain("Tiny Aya");
    const missing = io();
    expect(await runPreview(["--date", "2026-01-01"], missing.io)).toBe(1);
    expect(missing.err()).toBe("digest-bot preview: there is no digest for 2026-01-01; loaded: 2026-02-18\n");
    const bad = io();
    expect(await runPreview(["--platform", "slack"], bad.io)).toBe(2);
    expect(bad.err()).toContain('digest-bot preview: --platform must be console, discord or telegram, got "slack"');
  });
});

describe.each(testBackends())("digest-bot deliver, state on %s", (backend) => {
  let state: Awaited<ReturnType<typeof backendEnv>>;
  /** Settings as the command gets them: the state in a fresh PostgreSQL schema or in DATA_DIR's SQLite file. */
  const configWith = (env: Record<string, string> = {}) => parseConfig({ DATA_DIR: dir, DIGEST_DIR: "test/fixtures/sample", BOT_LOCALE: "en", ...env, ...state.env });
  beforeEach(async () => {
    state = await backendEnv(backend);
    config = configWith();
  });
  afterEach(() => state.drop());
  const openState = () => openStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL });
  /** The runs recorded, in planning order, with their parts and how many were sent. */
  const rows = async () => {
    const storage = await openState();
    try {
      const per = "d.run_id = runs.run_id AND d.platform = runs.platform AND d.target_id = runs.target_id";
      const found = await query<{ kind: string; target: string; requested_by: string; parts: unknown; sent: unknown }>(
        storage,
        `SELECT kind, target_id AS target, requested_by, (SELECT count(*) FROM deliveries d WHERE ${per}) AS parts, (SELECT count(*) FROM deliveries d WHERE ${per} AND d.status = 'sent') AS sent FROM runs ORDER BY :order`,
      );
      return found.map((r) => ({ kind: r.kind, target: r.target, by: r.requested_by, parts: Number(r.parts), sent: Number(r.sent) }));
    } finally {
      await storage.close();
    }
  };

  it("prints to the console by default and records a manual run; each call is a new run", async () => {
    const r = io();
    expect(await runDeliver([], r.io)).toBe(0);
    expect(r.out()).toContain("—— post to console:local (2026-02-18, part 1/");
    expect(r.err()).toMatch(/^digest-bot deliver: 2026-02-18 → console:local: \d+ messages sent \(run m20260218-[0-9a-f]{8}\)\n$/);
    expect(await runDeliver(["--section", "2"], io().io)).toBe(0);
    const runs = await rows();
    expect(runs).toHaveLength(2);
    expect(runs.every((x) => x.kind === "manual" && x.target === "local" && x.by === "cli" && x.parts === x.sent)).toBe(true);
    expect(runs[1]!.parts).toBeLessThan(runs[0]!.parts);
  });

  it("says which subscription got nothing because no story matched its keywords (--all and --target)", async () => {
    const storage = await openState();
    await storage.subscriptions.upsert("console", "local", undefined, "2026-02-17T00:00:00Z");
    await storage.subscriptions.setOptions("console", "local", { keywords: ["区块链"] }, "2026-02-17T00:00:00Z");
    await storage.close();
    const all = io();
    expect(await runDeliver(["--all"], all.io)).toBe(0);
    expect(all.err()).toMatch(/^digest-bot deliver: 2026-02-18 → 0 subscriptions: 0 messages sent \(run m20260218-[0-9a-f]{8}\)\n  nothing sent to console:local: no story matches its keywords\n$/);
    const one = io();
    expect(await runDeliver(["--target", "console:local"], one.io)).toBe(0);
    expect(one.err()).toContain("\n  nothing sent to console:local: no story matches its keywords\n");
    expect(one.out()).toBe("");
  });

  it("sends to a platform target through its publisher and reports what stays pending", async () => {
    const tg = new ScriptedPublisher("telegram");
    tg.script = ["ok", { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }];
    const r = io({ publishers: [tg], retry: { baseDelayMs: 1, maxDelayMs: 2 } });
    expect(await runDeliver(["--target", "telegram:-1001"], r.io)).toBe(1);
    expect(tg.received).toHaveLength(1);
    expect(r.err()).toContain("  pending telegram:-1001: 500 Internal Server Error\n");
  });

  describe("to Telegram, over the Bot API (emulated on loopback)", () => {
    const TOKEN = "123456:SECRET-deliver-token-for-tests";
    const CHAT = "-1001234567890";

    it("asks getMe for the bot's username first, so posts link to the full story with deep links", async () => {
      const tg = await startTelegramHarness();
      try {
        const tgConfig = configWith({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot });
        const r = io({ config: tgConfig, signals: new EventEmitter() });
        expect(await runDeliver(["--target", `telegram:${CHAT}`, "--section", "agent"], r.io)).toBe(0);
        const methods = tg.calls().map((c) => c.method);
        expect(methods[0]).toBe("getMe");
        const posts = tg.calls("sendMessage");
        expect(posts.length).toBeGreaterThan(0);
        expect(posts.every((c) => c.status === 200 && String(c.params.chat_id) === CHAT)).toBe(true);
        const text = posts.map((c) => String(c.params.text)).join("\n");
        expect(text).toContain(`<a href="https://t.me/${tg.botUsername}?start=20260218-openclaw-agent-jax3o">📖 Full story</a>`);
        expect(text).not.toContain("/story 20260218-");
        expect(r.err()).toMatch(new RegExp(`^digest-bot deliver: 2026-02-18 → telegram:${CHAT}: ${posts.length} messages sent`));
        expect(tg.htmlViolations).toEqual([]);
      } finally {
        await tg.close();
      }
    });

    it("a token Telegram rejects fails before any run, with the fix and without the token", async () => {
      const tg = await startTelegramHarness();
      try {
        tg.failNext("getMe", { error_code: 401, description: "Unauthorized" });
        const tgConfig = configWith({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot });
        const r = io({ config: tgConfig, signals: new EventEmitter() });
        expect(await runDeliver(["--target", `telegram:${CHAT}`], r.io)).toBe(1);
        expect(r.err()).toBe("digest-bot deliver: Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized); copy the token again from @BotFather\n");
        expect(tg.calls("sendMessage")).toEqual([]);
      } finally {
        await tg.close();
      }
    });

    it("delivers to a forum topic (telegram:<chat>:<topic id>) with its thread id on every message", async () => {
      const tg = await startTelegramHarness();
      try {
        tg.setForum(CHAT, { 45: "open" });
        const tgConfig = configWith({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot });
        const r = io({ config: tgConfig, signals: new EventEmitter() });
        expect(await runDeliver(["--target", `telegram:${CHAT}:45`, "--section", "agent"], r.io)).toBe(0);
        const posts = tg.calls("sendMessage");
        expect(posts.length).toBeGreaterThan(0);
        for (const p of posts) expect([p.status, String(p.params.chat_id), p.params.message_thread_id]).toEqual([200, CHAT, 45]);
        expect(r.err()).toMatch(new RegExp(`^digest-bot deliver: 2026-02-18 → telegram:${CHAT}:45: ${posts.length} messages? sent`));
      } finally {
        await tg.close();
      }
    });

    it("a console-only run does not call Telegram even when its token is set", async () => {
      const tg = await startTelegramHarness();
      try {
        const tgConfig = configWith({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot });
        expect(await runDeliver(["--section", "agent"], io({ config: tgConfig, signals: new EventEmitter() }).io)).toBe(0);
        expect(tg.calls()).toEqual([]);
      } finally {
        await tg.close();
      }
    });
  });

  it("refuses a platform without its token and a malformed target", async () => {
    const noToken = io();
    expect(await runDeliver(["--target", "discord:123456"], noToken.io)).toBe(2);
    expect(noToken.err()).toBe("digest-bot deliver: set DISCORD_TOKEN to deliver to discord:123456\n");
    const bad = io();
    expect(await runDeliver(["--target", "slack"], bad.io)).toBe(2);
    expect(bad.err()).toContain('--target "slack" must look like console:local, discord:<channel id> or telegram:<chat id>');
    const general = io();
    expect(await runDeliver(["--target", "telegram:-1001234567890:1"], general.io)).toBe(2);
    expect(general.err()).toContain('--target "telegram:-1001234567890:1": "-1001234567890:1" is the General topic, which is the chat itself; write -1001234567890');
  });
});
