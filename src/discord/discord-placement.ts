// Where a Discord daily-post part goes (channel, thread from the header, forum post): planned markers, thread names, forum tags, message ids across channels.
import type { PostMode } from "../core/delivery/post-options.js";

/** Discord's longest thread / forum post name. */
export const DISCORD_THREAD_NAME_LIMIT = 100;
/** Discord's most tags on one forum post. */
export const DISCORD_FORUM_TAGS_LIMIT = 5;
/** SUPPRESS_NOTIFICATIONS: the message reaches the channel without a push or desktop notification. */
export const DISCORD_SUPPRESS_NOTIFICATIONS = 1 << 12;
/** Channel types the modes care about (Discord's channel object `type`). */
export const DISCORD_CHANNEL_TYPE = { text: 0, announcement: 5, announcementThread: 10, publicThread: 11, privateThread: 12, forum: 15, media: 16 } as const;
/**
 * Crosspost every part of a post in an announcement channel when it has at most this many messages, else only the
 * header. Discord publishes at most about 10 messages per hour per channel; 5 leaves room for a `/repost` (or a
 * second subscription's run) in the same hour.
 */
export const DISCORD_CROSSPOST_ALL_MAX_PARTS = 5;
/** Crossposts one channel may make per hour (Discord's publish limit); past it the bot skips, never waits. */
export const DISCORD_CROSSPOSTS_PER_HOUR = 10;

/**
 * What the planner bakes into each part beyond the message body (stripped before sending), so a resumed run goes
 * where the plan said. `part`/`parts` drive the crosspost rule; `mode` and `threadName` where the part goes;
 * `sections` (first part of a forum post) are matched against the forum's tags.
 */
export interface DiscordPlacement {
  part: number;
  parts: number;
  mode?: Exclude<PostMode, "channel">;
  threadName?: string;
  sections?: string[];
}

/**
 * The thread or forum post name of a day: the date, then the digest title when both fit in 100 characters.
 *
 * @example
 * threadNameOf("2026-02-18", "AI 日报"); // "2026-02-18 · AI 日报"
 */
export function threadNameOf(date: string, title: string | undefined): string {
  const clean = (title ?? "").replace(/\s+/g, " ").trim();
  const both = clean ? `${date} · ${clean}` : date;
  return [...both].length <= DISCORD_THREAD_NAME_LIMIT ? both : date;
}

/** Lower case, width-folded, letters and digits only: "Models & Capabilities" ~ "models-capabilities". */
function looseKey(name: string): string {
  return name.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
}

/**
 * The forum tags whose names match section names, loosely (case, width, punctuation and spaces ignored; one name
 * containing the other counts when the shorter has 2+ characters), at most 5, in the forum's order. Moderated tags
 * are left out: only members with Manage Threads may apply them.
 *
 * @example
 * matchForumTags([{ id: "1", name: "Models" }, { id: "2", name: "Safety" }], ["模型 · Models"]); // ["1"]
 */
export function matchForumTags(tags: readonly { id: string; name: string; moderated?: boolean }[], sections: readonly string[]): string[] {
  const keys = sections.map(looseKey).filter((k) => k.length > 0);
  const matches = (tag: string) => {
    const t = looseKey(tag);
    if (!t) return false;
    return keys.some((k) => k === t || ([...(k.length < t.length ? k : t)].length >= 2 && (k.includes(t) || t.includes(k))));
  };
  return tags.filter((tag) => !tag.moderated && matches(tag.name)).slice(0, DISCORD_FORUM_TAGS_LIMIT).map((tag) => tag.id);
}

/** A delivered message: the channel it is in (a thread's id for messages in a thread or forum post) and its id. */
export interface MessageLocation {
  channelId: string;
  messageId: string;
}

/**
 * The message id `send` returns: the plain id when the message is in the target channel itself, else
 * `<thread id>/<message id>`, so a revision's edit or delete finds the thread. Old plain ids keep meaning "in the target".
 *
 * @example
 * encodeMessageId("700", { channelId: "900", messageId: "901" }); // "900/901"
 */
export function encodeMessageId(targetId: string, at: MessageLocation): string {
  return at.channelId === targetId ? at.messageId : `${at.channelId}/${at.messageId}`;
}

/** The inverse of {@link encodeMessageId}. */
export function decodeMessageId(targetId: string, id: string): MessageLocation {
  const slash = id.indexOf("/");
  return slash < 0 ? { channelId: targetId, messageId: id } : { channelId: id.slice(0, slash), messageId: id.slice(slash + 1) };
}

/**
 * The thread a part after the first goes to: the thread id is the starter message id (a thread started from the
 * header, or the forum post, whose starter message shares its id).
 */
export function threadOfFirst(targetId: string, firstId: string): string {
  const first = decodeMessageId(targetId, firstId);
  return first.channelId === targetId ? first.messageId : first.channelId;
}
