// One shared set-up for Discord app tests: a fake Discord, a temporary DIGEST_DIR and DATA_DIR, the real app and adapter.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, type App } from "../../src/app.js";
import { type Config, parseConfig } from "../../src/core/config.js";
import { createLogger, type Logger } from "../../src/core/logger.js";
import { startDiscord, type DiscordAdapter, type StartDiscordOptions } from "../../src/discord/discord-adapter.js";
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from "./fake-discord.js";

const SAMPLE = join(import.meta.dirname, "../fixtures/sample");

/** A real app and its Discord adapter. */
export interface DiscordBot {
  app: App;
  discord: DiscordAdapter;
}

/** Starts the app on `config` and the Discord adapter on it, once the app is ready. */
export async function startDiscordBot(
  config: Config,
  logger: Logger,
  options: { clock?: () => Date; adapter?: (app: App) => Partial<Omit<StartDiscordOptions, "config" | "logger">> } = {},
): Promise<DiscordBot> {
  const app = await createApp({ config, logger, watch: false, ...(options.clock ? { clock: options.clock } : {}) });
  await app.ready;
  const discord = await startDiscord({ config, logger, app, ...options.adapter?.(app) });
  return { app, discord };
}

/** Stops a bot as the process does: delivery first (so nothing is sent half-way), then the adapter, then the app. */
export async function stopDiscordBot(bot: DiscordBot): Promise<void> {
  await bot.app.delivery.stop();
  await bot.discord.stop();
  await bot.app.close();
}

/** A logger that keeps every JSON line it writes, parsed. */
export function capturingLogger(level = "debug"): { logger: Logger; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level, pretty: false, destination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, logs };
}

export interface DiscordAppSetup {
  /** The bot token (tests assert it is never logged). */
  token: string;
  /** Prefix of the temporary folder's name. */
  name: string;
  fake?: FakeDiscordOptions;
  /** Writes the digests into DIGEST_DIR (made empty); default: a copy of `test/fixtures/sample`. */
  digests?: (dir: string) => void;
  /** Settings over the harness's own (token, the fake's API base and guild, DIGEST_DIR, DATA_DIR, BOT_LOCALE=en); `undefined` unsets one. */
  settings?: (fake: FakeDiscord) => Record<string, string | undefined>;
  clock?: () => Date;
  /** Default: silent. */
  logger?: Logger;
  /** More adapter options (an HTTP interactions host, an app wrapped for the adapter). */
  adapter?: (app: App) => Partial<Omit<StartDiscordOptions, "config" | "logger">>;
  /** Starts the app's schedule and delivery (`app.start()`) once the adapter is up. Default false. */
  start?: boolean;
}

export interface DiscordApp extends DiscordBot {
  fake: FakeDiscord;
  config: Config;
  /** The temporary folder: `digests/` (DIGEST_DIR) and `state/` (DATA_DIR) below it. */
  dir: string;
  /** Stops the adapter and the app, closes the fake and deletes the folder; each even if an earlier one failed. */
  close(): Promise<void>;
}

/**
 * Starts a fake Discord and the real app and adapter on it.
 *
 * @example
 * let bot: DiscordApp;
 * beforeAll(async () => (bot = await startDiscordApp({ token: TOKEN, name: "watch", fake: { channelIds: [CHANNEL] } })));
 * afterAll(() => bot?.close());
 */
export async function startDiscordApp(setup: DiscordAppSetup): Promise<DiscordApp> {
  const fake = await startFakeDiscord(setup.fake);
  const dir = mkdtempSync(join(tmpdir(), `digest-bot-${setup.name}-`));
  const digests = join(dir, "digests");
  let bot: DiscordBot | undefined;
  const close = async () => {
    try {
      await bot?.discord.stop();
      await bot?.app.close();
    } finally {
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    if (setup.digests) {
      mkdirSync(digests);
      setup.digests(digests);
    } else cpSync(SAMPLE, digests, { recursive: true });
    const settings: Record<string, string | undefined> = {
      DISCORD_TOKEN: setup.token,
      DISCORD_API_BASE: fake.apiBase,
      DISCORD_GUILD_ID: fake.guildId,
      DIGEST_DIR: digests,
      DATA_DIR: join(dir, "state"),
      BOT_LOCALE: "en",
      ...setup.settings?.(fake),
    };
    const config = parseConfig(Object.fromEntries(Object.entries(settings).filter((e): e is [string, string] => e[1] !== undefined)));
    const logger = setup.logger ?? createLogger({ level: "silent", pretty: false });
    bot = await startDiscordBot(config, logger, { ...(setup.clock ? { clock: setup.clock } : {}), ...(setup.adapter ? { adapter: setup.adapter } : {}) });
    if (setup.start) await bot.app.start();
    return { ...bot, fake, config, dir, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A bot a test started with `discordBots`, with the log lines it wrote. */
export interface LoggedDiscordBot extends DiscordBot {
  logs: Record<string, unknown>[];
}

/**
 * Bots a test starts, stops and restarts on one state (a crash, a restart), each logging at debug into its own
 * `logs`; `stopAll()` stops those still running (for `afterEach`).
 */
export function discordBots() {
  const running: LoggedDiscordBot[] = [];
  const stop = async (bot: LoggedDiscordBot) => {
    running.splice(running.indexOf(bot), 1);
    await stopDiscordBot(bot);
  };
  return {
    /** The real app and adapter on `config`, the clock at `clock.now`. */
    async start(config: Config, clock: { now: Date }): Promise<LoggedDiscordBot> {
      const { logger, logs } = capturingLogger();
      const bot = { ...(await startDiscordBot(config, logger, { clock: () => clock.now })), logs };
      running.push(bot);
      return bot;
    },
    stop,
    async stopAll() {
      for (const bot of [...running]) await stop(bot);
    },
  };
}
