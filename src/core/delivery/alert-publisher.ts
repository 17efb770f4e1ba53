// The platform side of personal alerts: how a matching story becomes one private message, and how it is sent to a user.
import type { Locale } from "../config.js";
import type { Platform, StoryCard } from "../reply.js";
import { t } from "../i18n.js";
import { PublishError, type SendOptions } from "./publisher.js";

/**
 * The user cannot get private messages (blocked the bot, never started it, closed DMs): their watches are disabled
 * with this reason. Any other permanent failure (a rejected token, a refused body) is the bot's, not the user's: that
 * alert is given up and planned again the next time its digest is matched, and the user's watches stay on.
 *
 * @example
 * throw new RecipientUnreachable("Telegram: the user blocked the bot (403 …); unblock it, then send /watch again", { cause: err });
 */
export class RecipientUnreachable extends PublishError {
  override name = "RecipientUnreachable";
  constructor(message: string, options?: { cause?: unknown }) {
    super("permanent", message, undefined, options);
  }
}

/** One story a user's watch matched. */
export interface WatchAlert {
  story: StoryCard;
  /** The user's /watch query that matched. */
  query: string;
  locale: Locale;
  /** On the last alert a digest brings a user when more stories matched than the cap (alert-caps.ts) lets through. */
  more?: { count: number; date: string; cap: number };
}

/**
 * The alert's title line: the watch that matched, and on the last alert of a capped digest how many more matched.
 *
 * @example
 * alertTitle({ story, query: "agent", locale: "en", more: { count: 3, date: "2026-02-18", cap: 5 } });
 * // "🔔 New story for your watch “agent”\n…and 3 more stories of the 2026-02-18 digest match your watches (at most 5 alerts a digest); /search finds them"
 */
export function alertTitle(alert: WatchAlert): string {
  const title = t(alert.locale, "alert.title", { query: alert.query });
  return alert.more ? `${title}\n${t(alert.locale, "alert.more", alert.more)}` : title;
}

/**
 * A platform's private messages (Discord DM, Telegram private chat, the console's terminal).
 *
 * @example
 * const alerts: AlertPublisher<TelegramSendParams> = {
 *   platform: "telegram",
 *   planAlert: (alert) => toTelegramAlert(alert, botUsername),
 *   sendDirect: (userId, params, { signal }) => sendToChat(userId, params, signal),
 * };
 */
export interface AlertPublisher<P = unknown> {
  readonly platform: Platform;
  /** Pure: the one message payload for this alert, within the platform's limits and mention-safe. */
  planAlert(alert: WatchAlert): P;
  /**
   * Sends the payload privately to the user. Throws `PublishError` like `Publisher.send`; a user who cannot be
   * messaged (blocked the bot, never started it, closed DMs) is a {@link RecipientUnreachable}, with a reason the
   * user can act on.
   */
  sendDirect(userId: string, payload: P, options: SendOptions): Promise<{ messageId: string }>;
  /**
   * Replaces a sent alert's message with `payload` (the "…and N more" count of its digest changed after it went
   * out). "Not modified" is success; a message that can no longer be edited (the user deleted it) throws a
   * `permanent` PublishError saying why. Without it a count that changes after the alerts went out is not told.
   */
  editDirect?(userId: string, messageId: string, payload: P, options: { signal: AbortSignal }): Promise<void>;
  /** True when a re-send with the same idempotency key cannot show twice (Discord's nonce). */
  readonly deduplicates?: boolean;
}
