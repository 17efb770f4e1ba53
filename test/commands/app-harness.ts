// Test harness: a real app (archive, search, state, delivery, commands) over the sample digest, with a fixed clock.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createApp, type App, type InvocationContext } from "../../src/app.js";
import { parseConfig, type Locale } from "../../src/core/config.js";
import { createLogger } from "../../src/core/logger.js";
import { renderReplyText } from "../../src/core/render-text.js";
import type { Reply } from "../../src/core/reply.js";
import type { StorageDialect } from "../../src/core/storage/types.js";
import { CONSOLE_INVOCATION } from "../../src/console/run-console.js";
import { backendEnv } from "../core/storage/backend-env.js";

/** 2026-02-18 10:00 in Shanghai: "today" is the sample digest's day. */
export const SAMPLE_NOW = new Date("2026-02-18T02:00:00Z");
export const SAMPLE_DIR = join(import.meta.dirname, "../../test/fixtures/sample");

export interface Harness {
  app: App;
  /** JSON log lines written so far. */
  logs: Record<string, unknown>[];
  /** Runs a chat line through the console path; returns the reply model and its console text. */
  /** Moves the app clock (commands and delivery). */
  setNow(now: Date): void;
  ask(line: string, invocation?: Partial<InvocationContext>): Promise<{ reply: Reply; text: string }>;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    locale?: Locale;
    now?: Date;
    digestDir?: string;
    env?: Record<string, string>;
    dataDir?: string;
    watch?: boolean;
    /** Where the state lives (default SQLite in DATA_DIR); PostgreSQL gets a fresh schema, dropped on close. */
    backend?: StorageDialect;
  } = {},
): Promise<Harness> {
  // A given dataDir belongs to the caller (e.g. a restart on the same state), so it is not removed on close.
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "digest-bot-cmd-"));
  const state = await backendEnv(options.backend ?? "sqlite");
  const config = parseConfig({
    DIGEST_DIR: options.digestDir ?? SAMPLE_DIR,
    DATA_DIR: dataDir,
    BOT_LOCALE: options.locale ?? "zh",
    LOG_LEVEL: "info",
    ...state.env,
    ...options.env,
  });
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level: "info", pretty: false, destination });
  let now = options.now ?? SAMPLE_NOW;
  const app = await createApp({ config, logger, clock: () => now, watch: options.watch ?? false });
  await app.ready;
  return {
    app,
    logs,
    setNow(next) {
      now = next;
    },
    async ask(line, invocation = {}) {
      const full = { ...CONSOLE_INVOCATION, ...invocation };
      const reply = await app.runText(line, full);
      if (!reply) throw new Error(`not a command: ${line}`);
      return { reply, text: renderReplyText(reply, full.locale ?? config.BOT_LOCALE) };
    },
    async close() {
      await app.close();
      await state.drop();
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
