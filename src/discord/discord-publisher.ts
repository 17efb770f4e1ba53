// The Discord side of delivery: posts planned messages (channel, thread, forum post) exactly once, crossposts, pins, edits.
import { AsyncLocalStorage } from "node:async_hooks";
import { pacedRest } from "./discord-paced-rest.js";
import { DiscordAPIError, REST, Routes } from "discord.js";
import type { Locale } from "../core/config.js";
import { PublishAborted, PublishError, type Publisher, type ReconcileOptions, type SendOptions } from "../core/delivery/publisher.js";
import type { Logger } from "../core/logger.js";
import type { DailyPost } from "../core/summaries.js";
import { partCountOf, planDiscordDailyPost } from "./discord-daily-post.js";
import { DISCORD_ARCHIVED_THREAD, DISCORD_UNKNOWN_MESSAGE, editFailure, isDiscordCode, toPublishError, type DiscordAction } from "./discord-errors.js";
import { CHANNEL_TYPE_TTL_MS, CROSSPOST_TIMEOUT_MS, createChannelInfo, createCrossposter, createForumPost, findForumPost, isAnnouncement, messageBody, pinMessage, startThreadFromHeader, unpinMessage } from "./discord-native.js";
import { DISCORD_CROSSPOST_ALL_MAX_PARTS, DISCORD_CHANNEL_TYPE, decodeMessageId, encodeMessageId, matchForumTags, threadOfFirst, type DiscordPlacement } from "./discord-placement.js";
import type { DiscordMessagePayload } from "./discord-render.js";

/**
 * Local budget of edits/deletes per channel per minute, under Discord's per-channel message bucket (about 5 per
 * 5 s); discord.js still honours the buckets and 429s Discord announces.
 */
export const DISCORD_EDITS_PER_MINUTE = 50;

export { DISCORD_NOT_AUTHOR, DISCORD_UNKNOWN_MESSAGE, PERMANENT_DISCORD_CODES, toPublishError } from "./discord-errors.js";

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
  // A crosspost's 429 (Discord's 10 per hour per channel answers retry_after of up to an hour) is rejected, never
  // waited out: discord.js would otherwise sleep, unabortable, while the posted part is still in flight.
  const rest = new REST({ api, retries: 0, timeout: timeoutMs, rejectOnRateLimit: (limit) => isUnwaited(limit.method, limit.route) }).setToken(token);
  rest.clearHashSweeper();
  rest.clearHandlerSweeper();
  return rest;
}

/**
 * Requests whose rate limits fail at once rather than being waited out: crossposts (best effort) and channel
 * lookups (a forum's then fails as rate-limited and is retried by the engine; the crosspost decision skips).
 */
function isUnwaited(method: string, route: string): boolean {
  return route === "/channels/:id/messages/:id/crosspost" || (method.toUpperCase() === "GET" && route === "/channels/:id");
}

/** The message body actually posted: the planned payload plus Discord's idempotency fields. */
export function withNonce(payload: DiscordMessagePayload, idempotencyKey: string): Omit<DiscordMessagePayload, "digest_placement"> & { nonce: string; enforce_nonce: true } {
  if (!/^[A-Za-z0-9]{1,25}$/.test(idempotencyKey)) {
    throw new PublishError("permanent", `discord: idempotency key "${idempotencyKey}" is not 1-${DISCORD_NONCE_LIMIT} letters/digits, which Discord's nonce needs`);
  }
  return { ...messageBody(payload), nonce: idempotencyKey, enforce_nonce: true };
}

export interface DiscordPublisherOptions {
  /** The delivery path's REST client ({@link createDiscordDeliveryRest}); it paces route buckets and waits out 429s. */
  rest: REST;
  /** UI language of the daily posts. */
  locale: Locale;
  logger: Logger;
  /** The clock of the channel caches (tests). */
  now?: () => number;
  /** Bound of the crosspost decision's lookup and of a crosspost ({@link CROSSPOST_TIMEOUT_MS}; tests). */
  crosspostTimeoutMs?: number;
}

/**
 * Slack between our clock and Discord's when looking for a forum post made since a run was planned (or since the
 * request was sent): a post of another run of the same day made more than this before is never taken for ours.
 */
const FORUM_CLOCK_SKEW_MS = 2_000;
/** Forum posts this process made or found, remembered so another run's lookup never takes them for its own. */
const KNOWN_FORUM_POSTS_MAX = 10_000;

/**
 * The publisher the delivery engine uses for Discord channels. Modes (`options.mode`, baked into each part by
 * the planner): `channel` posts in the channel; `thread` posts the header in the channel and the rest in a thread
 * started from it; `forum` opens a forum post with the header and posts the rest in it. Announcement channels get
 * the header (or every part of a short post) crossposted.
 *
 * @example
 * engine.registerPublisher(createDiscordPublisher({ rest: client.rest, locale: config.BOT_LOCALE, logger }));
 */
export function createDiscordPublisher(options: DiscordPublisherOptions): Publisher<DiscordMessagePayload> {
  const { locale, logger, now = Date.now, crosspostTimeoutMs = CROSSPOST_TIMEOUT_MS } = options;
  // Every request of an operation (the channel read and crosspost after a post, the unpin after a pin, a reopen
  // before an edit) draws from the token's 50/s like the post itself: the engine's `pace`, found through the
  // operation's async context by whichever helper (and cache) makes the request.
  const pacing = new AsyncLocalStorage<(() => Promise<void>) | undefined>();
  const rest = pacedRest(options.rest, pacing);
  const within = <T>(pace: (() => Promise<void>) | undefined, run: () => Promise<T>) => pacing.run(pace, run);
  let botUserId: Promise<string> | undefined;
  const me = (signal: AbortSignal) => {
    botUserId ??= (rest.get(Routes.user(), { signal }) as Promise<{ id: string }>).then((u) => u.id);
    botUserId.catch(() => (botUserId = undefined));
    return botUserId;
  };
  const channelInfo = createChannelInfo(rest, now);
  // The crosspost decision needs the type only, trusted for days: one lookup per channel per week, not per run.
  const channelType = createChannelInfo(rest, now, CHANNEL_TYPE_TTL_MS);
  const crosspost = createCrossposter(rest, logger, now, crosspostTimeoutMs);
  /**
   * Forum posts whose creation may have happened (an ambiguous failure, or a read-back that failed), by idempotency
   * key → the snowflake the post's id would be above. Forum post creation has no nonce: such a key is created again
   * only after the forum was read and the post is not there.
   */
  const unsureForumPosts = new Map<string, string | undefined>();
  const knownForumPosts = new Set<string>();
  const remember = (threadId: string) => {
    knownForumPosts.add(threadId);
    if (knownForumPosts.size > KNOWN_FORUM_POSTS_MAX) knownForumPosts.delete(knownForumPosts.values().next().value!);
  };

  const failed = (err: unknown, channelId: string, action: DiscordAction, signal: AbortSignal): Error => {
    if (signal.aborted) return new PublishAborted(`discord channel ${channelId}: stopped while the request was in progress`, { cause: err });
    const failure = toPublishError(err, channelId, action);
    logger.warn({ channelId, action, kind: failure.kind, reason: failure.message }, "discord send failed");
    return failure;
  };

  /** Posts one message with its nonce (a repeat within Discord's window returns the first message). */
  async function post(channelId: string, payload: DiscordMessagePayload, key: string, action: DiscordAction, signal: AbortSignal): Promise<string> {
    const body = withNonce(payload, key);
    try {
      const message = (await rest.post(Routes.channelMessages(channelId), { body, signal })) as { id: string };
      logger.debug({ channelId, messageId: message.id, nonce: key }, "discord message sent");
      return message.id;
    } catch (err) {
      throw failed(err, channelId, action, signal);
    }
  }

  async function forumInfo(forumId: string, signal: AbortSignal) {
    let info;
    try {
      info = await channelInfo(forumId, signal);
    } catch (err) {
      throw failed(err, forumId, "read", signal);
    }
    if (info.type !== DISCORD_CHANNEL_TYPE.forum && info.type !== DISCORD_CHANNEL_TYPE.media) {
      throw new PublishError("permanent", `discord channel ${forumId}: mode forum needs a forum channel, this one is of type ${info.type}; /subscribe there with mode channel or thread`);
    }
    return info;
  }

  /** The bot's post of this part's day created after `after`, or undefined; throws when the forum cannot be read. */
  async function lookForForumPost(forumId: string, placement: DiscordPlacement, after: string | undefined, signal: AbortSignal) {
    const forum = await forumInfo(forumId, signal);
    try {
      const found = await findForumPost(rest, forum, { name: placement.threadName ?? "", after, ownerId: await me(signal), exclude: knownForumPosts }, signal);
      if (found) remember(found);
      logger.info({ forumId, after, found }, "discord: looked for a forum post left in flight");
      return found;
    } catch (err) {
      const failure = failed(err, forumId, "read", signal);
      if (failure instanceof PublishError && failure.kind === "permanent") throw failure;
      // Not knowing whether the post exists is never a reason to create it twice: retried later.
      throw new PublishError("transient", `discord channel ${forumId}: could not list the forum's posts to check for one left in flight (${failure.message})`, undefined, { cause: err, ambiguous: false });
    }
  }

  async function openForumPost(forumId: string, payload: DiscordMessagePayload, placement: DiscordPlacement, key: string, signal: AbortSignal): Promise<string> {
    if (unsureForumPosts.has(key)) {
      const found = await lookForForumPost(forumId, placement, unsureForumPosts.get(key), signal);
      if (found) {
        unsureForumPosts.delete(key);
        return encodeMessageId(forumId, { channelId: found, messageId: found });
      }
      unsureForumPosts.delete(key);
    }
    const forum = await forumInfo(forumId, signal);
    const tags = matchForumTags(forum.availableTags, placement.sections ?? []);
    const startedAt = new Date(Date.now() - FORUM_CLOCK_SKEW_MS).toISOString();
    try {
      const created = await createForumPost(rest, forumId, { name: placement.threadName ?? "", tags, body: messageBody(payload) }, signal);
      remember(created.threadId);
      logger.debug({ forumId, threadId: created.threadId, tags }, "discord forum post created");
      return encodeMessageId(forumId, { channelId: created.threadId, messageId: created.messageId });
    } catch (err) {
      const failure = failed(err, forumId, "forum-create", signal);
      // The post may exist (a 5xx or timeout after Discord made it, or a stop mid-request): look before making it again.
      if (!(failure instanceof PublishError) || failure.ambiguous) unsureForumPosts.set(key, snowflakeAt(startedAt));
      throw failure;
    }
  }

  return {
    platform: "discord",
    // The nonce with enforce_nonce: a repeat within Discord's window returns the first message instead of a second.
    // Forum posts have no nonce; they are looked for before being made again (see openForumPost).
    deduplicates: true,
    planDailyPost: (post: DailyPost, postOptions) => planDiscordDailyPost(post, locale, postOptions),
    send: (channelId, payload, sendOptions) => within(sendOptions.pace, () => send(channelId, payload, sendOptions)),
    editsPerMinute: DISCORD_EDITS_PER_MINUTE,
    edit: (targetId, messageId, payload, requestOptions) => within(requestOptions?.pace, () => edit(targetId, messageId, payload)),
    delete: (targetId, messageId, requestOptions) => within(requestOptions?.pace, () => remove(targetId, messageId)),
    pin: (targetId, messageId, pinOptions) => within(pinOptions.pace, () => pin(targetId, messageId, pinOptions)),
    unpin: (targetId, messageId, { signal }) => pin(targetId, messageId, { signal, only: "unpin" }),
    findSent: (channelId, payload, reconcileOptions) => within(reconcileOptions.pace, () => findSent(channelId, payload, reconcileOptions)),
  };

  async function send(channelId: string, payload: DiscordMessagePayload, { idempotencyKey, signal, earlierMessageIds }: SendOptions): Promise<{ messageId: string }> {
    const placement = payload.digest_placement;
    const part = placement?.part ?? earlierMessageIds?.length ?? 0;
    if (placement?.mode && part > 0) {
      const first = earlierMessageIds?.[0];
      if (!first) throw new PublishError("permanent", `discord channel ${channelId}: part ${part + 1} of a ${placement.mode} post needs the message id of its first part, which this engine did not pass`);
      const threadId = threadOfFirst(channelId, first);
      // The thread starts from the header with the first part in it (again on a resumed run: 160004 is success).
      if (placement.mode === "thread" && earlierMessageIds?.length === 1) {
        try {
          await startThreadFromHeader(rest, channelId, threadId, placement.threadName ?? "", signal);
        } catch (err) {
          throw failed(err, channelId, "thread-create", signal);
        }
      }
      let id: string;
      try {
        id = await post(threadId, payload, idempotencyKey, "thread-send", signal);
      } catch (err) {
        throw threadGone(err, channelId, threadId, placement.mode);
      }
      return { messageId: encodeMessageId(channelId, { channelId: threadId, messageId: id }) };
    }
    if (placement?.mode === "forum") return { messageId: await openForumPost(channelId, payload, placement, idempotencyKey, signal) };
    const id = await post(channelId, payload, idempotencyKey, "send", signal);
    const everyPart = placement?.mode === undefined && partCountOf(payload) <= DISCORD_CROSSPOST_ALL_MAX_PARTS;
    if (part === 0 || everyPart) {
      // Best effort: the message is posted; a crosspost failure is logged and never re-sends it.
      // Bounded, and a failed lookup only means no crosspost this time (retried with the next part or run).
      const info = await channelType(channelId, AbortSignal.any([signal, AbortSignal.timeout(crosspostTimeoutMs)])).catch((err: unknown) => {
        logger.warn({ channelId, reason: toPublishError(err, channelId, "read").message }, "discord: could not read the channel's type; not crossposting this part");
        return undefined;
      });
      if (isAnnouncement(info) && !signal.aborted) await crosspost(channelId, id, signal);
    }
    return { messageId: id };
  }

  async function edit(targetId: string, messageId: string, payload: DiscordMessagePayload): Promise<void> {
    const at = decodeMessageId(targetId, messageId);
    // Only what an edit may carry: no nonce or flags; components always present so removed buttons go away.
    const body = { embeds: payload.embeds, components: payload.components, allowed_mentions: { parse: [] }, ...(payload.content === undefined ? {} : { content: payload.content }) };
    const patch = () => rest.patch(Routes.channelMessage(at.channelId, at.messageId), { body });
    try {
      try {
        await patch();
      } catch (err) {
        // A thread archives itself after a day without messages; the bot's own unlocked thread can be reopened.
        if (!isDiscordCode(err, DISCORD_ARCHIVED_THREAD)) throw err;
        try {
          await rest.patch(Routes.channel(at.channelId), { body: { archived: false } });
        } catch (reopenErr) {
          throw reopenFailure(reopenErr, at.channelId);
        }
        await patch();
      }
      logger.debug({ channelId: at.channelId, messageId: at.messageId }, "discord message edited");
    } catch (err) {
      throw editFailure(err, at.channelId, at.messageId, "edit", at.channelId === targetId ? "send" : "thread-send");
    }
  }

  async function remove(targetId: string, messageId: string): Promise<void> {
    const at = decodeMessageId(targetId, messageId);
    try {
      await rest.delete(Routes.channelMessage(at.channelId, at.messageId));
      logger.debug({ channelId: at.channelId, messageId: at.messageId }, "discord message deleted");
    } catch (err) {
      // Already gone is what a delete wants.
      if (err instanceof DiscordAPIError && err.code === DISCORD_UNKNOWN_MESSAGE) return;
      throw editFailure(err, at.channelId, at.messageId, "delete", at.channelId === targetId ? "send" : "thread-send");
    }
  }

  /** Pins `messageId` (and unpins `unpin`), or with `only: "unpin"` just unpins `messageId` (an unsubscribe). */
  async function pin(targetId: string, messageId: string, { unpin, signal, only }: { unpin?: string; signal: AbortSignal; only?: "unpin" }): Promise<void> {
    const locate = (id: string) => {
      const at = decodeMessageId(targetId, id);
      // A forum post's opening message shares the post's id: the post itself is pinned in the forum.
      return { ...at, forumPost: at.channelId !== targetId && at.channelId === at.messageId };
    };
    const at = locate(messageId);
    try {
      if (only === "unpin") await unpinMessage(rest, at, signal);
      else await pinMessage(rest, at, unpin ? locate(unpin) : undefined, signal);
      logger.debug({ targetId, messageId, unpinned: only === "unpin" ? messageId : unpin }, only === "unpin" ? "discord header unpinned" : "discord header pinned");
    } catch (err) {
      if (signal.aborted) throw new PublishAborted(`discord channel ${targetId}: stopped while pinning`, { cause: err });
      const failure = toPublishError(err, targetId, "pin");
      // Forum posts are pinned with Manage Threads, not Pin Messages.
      throw at.forumPost && failure.kind === "permanent" ? new PublishError("permanent", failure.message.replace(/Pin Messages \([^)]*\)/, "Manage Threads (pinning a forum post)"), undefined, { cause: err }) : failure;
    }
  }

  /**
   * Beyond the nonce window Discord would post a repeat: read the channel (or the part's thread) after the
   * previous part (or since the run was planned) for the bot's own message with the same content and embeds. A
   * forum post's first part is looked for among the forum's active posts by name, owner and time.
   */
  async function findSent(channelId: string, payload: DiscordMessagePayload, { after, plannedAt, idempotencyKey, signal }: ReconcileOptions): Promise<{ messageId: string } | undefined> {
    const placement = payload.digest_placement;
    const since = plannedAt ? snowflakeAt(new Date(Date.parse(plannedAt) - FORUM_CLOCK_SKEW_MS).toISOString()) : undefined;
    if (placement?.mode === "forum" && placement.part === 0) {
      try {
        const found = await lookForForumPost(channelId, placement, since, signal);
        return found ? { messageId: encodeMessageId(channelId, { channelId: found, messageId: found }) } : undefined;
      } catch (err) {
        // Until the forum can be read, the post is not made again (send looks first).
        unsureForumPosts.set(idempotencyKey, since);
        throw err;
      }
    }
    // In a thread or forum post, the previous part's id says which thread (the header's id is the thread's).
    let where = channelId;
    let from = after ?? (plannedAt ? snowflakeAt(plannedAt) : undefined);
    if (placement?.mode && placement.part > 0 && after) {
      const previous = decodeMessageId(channelId, after);
      where = previous.channelId === channelId ? previous.messageId : previous.channelId;
      from = previous.messageId;
    }
    try {
      const self = await me(signal);
      const query = new URLSearchParams({ limit: String(DISCORD_MESSAGES_PAGE_LIMIT) });
      if (from) query.set("after", from);
      const messages = (await rest.get(Routes.channelMessages(where), { query, signal })) as DiscordMessageSeen[];
      const wanted = fingerprint(payload);
      const found = messages.find((m) => m.author?.id === self && fingerprint(m) === wanted);
      logger.info({ channelId: where, after: from, seen: messages.length, found: found?.id }, "discord: looked for a part left in flight");
      return found ? { messageId: encodeMessageId(channelId, { channelId: where, messageId: found.id }) } : undefined;
    } catch (err) {
      if (signal.aborted) throw new PublishAborted(`discord channel ${where}: stopped while reading messages`, { cause: err });
      // Reading back is best effort (it needs Read Message History): the part is then re-sent with its nonce.
      logger.warn({ channelId: where, reason: toPublishError(err, where, "read").message }, "discord: could not read the channel back; re-sending with the same nonce");
      return undefined;
    }
  }
}

/**
 * A part refused because today's thread (or forum post) was deleted: "Unknown Channel" would otherwise tell the
 * admin to unsubscribe a channel that still exists.
 */
function threadGone(err: unknown, channelId: string, threadId: string, mode: "thread" | "forum"): unknown {
  if (!(err instanceof PublishError) || !isDiscordCode(err.cause, 10003)) return err;
  const what = mode === "forum" ? "forum post" : "thread";
  return new PublishError(
    "permanent",
    `discord channel ${channelId}: today's ${what} ${threadId} no longer exists (deleted by a moderator?), so the rest of today's post cannot be sent there; run /subscribe in the channel again to resume delivery`,
    undefined,
    { cause: err.cause },
  );
}

/** An archived thread the bot could not reopen to edit in: a moderator locked it, which only Manage Threads undoes. */
function reopenFailure(err: unknown, threadId: string): PublishError {
  const failure = toPublishError(err, threadId, "read");
  if (failure.kind !== "permanent") return failure;
  const reason = failure.message.replace(/; [^;]*$/, "");
  return new PublishError("permanent", `${reason}; the thread is archived and the bot cannot reopen it to edit the post (a locked thread needs Manage Threads): unlock it, or give the bot Manage Threads there`, undefined, { cause: err });
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
