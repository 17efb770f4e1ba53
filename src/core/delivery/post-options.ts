// How one subscription's daily post arrives: where it goes (Discord thread or forum), how (silent, pinned, role ping, preview) and what it carries (keywords).

/**
 * Where a Discord subscription's sections go. `channel`: every message in the channel (the default); `thread`: the
 * header in the channel, the sections in a thread started from it and named by the digest date; `forum`: in a
 * forum channel, one post per day titled with the date (and the digest title), tags applied when they match
 * section names. Telegram has no modes: a forum topic is a target of its own (`<chat>:<topic id>`).
 */
export type PostMode = "channel" | "thread" | "forum";

/**
 * Per-subscription delivery options. Every field is optional; a field left out means the default (or the
 * environment's default for settings targets). Stored as JSON with the subscription; `/subscribe` changes only the
 * fields it is given.
 *
 * @example
 * const quiet: PostOptions = { silent: true, pin: true, keywords: ["agent", "安全"] };
 */
export interface PostOptions {
  /** Discord only: see {@link PostMode}. Default `channel`. */
  mode?: PostMode;
  /** Deliver without a notification (Telegram `disable_notification`, Discord's suppress-notifications flag). Default false. */
  silent?: boolean;
  /** Pin the day's header and unpin the header the bot pinned before (quietly). Default false. */
  pin?: boolean;
  /** Discord only: a role id pinged on the header only (`allowed_mentions` allows exactly that role). Default none. */
  pingRole?: string;
  /** Telegram only: show the link preview of the lead story on the header. Default false (no previews). */
  linkPreview?: boolean;
  /** Only stories matching at least one of these queries (the search engine's matching); with the section filter. Default: every story. */
  keywords?: string[];
}

/** The option names, in the order `/status` shows them. */
export const POST_OPTION_NAMES = ["mode", "silent", "pin", "pingRole", "linkPreview", "keywords"] as const satisfies readonly (keyof PostOptions)[];
