// Classifies what discord.js throws on the delivery path into PublishErrors, naming the permission each operation needs.
import { DiscordAPIError, HTTPError, RateLimitError } from "discord.js";
import { PublishError } from "../core/delivery/publisher.js";

/**
 * Discord JSON error codes after which retrying cannot help: the subscription is disabled with the reason.
 * 10003 Unknown Channel, 10004 Unknown Guild, 50001 Missing Access, 50013 Missing Permissions,
 * 50007 Cannot send messages to this user, 50008 Cannot send messages in a non-text channel,
 * 40058 Cannot send a message in a forum channel, 40067 A tag is required to create a forum post,
 * 50024 Cannot execute action on this channel type, 160005 Thread is locked, 160006 Maximum active threads.
 */
export const PERMANENT_DISCORD_CODES: ReadonlySet<number> = new Set([10003, 10004, 40058, 40067, 50001, 50007, 50008, 50013, 50024, 160005, 160006]);

/** 10008 Unknown Message: deleted (by an admin, or already by us). */
export const DISCORD_UNKNOWN_MESSAGE = 10008;
/** 50005 Cannot edit a message authored by another user. */
export const DISCORD_NOT_AUTHOR = 50005;
/** 160004 A thread has already been created for this message: starting it again is what we wanted. */
export const DISCORD_THREAD_EXISTS = 160004;
/** 40033 This message has already been crossposted. */
export const DISCORD_ALREADY_CROSSPOSTED = 40033;
/** 50083 Operation cannot be performed on an archived thread. */
export const DISCORD_ARCHIVED_THREAD = 50083;

/**
 * What the bot was doing, so a permission error names the permission that operation needs:
 * `send` a message in a channel, `thread-create` a thread from the header, `thread-send` a message in it,
 * `forum-create` a forum post, `pin` / `unpin` the header, `crosspost` it, `read` threads or channels.
 */
export type DiscordAction = "send" | "thread-create" | "thread-send" | "forum-create" | "pin" | "crosspost" | "read";

/** The permissions each action needs in the channel (as Discord's client names them). */
export const PERMISSIONS_FOR: Readonly<Record<DiscordAction, string>> = {
  send: "View Channel, Send Messages and Embed Links",
  "thread-create": "Create Public Threads (and View Channel, Send Messages)",
  "thread-send": "Send Messages in Threads and Embed Links",
  "forum-create": "View Channel, Send Messages (Create Posts) and Embed Links in the forum",
  pin: "Pin Messages (Manage Messages before Discord split it out)",
  crosspost: "Send Messages (publishing the bot's own messages)",
  read: "View Channel and Read Message History",
};

/**
 * Maps what discord.js throws to a `PublishError` the engine acts on. 429s never get here: discord.js waits and
 * retries them itself. Messages name the channel, Discord's reason and, for a permission error, the permission the
 * action needs — never the token.
 *
 * @example
 * toPublishError(err, "700…", "thread-create").message; // "… (code 50013) Missing Permissions; give the bot Create Public Threads …"
 */
export function toPublishError(err: unknown, channelId: string, action: DiscordAction = "send"): PublishError {
  if (err instanceof PublishError) return err;
  const where = `discord channel ${channelId}`;
  if (err instanceof RateLimitError) {
    return new PublishError("rate-limited", `${where}: rate limited for ${err.retryAfter} ms`, err.retryAfter, { cause: err });
  }
  if (err instanceof DiscordAPIError) {
    const code = typeof err.code === "number" ? err.code : 0;
    const reason = `${where}: Discord ${err.status} (code ${code}) ${err.message}`;
    if (PERMANENT_DISCORD_CODES.has(code)) return new PublishError("permanent", `${reason}; ${fixFor(code, action)}`, undefined, { cause: err });
    if (err.status === 401) return new PublishError("permanent", `${reason}; the bot token was rejected — set a valid DISCORD_TOKEN`, undefined, { cause: err });
    if (err.status === 403 || err.status === 404) return new PublishError("permanent", `${reason}; ${fixFor(code, action)}`, undefined, { cause: err });
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

/** True for a Discord JSON error with this code. */
export function isDiscordCode(err: unknown, code: number): boolean {
  return err instanceof DiscordAPIError && err.code === code;
}

/** An edit/delete Discord refused: a deleted or foreign message cannot be corrected (permanent, with the reason). */
export function editFailure(err: unknown, channelId: string, messageId: string, action: "edit" | "delete", needs: DiscordAction = "send"): PublishError {
  if (err instanceof DiscordAPIError && (err.code === DISCORD_UNKNOWN_MESSAGE || err.code === DISCORD_NOT_AUTHOR)) {
    const why = err.code === DISCORD_UNKNOWN_MESSAGE ? "the message was deleted" : "the message is not the bot's";
    return new PublishError("permanent", `discord ${action} of message ${messageId} in channel ${channelId}: ${why} (code ${err.code} ${err.message})`, undefined, { cause: err });
  }
  return toPublishError(err, channelId, needs);
}

function fixFor(code: number, action: DiscordAction): string {
  switch (code) {
    case 10003:
      return "the channel no longer exists; /unsubscribe it or remove it from DISCORD_CHANNEL_IDS";
    case 10004:
      return "the bot is no longer in that server; invite it again, then /subscribe";
    case 40058:
      return "that is a forum channel: /subscribe there with mode forum";
    case 40067:
      return "the forum requires a tag on every post and none of its tags matches a section name: add a tag named like a section, or turn off \"Require tags\"";
    case 50024:
      return "the channel's type does not allow this mode: use mode forum only in a forum channel, thread in a text or announcement channel";
    case 160005:
      return "the thread is locked: unlock it (Manage Threads) or /subscribe again with another mode";
    case 160006:
      return "the channel has the most active threads Discord allows: archive some, or /subscribe again with mode channel";
    case 50001:
    case 50013:
      return `give the bot ${PERMISSIONS_FOR[action]} in that channel, then /subscribe again`;
    default:
      return "check the bot's access to that channel, then /subscribe again";
  }
}
