// Composition root: builds archive, search, state, delivery engine and commands from the config, and closes them in order.
import { join } from "node:path";
import { createArchive, type Archive } from "./core/digest/archive.js";
import type { BotServices, CommandContext } from "./core/command.js";
import { loadCommands, runCommand, runTextCommand, type CommandRegistry } from "./core/command-registry.js";
import type { Config, Locale } from "./core/config.js";
import { createDeliveryEngine, type DeliveryEngine } from "./core/delivery/engine.js";
import type { Pacer } from "./core/delivery/pacing.js";
import type { DeliveryObserver } from "./core/delivery/observer.js";
import type { Logger } from "./core/logger.js";
import type { Platform, Reply } from "./core/reply.js";
import { createStorySearch, type SearchService } from "./core/search.js";
import { openStorage } from "./core/storage/open-storage.js";
import type { Storage } from "./core/storage/types.js";
import { createWorkerParser } from "./core/digest/digest-parser.js";
import { openParseCache } from "./core/digest/parse-cache.js";
import { createDataDirWrites } from "./core/data-dir-writes.js";
import { openStoryIdStore, STORY_IDS_DIR } from "./core/digest/story-id-store.js";
import type { AdminScope } from "./core/safety/admin-scope.js";
import { checkStoragePaths } from "./core/storage-paths.js";

/** Parsed digests kept between starts, next to the state database. */
export const DIGEST_CACHE_DIR = "digest-cache";

export interface AppOptions {
  config: Config;
  logger: Logger;
  /** The current time; default `() => new Date()`. Tests pass a fake clock (commands and delivery both use it). */
  clock?: () => Date;
  /** Follow changes of DIGEST_DIR (hot reload); default true. One-shot CLIs pass false. */
  watch?: boolean;
  /** Where command definitions live; default `commands/`. */
  commandsDir?: string;
  /** Delivery pacing; default the platforms' limits (`createPacer()`). In-process tests pass an unpaced one. */
  pacer?: Pacer;
  /** Told about each delivery send (metrics of the HTTP endpoint); optional. */
  observer?: DeliveryObserver;
  /** Aborted at the first SIGINT/SIGTERM: a digest parse in flight at start is cut short so the stop stays under 3 s. */
  signal?: AbortSignal;
}

/** Who asks and where: what an adapter knows about a command invocation. */
export interface InvocationContext {
  platform: Platform;
  /** Set by the adapter after its own permission check. */
  isAdmin: boolean;
  /** The channel/chat; undefined in a shell. */
  target?: { platform: Platform; id: string };
  /** For admins: operator (global) or one chat's/server's admins; see `CommandContext.adminScope`. */
  adminScope?: AdminScope;
  /** UI locale; default BOT_LOCALE. */
  locale?: Locale;
  /** Who asked (owner of personal alerts); undefined when the platform names nobody (a channel post). */
  user?: { platform: Platform; id: string };
}

/** The running bot, minus platform adapters. */
export interface App {
  readonly config: Config;
  readonly logger: Logger;
  readonly archive: Archive;
  readonly search: SearchService;
  readonly storage: Storage;
  readonly delivery: DeliveryEngine;
  readonly registry: CommandRegistry;
  readonly services: BotServices;
  readonly clock: () => Date;
  /** Resolves when the search index is built or loaded (until then search answers from a slower scan). */
  readonly ready: Promise<void>;
  /** Runs one command by name with raw option values (Discord interactions, tests). Never throws. */
  run(name: string, options: Record<string, unknown>, invocation: InvocationContext): Promise<Reply>;
  /**
   * Runs a chat line (`/story sonnet 02-18`; console, Telegram). Undefined when the line is not a command
   * for this bot (no `/`, or `/cmd@OtherBot`).
   */
  runText(text: string, invocation: InvocationContext, botUsername?: string): Promise<Reply | undefined>;
  /** Starts scheduled delivery (after adapters registered their publishers). Idempotent. */
  start(): Promise<void>;
  /** Stops delivery, then closes search, archive and the database, in that order. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds every shared part of the bot from the config. Adapters then register publishers with
 * `app.delivery.registerPublisher(…)`, call `app.start()`, and route commands through `app.run` / `app.runText`.
 *
 * @example
 * const app = await createApp({ config: loadConfig(), logger });
 * const reply = await app.runText("/links glm-5", { platform: "console", isAdmin: true });
 * await app.close();
 */
export async function createApp(options: AppOptions): Promise<App> {
  const { config, logger } = options;
  const clock = options.clock ?? (() => new Date());
  // One clear error for an unusable DIGEST_DIR / DATA_DIR, before anything opens them.
  checkStoragePaths(config);
  const registry = await loadCommands(options.commandsDir ? { dir: options.commandsDir } : {});
  const watch = options.watch ?? true;
  // One error line for a full or read-only DATA_DIR, whichever writer meets it first; each then tries again later.
  const writes = createDataDirWrites(config.DATA_DIR, logger.child({ module: "state" }));
  const cache = await openParseCache(join(config.DATA_DIR, DIGEST_CACHE_DIR), logger.child({ module: "archive" }), watch ? writes : undefined);
  // The running bot parses in a worker (no file can stall commands) and owns the id files; one-shot CLIs only read them.
  const ids = openStoryIdStore({ dir: join(config.DATA_DIR, STORY_IDS_DIR), logger: logger.child({ module: "archive" }), readOnly: !watch, writes });
  const parser = watch ? createWorkerParser() : undefined;
  // Without this a stop during the first load waited for the slowest file (up to the 5 s parse limit).
  options.signal?.addEventListener("abort", () => void parser?.close(), { once: true });
  if (options.signal?.aborted) void parser?.close();
  const archive = await createArchive({ dir: config.DIGEST_DIR, logger, watch, cache, ids, timeZone: config.POST_TIMEZONE, ...(parser ? { parser } : {}) });
  const opened: { close(): unknown }[] = [archive];
  try {
    const search = await createStorySearch({ archive, dataDir: config.DATA_DIR, logger, ...(watch ? { writes } : {}) });
    opened.unshift(search);
    const storage = await openStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL });
    opened.push(storage);
    const delivery = createDeliveryEngine({
      storage,
      archive,
      search,
      config,
      logger: logger.child({ module: "delivery" }),
      clock,
      ...(options.pacer ? { pacer: options.pacer } : {}),
      ...(options.observer ? { observer: options.observer } : {}),
    });
    const services: BotServices = { config, archive, search, delivery, watches: delivery.watches, commands: () => registry.commands };
    const commandLogger = logger.child({ module: "commands" });

    const contextOf = (invocation: InvocationContext): Omit<CommandContext, "options"> => {
      const ctx: Omit<CommandContext, "options"> = {
        locale: invocation.locale ?? config.BOT_LOCALE,
        platform: invocation.platform,
        isAdmin: invocation.isAdmin,
        services,
        now: clock(),
        logger: commandLogger,
      };
      if (invocation.target) ctx.target = invocation.target;
      if (invocation.adminScope) ctx.adminScope = invocation.adminScope;
      if (invocation.user) ctx.user = invocation.user;
      return ctx;
    };

    let started: Promise<void> | undefined;
    let closing: Promise<void> | undefined;
    return {
      config,
      logger,
      archive,
      search,
      storage,
      delivery,
      registry,
      services,
      clock,
      ready: search.ready,
      run: (name, raw, invocation) => runCommand(registry, name, raw, contextOf(invocation)),
      runText: (text, invocation, botUsername) => runTextCommand(registry, text, contextOf(invocation), botUsername),
      start() {
        started ??= delivery.start();
        return started;
      },
      close() {
        closing ??= (async () => {
          if (started) await delivery.stop();
          await search.close();
          await archive.close();
          await storage.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    // Whatever was opened before the failure is closed, so a bad DATA_DIR does not leave a watcher running.
    for (const part of opened) await part.close();
    throw err;
  }
}
