// The Discord side of delivery: posts planned messages with nonce-based de-duplication and classifies failures.
import { DiscordAPIError, HTTPError, RateLimitError, REST, Routes } from "discord.js";
import type { Locale } from "../core/config.js";
import { PublishAborted, PublishError, type Publisher } from "../core/delivery/publisher.js";
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

/** Longest one delivery request may take before it fails as a transient error (discord.js defaults to 15 s, then retries). */
export const DISCORD_REQUEST_TIMEOUT_MS = 30_000;

/** Messages read back per page when looking for a part left in-flight (Discord's maximum). */
export const DISCORD_MESSAGES_PAGE_LIMIT = 100;

/** Discord's epoch for snowflakes (2015-01-01). */
const DISCORD_EPOCH = 1_420_070_400_000n;

/** The smallest snowflake of an instant: `after=` this lists every message posted since. */
export function snowflakeAt(iso: string): string {
  return String((BigInt(Date.parse(iso)) - DISCORD_EPOCH) << 22n);
}

/**
 * The REST client of the delivery path: `retries: 0` (the engine is the one retry policy, and records each attempt),
 * a request timeout, and no sweepers keeping a one-shot process alive. discord.js still paces each route bucket and
 * the global limit, and waits out a 429 itself.
 *
 * @example
 * const rest = createDiscordDeliveryRest(config.DISCORD_TOKEN, config.DISCORD_API_BASE);
 */
export function createDiscordDeliveryRest(token: string, api: string, timeoutMs = DISCORD_REQUEST_TIMEOUT_MS): REST {
  const rest = new REST({ api, retries: 0, timeout: timeoutMs }).setToken(token);
  rest.clearHashSweeper();
  rest.clearHandlerSweeper();
  return rest;
}

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
    const kind = err.status >= 500 || err.status === 408 ? "transient" : "permanent";
    return new PublishError(kind, `${where}: HTTP ${err.status} ${err.message}`, undefined, { cause: err });
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
  /** The delivery path's REST client ({@link createDiscordDeliveryRest}); it paces route buckets and waits out 429s. */
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
  let botUserId: Promise<string> | undefined;
  const me = (signal: AbortSignal) => {
    botUserId ??= (rest.get(Routes.user(), { signal }) as Promise<{ id: string }>).then((u) => u.id);
    botUserId.catch(() => (botUserId = undefined));
    return botUserId;
  };
  return {
    platform: "discord",
    // The nonce with enforce_nonce: a repeat within Discord's window returns the first message instead of a second.
    deduplicates: true,
    planDailyPost: (post: DailyPost) => planDiscordDailyPost(post, locale),
    async send(channelId, payload, { idempotencyKey, signal }) {
      const body = withNonce(payload, idempotencyKey);
      try {
        const message = (await rest.post(Routes.channelMessages(channelId), { body, signal })) as { id: string };
        logger.debug({ channelId, messageId: message.id, nonce: idempotencyKey }, "discord message sent");
        return { messageId: message.id };
      } catch (err) {
        if (signal.aborted) throw new PublishAborted(`discord channel ${channelId}: stopped while the request was in progress`, { cause: err });
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
    /**
     * Beyond the nonce window Discord would post a repeat: read the channel after the previous part (or since the
     * run was planned) for the bot's own message with the same content and embeds.
     */
    async findSent(channelId, payload, { after, plannedAt, signal }) {
      const since = after ?? (plannedAt ? snowflakeAt(plannedAt) : undefined);
      try {
        const self = await me(signal);
        const query = new URLSearchParams({ limit: String(DISCORD_MESSAGES_PAGE_LIMIT) });
        if (since) query.set("after", since);
        const messages = (await rest.get(Routes.channelMessages(channelId), { query, signal })) as DiscordMessageSeen[];
        const wanted = fingerprint(payload);
        const found = messages.find((m) => m.author?.id === self && fingerprint(m) === wanted);
        logger.info({ channelId, after: since, seen: messages.length, found: found?.id }, "discord: looked for a part left in flight");
        return found ? { messageId: found.id } : undefined;
      } catch (err) {
        if (signal.aborted) throw new PublishAborted(`discord channel ${channelId}: stopped while reading messages`, { cause: err });
        // Reading back is best effort (it needs Read Message History): the part is then re-sent with its nonce.
        logger.warn({ channelId, reason: toPublishError(err, channelId).message }, "discord: could not read the channel back; re-sending with the same nonce");
        return undefined;
      }
    },
  };
}

/** What a listed message carries that identifies a daily-post part. */
interface DiscordMessageSeen {
  id: string;
  author?: { id: string };
  content?: string;
  embeds?: { title?: string; description?: string }[];
}

/** Content plus each embed's title and description: what Discord returns unchanged from what was posted. */
function fingerprint(m: { content?: string; embeds?: { title?: string; description?: string }[] }): string {
  return JSON.stringify([m.content ?? "", (m.embeds ?? []).map((e) => [e.title ?? "", e.description ?? ""])]);
}
