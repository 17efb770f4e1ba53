// Discord's channel-native requests for daily posts: channel lookups, threads from the header, forum posts, crossposts, pins.
import { Routes, type REST } from "discord.js";
import { PublishError } from "../core/delivery/publisher.js";
import type { Logger } from "../core/logger.js";
import { DISCORD_ALREADY_CROSSPOSTED, DISCORD_ARCHIVED_THREAD, DISCORD_THREAD_EXISTS, DISCORD_UNKNOWN_MESSAGE, isDiscordCode, toPublishError } from "./discord-errors.js";
import { DISCORD_CHANNEL_TYPE, DISCORD_CROSSPOSTS_PER_HOUR } from "./discord-placement.js";
import type { DiscordMessagePayload } from "./discord-render.js";

/** What the bot needs to know of a channel: its type, server and (forums) tags. */
export interface ChannelInfo {
  id: string;
  type: number;
  guildId?: string;
  availableTags: { id: string; name: string; moderated?: boolean }[];
}

/** How long a channel's type and tags are trusted before they are read again. */
export const CHANNEL_INFO_TTL_MS = 10 * 60_000;
/** A thread's auto-archive after a day without messages (Discord's 1440 minutes): the next day's post starts anew. */
const AUTO_ARCHIVE_MINUTES = 1440;
/** Audit log entry of the bot's pins, so a server's moderators see why a message was pinned. */
const PIN_REASON = "digest-bot: pin today's digest (subscription option pin)";
/** A forum post's PINNED thread flag (at most one per forum). */
const THREAD_FLAG_PINNED = 1 << 1;

/** The message body as Discord takes it: the planner's placement marker left out. */
export function messageBody(payload: DiscordMessagePayload): Omit<DiscordMessagePayload, "digest_placement"> {
  const { digest_placement: _placement, ...body } = payload;
  return body;
}

/**
 * How long a channel's type alone is trusted for the crosspost decision: longer than a day, so a daily run reads
 * each channel once a week rather than once per run (a channel rarely changes between text and announcement).
 */
export const CHANNEL_TYPE_TTL_MS = 7 * 24 * 3_600_000;
/** Longest the crosspost decision's channel lookup, or a crosspost, may hold a part that is already posted. */
export const CROSSPOST_TIMEOUT_MS = 5_000;

/** Channel lookups, cached for `ttlMs` ({@link CHANNEL_INFO_TTL_MS} by default: forum tags change). */
export function createChannelInfo(rest: REST, now: () => number = Date.now, ttlMs = CHANNEL_INFO_TTL_MS) {
  const cache = new Map<string, { at: number; info: ChannelInfo }>();
  return async (channelId: string, signal: AbortSignal): Promise<ChannelInfo> => {
    const hit = cache.get(channelId);
    if (hit && now() - hit.at < ttlMs) return hit.info;
    const raw = (await rest.get(Routes.channel(channelId), { signal })) as {
      id: string;
      type: number;
      guild_id?: string;
      available_tags?: { id: string; name: string; moderated?: boolean }[];
    };
    const info: ChannelInfo = { id: raw.id, type: raw.type, availableTags: raw.available_tags ?? [] };
    if (raw.guild_id) info.guildId = raw.guild_id;
    cache.set(channelId, { at: now(), info });
    return info;
  };
}

/**
 * Starts the public thread of a day from its header message. A thread already started from it (a resumed run)
 * is what we wanted: Discord's 160004 counts as success.
 */
export async function startThreadFromHeader(rest: REST, channelId: string, headerId: string, name: string, signal: AbortSignal): Promise<void> {
  try {
    await rest.post(Routes.threads(channelId, headerId), { body: { name, auto_archive_duration: AUTO_ARCHIVE_MINUTES }, signal });
  } catch (err) {
    if (isDiscordCode(err, DISCORD_THREAD_EXISTS)) return;
    throw err;
  }
}

/** Creates a forum post whose opening message is `body`; returns the post's (= the opening message's) id. */
export async function createForumPost(
  rest: REST,
  forumId: string,
  post: { name: string; tags: string[]; body: Omit<DiscordMessagePayload, "digest_placement"> },
  signal: AbortSignal,
): Promise<{ threadId: string; messageId: string }> {
  const { name, tags, body } = post;
  const thread = (await rest.post(Routes.threads(forumId), {
    body: { name, auto_archive_duration: AUTO_ARCHIVE_MINUTES, ...(tags.length > 0 ? { applied_tags: tags } : {}), message: body },
    signal,
  })) as { id: string; message?: { id: string } };
  return { threadId: thread.id, messageId: thread.message?.id ?? thread.id };
}

/**
 * The bot's own forum post named `name` in `forumId` created after the snowflake `after`, among the server's
 * active threads (a post made a moment ago is active), not one of `exclude` (posts already known to be other runs'):
 * the post a crashed or ambiguous creation left behind. Several: the oldest, the first made after the bound.
 */
export async function findForumPost(
  rest: REST,
  forum: ChannelInfo,
  find: { name: string; after: string | undefined; ownerId: string; exclude?: ReadonlySet<string> },
  signal: AbortSignal,
): Promise<string | undefined> {
  if (!forum.guildId) throw new PublishError("transient", `discord channel ${forum.id}: its server is unknown, so its posts cannot be listed`);
  const active = (await rest.get(Routes.guildActiveThreads(forum.guildId), { signal })) as { threads: { id: string; parent_id?: string; owner_id?: string; name?: string }[] };
  const after = find.after === undefined ? 0n : BigInt(find.after);
  const mine = active.threads
    .filter((t) => t.parent_id === forum.id && t.owner_id === find.ownerId && t.name === find.name && BigInt(t.id) > after && !find.exclude?.has(t.id))
    .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  return mine[0]?.id;
}

/**
 * Publishes a message of an announcement channel to the servers following it, at most
 * {@link DISCORD_CROSSPOSTS_PER_HOUR} per channel per hour (Discord's limit; past it the bot skips rather than
 * wait an hour). Never throws: the message is posted either way, and a failed crosspost must not re-send it.
 */
export function createCrossposter(rest: REST, logger: Logger, now: () => number = Date.now, timeoutMs = CROSSPOST_TIMEOUT_MS) {
  const recent = new Map<string, number[]>();
  return async (channelId: string, messageId: string, signal: AbortSignal): Promise<boolean> => {
    const hourAgo = now() - 3_600_000;
    const log = (recent.get(channelId) ?? []).filter((t) => t > hourAgo);
    recent.set(channelId, log);
    if (log.length >= DISCORD_CROSSPOSTS_PER_HOUR) {
      logger.warn({ channelId, messageId }, "discord: not crossposting, the channel published 10 messages in the last hour (Discord's limit)");
      return false;
    }
    try {
      log.push(now());
      // Bounded: the message is posted, and a crosspost must never hold the run (a 429 is rejected, not waited out:
      // see createDiscordDeliveryRest).
      await rest.post(Routes.channelMessageCrosspost(channelId, messageId), { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
      logger.debug({ channelId, messageId }, "discord message crossposted");
      return true;
    } catch (err) {
      if (isDiscordCode(err, DISCORD_ALREADY_CROSSPOSTED)) return true;
      logger.warn({ channelId, messageId, reason: toPublishError(err, channelId, "crosspost").message }, "discord: crosspost failed; the message stays posted in the channel only");
      return false;
    }
  };
}

/** True for the announcement channel type, whose messages can be crossposted. */
export function isAnnouncement(info: ChannelInfo | undefined): boolean {
  return info?.type === DISCORD_CHANNEL_TYPE.announcement;
}

/**
 * Unpins a message the bot pinned (a forum post: clears its pinned flag). One already unpinned, or deleted with its
 * channel or thread, is fine.
 */
export async function unpinMessage(rest: REST, at: { channelId: string; messageId: string; forumPost: boolean }, signal: AbortSignal): Promise<void> {
  try {
    if (at.forumPost) await unpinForumPost(rest, at.channelId, signal);
    else await rest.delete(Routes.channelMessagesPin(at.channelId, at.messageId), { reason: PIN_REASON, signal });
  } catch (err) {
    if (isDiscordCode(err, DISCORD_UNKNOWN_MESSAGE) || isDiscordCode(err, 10003)) return;
    throw err;
  }
}

/**
 * Clears a forum post's pinned flag. Discord changes an archived thread only in a request that also reopens it
 * (50083 otherwise), and yesterday's post is often closed by then (a moderator, the 24 h auto-archive): it is
 * reopened with the flag cleared, then closed again, best effort (the pin is what mattered).
 */
async function unpinForumPost(rest: REST, threadId: string, signal: AbortSignal): Promise<void> {
  try {
    await rest.patch(Routes.channel(threadId), { body: { flags: 0 }, reason: PIN_REASON, signal });
    return;
  } catch (err) {
    if (!isDiscordCode(err, DISCORD_ARCHIVED_THREAD)) throw err;
  }
  await rest.patch(Routes.channel(threadId), { body: { archived: false, flags: 0 }, reason: PIN_REASON, signal });
  await rest.patch(Routes.channel(threadId), { body: { archived: true }, reason: PIN_REASON, signal }).catch(() => undefined);
}

/**
 * Pins a message and unpins the one pinned before, with an audit-log reason. An unknown previous message (deleted
 * or unpinned by a moderator) is fine. A forum post (its id `T/T`) is pinned as the forum's one pinned post instead.
 */
export async function pinMessage(
  rest: REST,
  at: { channelId: string; messageId: string; forumPost: boolean },
  previous: { channelId: string; messageId: string; forumPost: boolean } | undefined,
  signal: AbortSignal,
): Promise<void> {
  const unpin = async () => {
    if (!previous || (previous.channelId === at.channelId && previous.messageId === at.messageId)) return;
    await unpinMessage(rest, previous, signal);
  };
  if (at.forumPost) {
    // A forum holds one pinned post: unpin yesterday's first.
    await unpin();
    await rest.patch(Routes.channel(at.channelId), { body: { flags: THREAD_FLAG_PINNED }, reason: PIN_REASON, signal });
    return;
  }
  try {
    await rest.put(Routes.channelMessagesPin(at.channelId, at.messageId), { reason: PIN_REASON, signal });
  } catch (err) {
    // 30003: the channel holds 50 pins. Making room with yesterday's is what the option asks for anyway.
    if (!isDiscordCode(err, 30003) || !previous) throw err;
    await unpin();
    await rest.put(Routes.channelMessagesPin(at.channelId, at.messageId), { reason: PIN_REASON, signal });
    return;
  }
  await unpin();
}
