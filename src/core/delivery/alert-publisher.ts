// The platform side of personal alerts: how a matching story becomes one private message, and how it is sent to a user.
import type { Locale } from "../config.js";
import type { Platform, StoryCard } from "../reply.js";
import type { SendOptions } from "./publisher.js";

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
   * messaged (blocked the bot, never started it, closed DMs) is `permanent`, with a reason the user can act on.
   */
  sendDirect(userId: string, payload: P, options: SendOptions): Promise<{ messageId: string }>;
  /** True when a re-send with the same idempotency key cannot show twice (Discord's nonce). */
  readonly deduplicates?: boolean;
}
