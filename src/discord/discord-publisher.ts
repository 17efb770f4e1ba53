// The Discord side of delivery: posts planned messages with nonce-based de-duplication and classifies failures.
import { DiscordAPIError, HTTPError, RateLimitError, Routes, type REST } from "discord.js";
import type { Locale } from "../core/config.js";
import { PublishError, type Publisher } from "../core/delivery/publisher.js";
import type { Logger } from "../core/logger.js";
import type { DailyPost } from "../core/summaries.js";
import { planDiscordDailyPost } from "./discord-daily-post.js";
import type { DiscordMessagePayload } from "./discord-render.js";

/**
 * Discord JSON error codes after which retrying cannot help: the subscription is disabled with the reason.
 * 10003 Unknown Channel, 10004 Unknown Guild, 50001 Missing Access, 50013 Missing Permissions,
 * 50007 Cannot send messages to this user, 50008 Cannot send messages in a non-text channel.
 */
export const PERMANENT_DISCORD_CODES: ReadonlySet<number> = new Set([10003, 10004, 50001, 50007, 50008, 50013]);

/**
 * Local budget of edits/deletes per channel per minute, under Discord's per-channel message bucket (about 5 per
 * 5 s); discord.js still honours the buckets and 429s Discord announces.
 */
export const DISCORD_EDITS_PER_MINUTE = 50;

/** 10008 Unknown Message: deleted (by an admin, or already by us). */
export const DISCORD_UNKNOWN_MESSAGE = 10008;
/** 50005 Cannot edit a message authored by another user. */
export const DISCORD_NOT_AUTHOR = 50005;

/** Discord's nonce limit; the engine's idempotency keys already respect it. */
export const DISCORD_NONCE_LIMIT = 25;

/** The message body actually posted: the planned payload plus Discord's idempotency fields. */
export function withNonce(payload: DiscordMessagePayload, idempotencyKey: string): DiscordMessagePayload & { nonce: string; enforce_nonce: true } {
  if (!/^[A-Za-z0-9]{1,25}$/.test(idempotencyKey)) {
    throw new PublishError("permanent", `discord: idempotency key "${idempotencyKey}" is not 1-${DISCORD_NONCE_LIMIT} letters/digits, which Discord's nonce needs`);
  }
  return { ...payload, nonce: idempotencyKey, enforce_nonce: true };
}

/**
 * Maps what discord.js throws to a `PublishError` the engine acts on. 429s never get here: discord.js waits and
 * retries them itself. Messages name the channel and Discord's reason, never the token.
 */
export function toPublishError(err: unknown, channelId: string): PublishError {
  if (err instanceof PublishError) return err;
  const where = `discord channel ${channelId}`;
  if (err instanceof RateLimitError) {
    return new PublishError("rate-limited", `${where}: rate limited for ${err.retryAfter} ms`, err.retryAfter, { cause: err });
  }
  if (err instanceof DiscordAPIError) {
    const code = typeof err.code === "number" ? err.code : 0;
    const reason = `${where}: Discord ${err.status} (code ${code}) ${err.message}`;
    if (PERMANENT_DISCORD_CODES.has(code)) return new PublishError("permanent", `${reason}; ${fixFor(code)}`, undefined, { cause: err });
    if (err.status === 401) return new PublishError("permanent", `${reason}; the bot token was rejected — set a valid DISCORD_TOKEN`, undefined, { cause: err });
    if (err.status === 403 || err.status === 404) return new PublishError("permanent", `${reason}; ${fixFor(code)}`, undefined, { cause: err });
    if (err.status === 400) return new PublishError("permanent", `${reason}; Discord refused the message body (a bug: please report it)`, undefined, { cause: err });
    if (err.status === 429) return new PublishError("rate-limited", reason, undefined, { cause: err });
    return new PublishError("transient", reason, undefined, { cause: err });
  }
  if (err instanceof HTTPError) {
    return new PublishError(err.status >= 500 || err.status === 408 ? "transient" : "permanent", `${where}: HTTP ${err.status} ${err.message}`, undefined, { cause: err });
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new PublishError("transient", `${where}: network error (${message})`, undefined, { cause: err });
}

/** An edit/delete Discord refused: a deleted or foreign message cannot be corrected (permanent, with the reason). */
function editFailure(err: unknown, channelId: string, messageId: string, action: "edit" | "delete"): PublishError {
  if (err instanceof DiscordAPIError && (err.code === DISCORD_UNKNOWN_MESSAGE || err.code === DISCORD_NOT_AUTHOR)) {
    const why = err.code === DISCORD_UNKNOWN_MESSAGE ? "the message was deleted" : "the message is not the bot's";
    return new PublishError("permanent", `discord ${action} of message ${messageId} in channel ${channelId}: ${why} (code ${err.code} ${err.message})`, undefined, { cause: err });
  }
  return toPublishError(err, channelId);
}

function fixFor(code: number): string {
  switch (code) {
    case 10003:
      return "the channel no longer exists; /unsubscribe it or remove it from DISCORD_CHANNEL_IDS";
    case 10004:
      return "the bot is no longer in that server; invite it again, then /subscribe";
    case 50001:
    case 50013:
      return "give the bot View Channel, Send Messages and Embed Links in that channel, then /subscribe again";
    default:
      return "check the bot's access to that channel, then /subscribe again";
  }
}

export interface DiscordPublisherOptions {
  /** discord.js REST client (`client.rest`): it owns rate limits and retries of 429s. */
  rest: REST;
  /** UI language of the daily posts. */
  locale: Locale;
  logger: Logger;
}

/**
 * The publisher the delivery engine uses for Discord channels.
 *
 * @example
 * engine.registerPublisher(createDiscordPublisher({ rest: client.rest, locale: config.BOT_LOCALE, logger }));
 */
export function createDiscordPublisher(options: DiscordPublisherOptions): Publisher<DiscordMessagePayload> {
  const { rest, locale, logger } = options;
  return {
    platform: "discord",
    planDailyPost: (post: DailyPost) => planDiscordDailyPost(post, locale),
    async send(channelId, payload, idempotencyKey) {
      const body = withNonce(payload, idempotencyKey);
      try {
        const message = (await rest.post(Routes.channelMessages(channelId), { body })) as { id: string };
        logger.debug({ channelId, messageId: message.id, nonce: idempotencyKey }, "discord message sent");
        return { messageId: message.id };
      } catch (err) {
        const failure = toPublishError(err, channelId);
        logger.warn({ channelId, kind: failure.kind, reason: failure.message }, "discord send failed");
        throw failure;
      }
    },
    editsPerMinute: DISCORD_EDITS_PER_MINUTE,
    async edit(channelId, messageId, payload) {
      // Only what an edit may carry: no nonce or flags; components always present so removed buttons go away.
      const body = { embeds: payload.embeds, components: payload.components, allowed_mentions: { parse: [] }, ...(payload.content === undefined ? {} : { content: payload.content }) };
      try {
        await rest.patch(Routes.channelMessage(channelId, messageId), { body });
        logger.debug({ channelId, messageId }, "discord message edited");
      } catch (err) {
        throw editFailure(err, channelId, messageId, "edit");
      }
    },
    async delete(channelId, messageId) {
      try {
        await rest.delete(Routes.channelMessage(channelId, messageId));
        logger.debug({ channelId, messageId }, "discord message deleted");
      } catch (err) {
        // Already gone is what a delete wants.
        if (err instanceof DiscordAPIError && err.code === DISCORD_UNKNOWN_MESSAGE) return;
        throw editFailure(err, channelId, messageId, "delete");
      }
    },
  };
}
