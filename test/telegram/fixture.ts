// Shared setup of the end-to-end Telegram tests: harness + real app on a temp copy of a digest dir + the real bot.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, type App } from "../../src/app.js";
import { parseConfig } from "../../src/core/config.js";
import { createLogger } from "../../src/core/logger.js";
import type { StorageDialect } from "../../src/core/storage/types.js";
import { startTelegram, type TelegramAdapter } from "../../src/telegram/telegram-adapter.js";
import { backendEnv } from "../core/storage/backend-env.js";
import { startTelegramHarness, type TelegramHarness } from "./harness.js";

export const TOKEN = "987654:SECRET-telegram-token-for-tests-xyz";
export const FAST_THROTTLE = {
  global: { reservoir: 1000, reservoirRefreshAmount: 1000, reservoirRefreshInterval: 1000 },
  group: { maxConcurrent: 1, minTime: 0 },
  out: { maxConcurrent: 1, minTime: 0 },
};
export const ADMIN_ID = 4242;
export const GROUP = -100555;
export const CHANNEL = "-1001234567890";

export interface Fixture {
  tg: TelegramHarness;
  app: App;
  telegram: TelegramAdapter;
  logs: string[];
  clock: { now: Date };
  dir: string;
  /** Removes the PostgreSQL schema of the state (nothing for SQLite). */
  drop(): Promise<void>;
}

/**
 * Starts harness, app (on a copy of `digestDir`) and bot; the clock starts before the day's 09:00 Shanghai slot.
 * `options.backend` puts the state on PostgreSQL (a fresh schema) instead of SQLite in DATA_DIR.
 */
export async function startFixture(
  digestDir: string,
  start: string,
  extraEnv: Record<string, string> = {},
  options: { stopAnswerBudgetMs?: number; backend?: StorageDialect } = {},
): Promise<Fixture> {
  const { backend = "sqlite", ...adapter } = options;
  const state = await backendEnv(backend);
  const tg = await startTelegramHarness();
  const dir = mkdtempSync(join(tmpdir(), "digest-bot-telegram-"));
  cpSync(digestDir, join(dir, "digests"), { recursive: true });
  const config = parseConfig({
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_API_ROOT: tg.apiRoot,
    TELEGRAM_ADMIN_IDS: String(ADMIN_ID),
    TELEGRAM_CHAT_IDS: CHANNEL,
    DIGEST_DIR: join(dir, "digests"),
    DATA_DIR: join(dir, "state"),
    BOT_LOCALE: "en",
    ...state.env,
    ...extraEnv,
  });
  const logs: string[] = [];
  // No `secrets` here on purpose: the adapter itself must keep the token out of what it logs.
  const logger = createLogger({ level: "debug", destination: { write: (line: string) => void logs.push(line) } });
  const clock = { now: new Date(start) };
  const app = await createApp({ config, logger, watch: false, clock: () => clock.now });
  await app.ready;
  const telegram = await startTelegram({ config, logger, app, throttle: FAST_THROTTLE, pollTimeoutSeconds: 2, ...adapter });
  return { tg, app, telegram, logs, clock, dir, drop: () => state.drop() };
}

export async function stopFixture(f: Fixture | undefined): Promise<void> {
  if (!f) return;
  await f.telegram.stop();
  await f.app.close();
  await f.tg.close();
  await f.drop();
  rmSync(f.dir, { recursive: true, force: true });
}

/** Polls `probe` every 50 ms until it gives a value (at most 10 s): for state a pushed update changes soon after. */
export async function untilDefined<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("timed out");
}

/** A basic group as Telegram's updates show it. */
export const basicGroup = (id: number) => ({ id, type: "group", title: "AI group" });
