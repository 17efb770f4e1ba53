// The platform side of personal alerts: how a matching story becomes one private message, and how it is sent to a user.
import type { Locale } from "../config.js";
import type { Platform, StoryCard } from "../reply.js";
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
  /** True when a re-send with the same idempotency key cannot show twice (Discord's nonce). */
  readonly deduplicates?: boolean;
}
