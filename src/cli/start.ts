// `digest-bot start` (what `npm start` runs): Discord and/or Telegram when their tokens are set, else the local console.
import type { App } from "../app.js";
import type { HttpEndpoint } from "../http/http-server.js";
import { loadConfig } from "../core/config.js";
import { createLogger } from "../core/logger.js";
import { consoleLogger, startConsole } from "./console.js";
import { tuneHeapForResidentBot } from "./resident-heap.js";
import { installShutdown } from "./shutdown.js";
import { isStartupError, startupErrorMessage } from "./startup-error.js";

/** A running platform adapter, as far as start-up and shutdown care. */
interface RunningAdapter {
  name: string;
  /** Stops taking work and finishes what is in hand, still connected. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export async function run(args: string[]): Promise<number> {
  // First: a SIGTERM during loading, login, catch-up or resume must stop cleanly, not kill by default disposition.
  const life = installShutdown();
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(
      "Usage: digest-bot start\n\nStarts Discord when DISCORD_TOKEN is set and Telegram when TELEGRAM_BOT_TOKEN is set;\nwith neither, starts the local console (see `digest-bot console`).\n",
    );
    return 0;
  }
  const config = loadConfig();
  tuneHeapForResidentBot();
  if (!config.DISCORD_TOKEN && !config.TELEGRAM_BOT_TOKEN) {
    return startConsole({ config, life, ...(await consoleLogger(config)) });
  }

  const logger = createLogger({
    level: config.LOG_LEVEL,
    secrets: [config.DISCORD_TOKEN ?? "", config.TELEGRAM_BOT_TOKEN ?? "", config.TELEGRAM_WEBHOOK_SECRET ?? ""],
  });
  life.setLogger(logger);
  const adapters: RunningAdapter[] = [];
  let app: App | undefined;
  let http: HttpEndpoint | undefined;
  let opening: Promise<unknown> = Promise.resolve();
  const stopAll = async () => {
    // Whatever is still opening (app, a login) settles or gives up on the abort signal first, then is closed.
    await opening.catch(() => undefined);
    // At once, while the clients are still connected: the adapters stop taking commands and answer those in hand,
    // and delivery finishes (or checkpoints) the message in flight. Then disconnect and close the database.
    await Promise.all([...adapters.map((a) => a.drain()), app?.delivery.stop()]);
    for (const adapter of [...adapters].reverse()) await adapter.stop();
    await http?.close();
    await app?.close();
  };
  life.onStop(stopAll);
  try {
    const { createApp } = await import("../app.js");
    // Metrics only with the endpoint: without HTTP_PORT nothing is collected.
    const metrics = config.HTTP_PORT !== undefined ? (await import("../http/metrics.js")).createBotMetrics() : undefined;
    opening = createApp({ config, logger, signal: life.signal, ...(metrics ? { observer: metrics.observer } : {}) }).then((a) => (app = a));
    await opening;
    if (life.stopping) return 0;
    let served: App = app!;
    if (metrics) {
      const { startOperatorEndpoint, instrumentApp } = await import("../http/operator-endpoint.js");
      http = await startOperatorEndpoint({ config, logger, app: app!, metrics });
      served = instrumentApp(app!, metrics);
    }
    // Readiness of each enabled adapter is known from now on: /readyz must not say "ready" while Discord logs in
    // or Telegram is still unreachable (its start retries until the API answers).
    let discordReady: (() => boolean) | undefined;
    let telegramReady: (() => boolean) | undefined;
    if (config.DISCORD_TOKEN) {
      http?.addReadiness({ name: "discord", check: () => (discordReady ? (discordReady() ? undefined : "gateway not connected") : "still logging in") });
    }
    if (config.TELEGRAM_BOT_TOKEN) {
      http?.addReadiness({ name: "telegram", check: () => (telegramReady ? (telegramReady() ? undefined : "not polling") : "still connecting") });
    }
    if (config.DISCORD_TOKEN) {
      const { startDiscord } = await import("../discord/discord-adapter.js");
      const starting = startDiscord({ config, logger, app: served, signal: life.signal, ...(http ? { interactionsHost: http } : {}) });
      opening = starting;
      const discord = await starting;
      adapters.push({ name: "discord", drain: () => discord.drain(), stop: () => discord.stop() });
      discordReady = () => discord.mode === "http" || discord.client.isReady();
      if (life.stopping) return 0;
    }
    if (config.TELEGRAM_BOT_TOKEN) {
      const { startTelegram } = await import("../telegram/telegram-adapter.js");
      const starting = startTelegram({
        config,
        logger,
        app: served,
        signal: life.signal,
        ...(http ? { webhookHost: http } : {}),
        ...(metrics ? { onEdit: () => metrics.countEdit("telegram") } : {}),
      });
      opening = starting;
      const telegram = await starting;
      adapters.push({ name: "telegram", drain: () => telegram.drain(), stop: () => telegram.stop() });
      telegramReady = () => telegram.connected();
      if (life.stopping) return 0;
    }
    opening = Promise.resolve();
    // The catch-up tick runs here; a signal now lets delivery finish the message in flight and stop.
    await app!.start();
  } catch (err) {
    // A stop requested while starting is not a start failure: the shutdown handler exits 0 when it is done.
    if (life.stopping) return 0;
    if (isStartupError(err)) logger.fatal({ reason: startupErrorMessage(err) }, "start failed");
    else logger.fatal({ err }, "start failed");
    await stopAll().catch(() => undefined);
    throw err;
  }
  if (life.stopping) return 0;
  logger.info(
    { adapters: adapters.map((a) => a.name), digests: app!.archive.dates().length, digestDir: config.DIGEST_DIR, dataDir: config.DATA_DIR },
    "digest-bot running",
  );
  // The adapters' connections keep the process alive until a signal arrives.
  return 0;
}
