// `digest-bot start` (what `npm start` runs): Discord and/or Telegram when their tokens are set, else the local console.
import { createApp } from "../app.js";
import { loadConfig } from "../core/config.js";
import { createLogger } from "../core/logger.js";
import { startDiscord } from "../discord/discord-adapter.js";
import { startTelegram } from "../telegram/telegram-adapter.js";
import { startConsole } from "./console.js";
import { createTerminalLogger } from "./terminal-logger.js";
import { handleShutdownSignals } from "./shutdown.js";

/** A running platform adapter, as far as start-up and shutdown care. */
interface RunningAdapter {
  name: string;
  /** Stops taking work and finishes what is in hand, still connected. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(
      "Usage: digest-bot start\n\nStarts Discord when DISCORD_TOKEN is set and Telegram when TELEGRAM_BOT_TOKEN is set;\nwith neither, starts the local console (see `digest-bot console`).\n",
    );
    return 0;
  }
  const config = loadConfig();
  if (!config.DISCORD_TOKEN && !config.TELEGRAM_BOT_TOKEN) {
    return startConsole({ config, logger: createTerminalLogger(config) });
  }

  const logger = createLogger({
    level: config.LOG_LEVEL,
    secrets: [config.DISCORD_TOKEN ?? "", config.TELEGRAM_BOT_TOKEN ?? ""],
  });
  // Signals are handled from here on, before anything slow (loading, logins, the catch-up delivery): a SIGTERM at
  // any moment aborts the delivery in progress and stops cleanly instead of dying by the default disposition.
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  let stopRequested = false;
  let startup: Promise<unknown> = Promise.resolve();
  const adapters: RunningAdapter[] = [];
  const stopAll = async () => {
    stopRequested = true;
    // At once, while the clients are still connected: the adapters stop taking commands and answer those in hand,
    // and delivery aborts its waits and requests (the part cut short stays in-flight, reconciled next start).
    const delivery = app?.delivery.stop();
    await Promise.all([...adapters.map((a) => a.drain()), delivery]);
    await startup.catch(() => undefined);
    await app?.delivery.stop();
    for (const adapter of [...adapters].reverse()) await adapter.stop();
    await app?.close();
  };
  handleShutdownSignals({ logger, stop: stopAll });
  startup = (async () => {
    app = await createApp({ config, logger });
    if (stopRequested) return;
    if (config.DISCORD_TOKEN) {
      const discord = await startDiscord({ config, logger, app });
      adapters.push({ name: "discord", drain: () => discord.drain(), stop: () => discord.stop() });
    }
    if (stopRequested) return;
    if (config.TELEGRAM_BOT_TOKEN) {
      const telegram = await startTelegram({ config, logger, app });
      adapters.push({ name: "telegram", drain: () => telegram.drain(), stop: () => telegram.stop() });
    }
    if (stopRequested) return;
    await app.start();
  })();
  try {
    await startup;
  } catch (err) {
    logger.fatal({ err }, "start failed");
    await stopAll().catch(() => undefined);
    throw err;
  }
  if (stopRequested || !app) return 0;
  logger.info({ adapters: adapters.map((a) => a.name), digests: app.archive.dates().length }, "digest-bot running");
  // The adapters' connections keep the process alive until a signal arrives.
  return 0;
}
