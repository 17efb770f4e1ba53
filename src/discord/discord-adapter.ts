// Starts the Discord adapter: logs in, registers the shared commands, answers interactions, publishes daily posts.
import { createDiscordDm } from "./discord-dm.js";
import { Client, Events, GatewayIntentBits, Team, type ClientApplication, type Interaction, type RateLimitData } from "discord.js";
import type { App } from "../app.js";
import type { Config } from "../core/config.js";
import type { DeliveryEngine } from "../core/delivery/engine.js";
import { scrubSecrets, type Logger } from "../core/logger.js";
import { toDiscordCommandData } from "./discord-commands.js";
import { createInteractionHandler } from "./discord-interactions.js";
import { createDiscordDeliveryRest, createDiscordPublisher } from "./discord-publisher.js";
import { connectRestOnly, serveHttpInteractions, type InteractionsHost } from "./discord-http-interactions.js";
import type { Publisher } from "../core/delivery/publisher.js";
import type { DiscordMessagePayload } from "./discord-render.js";

/** How long login may take before start fails with a clear error. */
export const DISCORD_READY_TIMEOUT_MS = 30_000;

/** What the adapter uses of the composition root (`createApp`). */
export type DiscordAppParts = Pick<App, "registry" | "services" | "run"> & {
  delivery: Pick<DeliveryEngine, "registerPublisher"> & Partial<Pick<DeliveryEngine, "registerAlertPublisher">>;
  /** Where `/search` page requests behind button keys live (shared by every instance on the database). */
  storage: Pick<App["storage"], "searchPages">;
};

export interface StartDiscordOptions {
  config: Config;
  logger: Logger;
  app: DiscordAppParts;
  /** Aborts the start (a SIGTERM during login): the client is destroyed and the start rejects. */
  signal?: AbortSignal;
  /** The operator HTTP endpoint; with `DISCORD_PUBLIC_KEY` commands arrive there instead of over the gateway. */
  interactionsHost?: InteractionsHost;
}

export interface DiscordAdapter {
  client: Client;
  /** `http`: commands over /discord/interactions, no gateway session; `gateway`: the usual login. */
  mode: "gateway" | "http";
  publisher: Publisher<DiscordMessagePayload>;
  /**
   * Stops taking interactions (new ones go unanswered) and resolves once those in hand are answered; stays connected,
   * so delivery can still post. Idempotent.
   */
  drain(): Promise<void>;
  /** {@link drain}, then disconnects. Idempotent. */
  stop(): Promise<void>;
}

/** Start failed (bad token, unreachable API, …); the message says what to fix and never contains the token. */
export class DiscordStartError extends Error {
  override name = "DiscordStartError";
}

/** A login failure as the one line the operator needs: a rejected token says so and how to get a new one. */
function describeLoginFailure(err: unknown, message: string, apiBase: string): DiscordStartError {
  const code = (err as { code?: unknown })?.code;
  const status = (err as { status?: unknown })?.status;
  if (code === "TokenInvalid" || status === 401 || code === 4004) {
    return new DiscordStartError(
      "Discord rejected DISCORD_TOKEN (401 Unauthorized); copy the token again from the Developer Portal's Bot page (Reset Token)",
    );
  }
  return new DiscordStartError(`discord: login failed (${message}); check the network and DISCORD_API_BASE (${apiBase})`);
}

/**
 * Logs in with `DISCORD_TOKEN` (REST at `DISCORD_API_BASE`, gateway from its `GET /gateway/bot`), registers the
 * commands in `DISCORD_GUILD_ID` (instant) or globally (Discord may take up to an hour to show changes),
 * dispatches interactions to the command registry and registers the publisher with the delivery engine.
 *
 * @example
 * const discord = await startDiscord({ config, logger, app });
 * process.once("SIGTERM", () => void discord.stop());
 */
export async function startDiscord(options: StartDiscordOptions): Promise<DiscordAdapter> {
  const { config, app } = options;
  const logger = options.logger.child({ module: "discord" });
  const token = config.DISCORD_TOKEN;
  if (!token) throw new DiscordStartError("discord: DISCORD_TOKEN is not set; copy the bot token from the Developer Portal's Bot page");
  const secrets = [token];
  const clean = (err: unknown) => scrubSecrets(err instanceof Error ? err.message : String(err), secrets);

  // Fails before connecting when a definition is one Discord would reject.
  const commandData = toDiscordCommandData(app.registry.commands);

  const httpMode = config.DISCORD_PUBLIC_KEY !== undefined;
  if (httpMode && !options.interactionsHost) {
    throw new DiscordStartError("discord: DISCORD_PUBLIC_KEY needs the HTTP endpoint; set HTTP_PORT (see README, Discord HTTP interactions)");
  }
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    ...shardOptions(config.DISCORD_SHARDS),
    rest: { api: config.DISCORD_API_BASE },
    // The second lock: even a message built elsewhere cannot ping anyone.
    allowedMentions: { parse: [] },
  });
  client.on(Events.Error, (err) => logger.error({ err: { message: clean(err) } }, "discord client error"));
  client.on(Events.Warn, (message) => logger.warn(scrubSecrets(message, secrets)));
  client.on(Events.ShardDisconnect, (event, shard) => logger.warn({ code: event.code, shard }, "discord gateway disconnected"));
  client.on(Events.ShardResume, (shard) => logger.info({ shard }, "discord gateway resumed"));
  client.on(Events.GuildCreate, (guild) => logger.info({ guild: guild.id, name: guild.name }, "discord server joined"));
  client.on(Events.GuildDelete, (guild) => logger.warn({ guild: guild.id }, "discord server left or unavailable"));
  const onRateLimited = (info: RateLimitData) =>
    logger.warn({ route: info.route, method: info.method, retryAfterMs: info.retryAfter, global: info.global }, "discord rate limited; waiting as told");
  client.rest.on("rateLimited", onRateLimited);

  // DISCORD_ADMIN_IDS now; the application's owner (or team) is added once fetched after login.
  const operators = new Set(config.DISCORD_ADMIN_IDS);
  const handle = createInteractionHandler({ config, app, logger, operators, searchPages: app.storage.searchPages });
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  const take = (interaction: Interaction): Promise<void> | undefined => {
    if (stopping) return undefined;
    const job = handle(interaction).finally(() => inFlight.delete(job));
    inFlight.add(job);
    return job;
  };
  if (httpMode) {
    const application = await connectRestOnly(client, token).catch(async (err: unknown) => {
      await client.destroy().catch(() => undefined);
      throw describeLoginFailure(err, clean(err), config.DISCORD_API_BASE);
    });
    serveHttpInteractions(options.interactionsHost!, { client, publicKey: config.DISCORD_PUBLIC_KEY!, run: take, logger });
    logger.info({ id: application.id }, "discord ready (HTTP interactions at /discord/interactions; no gateway session)");
  } else {
    client.on(Events.InteractionCreate, (interaction: Interaction) => void take(interaction));
    await loginToGateway();
  }

  async function loginToGateway() {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const ready = new Promise<Client<true>>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new DiscordStartError(`discord: not ready after ${DISCORD_READY_TIMEOUT_MS / 1000} s; check the network and DISCORD_API_BASE (${config.DISCORD_API_BASE})`)),
        DISCORD_READY_TIMEOUT_MS,
      );
      client.once(Events.ClientReady, resolve);
      onAbort = () => reject(new DiscordStartError("discord: start cancelled (stopping)"));
      options.signal?.addEventListener("abort", onAbort, { once: true });
      if (options.signal?.aborted) onAbort();
    });
    // A failed login must not leave this promise to reject later, unhandled, when the timer fires.
    ready.catch(() => undefined);
    try {
      await Promise.race([client.login(token), ready]);
      const c = await ready;
      logger.info({ user: c.user.tag, id: c.user.id, guilds: c.guilds.cache.size }, "discord ready");
    } catch (err) {
      await client.destroy().catch(() => undefined);
      if (err instanceof DiscordStartError) throw err;
      throw describeLoginFailure(err, clean(err), config.DISCORD_API_BASE);
    } finally {
      clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener("abort", onAbort);
    }
  }

  const application = client.application;
  if (!application) {
    await client.destroy();
    throw new DiscordStartError("discord: READY carried no application; is DISCORD_TOKEN a bot token?");
  }
  await addApplicationOwners(application, operators, logger, clean);
  try {
    const guildId = config.DISCORD_GUILD_ID;
    const registered = guildId ? await application.commands.set(commandData, guildId) : await application.commands.set(commandData);
    logger.info(
      { scope: guildId ? `guild ${guildId}` : "global", commands: [...registered.values()].map((c) => c.name) },
      guildId ? "discord commands registered in the server" : "discord commands registered globally (may take up to an hour to show)",
    );
  } catch (err) {
    // The bot still answers commands registered earlier; say how to fix registration.
    logger.error(
      { reason: clean(err) },
      "discord command registration failed; invite the bot with the applications.commands scope (and check DISCORD_GUILD_ID)",
    );
  }

  // Daily posts use their own REST client: no retries of its own (the engine's policy), a request timeout.
  const deliveryRest = createDiscordDeliveryRest(token, config.DISCORD_API_BASE);
  deliveryRest.on("rateLimited", onRateLimited);
  const publisher = createDiscordPublisher({ rest: deliveryRest, locale: config.BOT_LOCALE, logger });
  try {
    app.delivery.registerPublisher(publisher);
    // Personal alerts (/watch) go to users' DMs through the same delivery client.
    app.delivery.registerAlertPublisher?.(createDiscordDm({ rest: deliveryRest, logger }));
  } catch (err) {
    await client.destroy();
    throw err;
  }

  let stopped: Promise<void> | undefined;
  const drain = async () => {
    stopping = true;
    // Jobs never reject (the handler catches), but a stop must not hang on one that somehow did.
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };
  return {
    client,
    mode: httpMode ? "http" : "gateway",
    publisher,
    drain,
    stop() {
      stopped ??= (async () => {
        await drain();
        await client.destroy();
        logger.info("discord stopped");
      })();
      return stopped;
    },
  };
}

/** Adds the application's owner, or every member of its team, to the operators; a failure keeps DISCORD_ADMIN_IDS only. */
async function addApplicationOwners(
  application: ClientApplication,
  operators: Set<string>,
  logger: Logger,
  clean: (err: unknown) => string,
): Promise<void> {
  try {
    await application.fetch();
    const owner = application.owner;
    const ids = owner instanceof Team ? [...owner.members.keys()] : owner ? [owner.id] : [];
    for (const id of ids) operators.add(id);
    logger.info({ operators: [...operators] }, "discord operators: DISCORD_ADMIN_IDS and the application's owner");
  } catch (err) {
    logger.warn({ reason: clean(err) }, "discord: could not fetch the application's owner; operators are DISCORD_ADMIN_IDS only");
  }
}

/** discord.js sharding for `DISCORD_SHARDS`: "auto" asks `GET /gateway/bot`; a count opens that many shards here. */
function shardOptions(setting: string | undefined): { shards?: "auto" | number[]; shardCount?: number } {
  if (setting === undefined) return {};
  if (setting === "auto") return { shards: "auto" };
  const count = Number(setting);
  return { shards: Array.from({ length: count }, (_, i) => i), shardCount: count };
}
