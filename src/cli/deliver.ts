// `digest-bot deliver [--date D] [--section S] [--target platform:id]… [--all]`: delivers a digest now, as a manual run in the ledger.
import { checkStoragePaths } from "../core/storage-paths.js";
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { readCommandArgs } from "./command-args.js";
import { GrammyError } from "grammy";
import type { Logger } from "../core/logger.js";
import { join } from "node:path";
import { createArchive } from "../core/digest/archive.js";
import { openStoryIdStore, STORY_IDS_DIR } from "../core/digest/story-id-store.js";
import { loadConfig, telegramTargetProblem, type Config } from "../core/config.js";
import type { TargetRef } from "../core/delivery/control.js";
import { createDeliveryEngine, DeliveryError } from "../core/delivery/engine.js";
import type { Publisher } from "../core/delivery/publisher.js";
import type { Platform } from "../core/reply.js";
import type { RetryOptions } from "../core/delivery/sender.js";
import { openStorage } from "../core/storage/open-storage.js";
import { CONSOLE_TARGET, createConsolePublisher } from "../console/console-publisher.js";
import { createDiscordDeliveryRest, createDiscordPublisher } from "../discord/discord-publisher.js";
import { createTelegramDeliveryApi, createTelegramPublisher } from "../telegram/telegram-publisher.js";
import { describeTelegramError } from "../telegram/telegram-adapter.js";
import { handleShutdownSignals, installShutdown, type Shutdown } from "./shutdown.js";
import { createTerminalLogger } from "./terminal-logger.js";
import { selectDigest, SelectionError } from "./select-digest.js";

const USAGE = `Usage: digest-bot deliver [--date D] [--section S] [--target platform:id]… [--all]

Delivers a digest now, recorded in the ledger as a manual run (sent exactly once, resumed by the bot if cut short).
  --date D              the digest of this day (2026-02-18, 02-18, today, yesterday); default the latest
  --section S           only this section (agent, 安全, 2)
  --target P:ID         where to send; repeatable: console:local, discord:<channel id>, telegram:<chat id or @channel>[:<topic id>]
                        (discord/telegram need DISCORD_TOKEN / TELEGRAM_BOT_TOKEN); default console:local (this terminal)
  --all                 every enabled subscription instead (each with its own section filter unless --section)

Exit code: 0 all sent, 1 some messages left pending (the running bot retries them) or no such digest, 2 bad usage.
`;

/** Where the command reads settings and writes; tests pass their own (and may add publishers). */
export interface DeliverIo {
  config: Config;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now?: Date;
  logger?: Logger;
  /** Publishers to use instead of building them from tokens (tests). */
  publishers?: Publisher[];
  /** Retry delays (tests shrink them). */
  retry?: Partial<RetryOptions>;
  /** Where SIGINT/SIGTERM come from when the command builds its own publishers; default `process`. */
  signals?: NodeJS.EventEmitter;
  /** Signal handling installed by `run` before anything else (a signal while loading exits 0 at once). */
  life?: Shutdown;
}

class UsageError extends Error {}

/** A platform could not be set up (e.g. Telegram refused the token); the message says what to fix. */
class SetupError extends Error {}

export async function run(args: string[]): Promise<number> {
  // First: until the engine exists nothing is in flight, so a signal then just exits 0.
  const life = installShutdown();
  return runDeliver(args, {
    life,
    config: loadConfig(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}

function parseTargets(raw: string[]): TargetRef[] {
  return raw.map((value) => {
    const m = /^(console|discord|telegram):(.+)$/.exec(value.trim());
    if (!m) throw new UsageError(`--target "${value}" must look like console:local, discord:<channel id> or telegram:<chat id>`);
    const problem = m[1] === "telegram" ? telegramTargetProblem(m[2]!) : undefined;
    if (problem) throw new UsageError(`--target "${value}": ${problem}`);
    return { platform: m[1] as Platform, id: m[2]! };
  });
}

export async function runDeliver(args: string[], io: DeliverIo): Promise<number> {
  const parsed = readCommandArgs(io, "deliver", USAGE, () => {
    const { values } = parseArgs({
      args,
      options: {
        date: { type: "string" },
        section: { type: "string" },
        target: { type: "string", multiple: true, default: [] },
        all: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
    });
    const targets = parseTargets(values.target);
    if (values.all && targets.length > 0) throw new UsageError("use either --all or --target, not both");
    return { values, targets };
  });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  let targets: TargetRef[] = parsed.targets;
  const { config } = io;
  const logger = io.logger ?? createTerminalLogger(config);
  if (!values.all && targets.length === 0) targets = [{ ...CONSOLE_TARGET }];
  const wanted = (platform: Platform) => values.all || targets.some((t) => t.platform === platform);
  let publishers: Publisher[];
  try {
    publishers = io.publishers ?? (await buildPublishers(config, io, logger, wanted));
  } catch (err) {
    if (!(err instanceof SetupError)) throw err;
    io.stderr(`digest-bot deliver: ${err.message}\n`);
    return 1;
  }
  const available = new Set(publishers.map((p) => p.platform));
  const missing = targets.find((t) => !available.has(t.platform));
  if (missing) {
    const setting = missing.platform === "discord" ? "DISCORD_TOKEN" : "TELEGRAM_BOT_TOKEN";
    io.stderr(`digest-bot deliver: set ${setting} to deliver to ${missing.platform}:${missing.id}\n`);
    return 2;
  }

  checkStoragePaths(config);
  // The bot's story ids (read only: a running bot owns the files), so the posts' deep links match the bot's.
  const ids = openStoryIdStore({ dir: join(config.DATA_DIR, STORY_IDS_DIR), logger, readOnly: true });
  const archive = await createArchive({ dir: config.DIGEST_DIR, logger, watch: false, ids, timeZone: config.POST_TIMEZONE });
  let storage;
  try {
    storage = await openStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL });
  } catch (err) {
    await archive.close();
    throw err;
  }
  const engine = createDeliveryEngine({ storage, archive, config, logger: logger.child({ module: "delivery" }), useCron: false, ...(io.retry ? { retry: io.retry } : {}) });
  let closed!: () => void;
  const done = new Promise<void>((resolve) => (closed = resolve));
  if (io.life) {
    io.life.setLogger(logger);
    io.life.onStop(() => engine.stop().then(() => done));
  } else if (!io.publishers) {
    // Ctrl-C: stop taking work, let the message in flight finish, then wait for the clean close below.
    handleShutdownSignals({ logger, stop: () => engine.stop().then(() => done), ...(io.signals ? { signals: io.signals } : {}) });
  }
  try {
    for (const p of publishers) engine.registerPublisher(p);
    const { digest, sectionIndex } = selectDigest(archive, {
      date: values.date,
      section: values.section,
      now: io.now ?? new Date(),
      timeZone: config.POST_TIMEZONE,
      digestDir: config.DIGEST_DIR,
    });
    const destinations: (TargetRef | "all-subscriptions")[] = values.all ? ["all-subscriptions"] : targets;
    let pendingCount = 0;
    for (const to of destinations) {
      const request: Parameters<typeof engine.deliver>[0] = { kind: "manual", date: digest.date, to, requestedBy: "cli" };
      if (sectionIndex !== undefined) request.sectionIndex = sectionIndex;
      const result = await engine.deliver(request);
      const where = to === "all-subscriptions" ? `${result.targets} subscriptions` : `${to.platform}:${to.id}`;
      io.stderr(`digest-bot deliver: ${digest.date} → ${where}: ${result.messagesSent} messages sent (run ${result.runId})\n`);
      for (const p of result.pending) io.stderr(`  pending ${p.target.platform}:${p.target.id}: ${p.error}\n`);
      // What the subscription asked for, not a failure: said, so "0 messages sent" is not a mystery.
      for (const u of result.unmatched ?? []) io.stderr(`  nothing sent to ${u.platform}:${u.id}: no story matches its keywords\n`);
      pendingCount += result.pending.length;
    }
    return pendingCount > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof SelectionError) {
      io.stderr(`digest-bot deliver: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof DeliveryError) {
      io.stderr(`digest-bot deliver: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await engine.stop();
    await storage.close();
    await archive.close();
    closed();
  }
}

/**
 * Console always; Discord and Telegram over plain REST when their tokens are set (no gateway, no polling).
 * Telegram only when this run may send there (`wanted`): it asks getMe for the bot's username first, so posts carry
 * `https://t.me/<bot>?start=<id>` deep links as the running bot's do — and a bad token fails here, before any run.
 */
async function buildPublishers(config: Config, io: DeliverIo, logger: Logger, wanted: (platform: Platform) => boolean): Promise<Publisher[]> {
  const list: Publisher[] = [
    createConsolePublisher({ output: writableOf(io.stdout), locale: config.BOT_LOCALE }) as Publisher,
  ];
  if (config.DISCORD_TOKEN) {
    const rest = createDiscordDeliveryRest(config.DISCORD_TOKEN, config.DISCORD_API_BASE);
    list.push(createDiscordPublisher({ rest, locale: config.BOT_LOCALE, logger: logger.child({ module: "discord" }) }) as Publisher);
  }
  if (config.TELEGRAM_BOT_TOKEN && wanted("telegram")) {
    const api = createTelegramDeliveryApi(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT);
    const secrets = [config.TELEGRAM_BOT_TOKEN, encodeURIComponent(config.TELEGRAM_BOT_TOKEN)];
    let botUsername: string;
    try {
      botUsername = (await api.getMe()).username;
    } catch (err) {
      if (err instanceof GrammyError && err.error_code === 401) {
        throw new SetupError("Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized); copy the token again from @BotFather");
      }
      throw new SetupError(`cannot reach the Telegram Bot API at ${config.TELEGRAM_API_ROOT}: ${describeTelegramError(err, secrets)}`);
    }
    list.push(createTelegramPublisher({ api, locale: config.BOT_LOCALE, botUsername, secrets }) as Publisher);
  }
  return list;
}

function writableOf(write: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      write(String(chunk));
      callback();
    },
  });
}
