// Checks a Discord /subscribe's mode against the channel it was run in: forums take forum posts, threads need a text or announcement channel.
import type { Locale } from "../core/config.js";
import type { PostMode } from "../core/delivery/post-options.js";
import { t } from "../core/i18n.js";
import { DISCORD_CHANNEL_TYPE } from "./discord-placement.js";

/** Where a command was run: the channel's type, and for a thread its parent's id and type. */
export interface DiscordPlace {
  id: string;
  type: number;
  parentId?: string;
  parentType?: number;
}

/** What /subscribe does there: the target and mode to use, or why the mode does not fit the channel. */
export type SubscribePlacement = { ok: true; targetId: string; mode?: PostMode } | { ok: false; message: string; hint: string };

const THREAD_TYPES: ReadonlySet<number> = new Set([DISCORD_CHANNEL_TYPE.announcementThread, DISCORD_CHANNEL_TYPE.publicThread, DISCORD_CHANNEL_TYPE.privateThread]);
const FORUM_TYPES: ReadonlySet<number> = new Set([DISCORD_CHANNEL_TYPE.forum, DISCORD_CHANNEL_TYPE.media]);
const THREADABLE: ReadonlySet<number> = new Set([DISCORD_CHANNEL_TYPE.text, DISCORD_CHANNEL_TYPE.announcement]);

/**
 * The subscription a `/subscribe mode:<mode>` run in `place` makes. A forum channel (or `mode:forum` run inside one
 * of its posts, where commands are typed) subscribes the forum in mode forum; `forum` anywhere else and `thread`
 * outside a text or announcement channel are refused with what to do instead. No mode keeps what is stored.
 *
 * @example
 * placeSubscription({ id: "9", type: 11, parentId: "7", parentType: 15 }, "forum", "en"); // { ok: true, targetId: "7", mode: "forum" }
 */
export function placeSubscription(place: DiscordPlace, mode: string | undefined, locale: Locale): SubscribePlacement {
  const refuse = (key: "modeForum" | "modeThread" | "modeInForum"): SubscribePlacement => ({
    ok: false,
    message: t(locale, `error.discord.${key}`),
    hint: t(locale, `error.discord.${key}.hint`),
  });
  if (FORUM_TYPES.has(place.type)) {
    if (mode !== undefined && mode !== "forum") return refuse("modeInForum");
    return { ok: true, targetId: place.id, mode: "forum" };
  }
  const inForumPost = THREAD_TYPES.has(place.type) && place.parentType !== undefined && FORUM_TYPES.has(place.parentType);
  if (mode === "forum") return inForumPost && place.parentId ? { ok: true, targetId: place.parentId, mode: "forum" } : refuse("modeForum");
  if (mode === "thread" && !THREADABLE.has(place.type)) return refuse("modeThread");
  return mode === "channel" || mode === "thread" ? { ok: true, targetId: place.id, mode } : { ok: true, targetId: place.id };
}
