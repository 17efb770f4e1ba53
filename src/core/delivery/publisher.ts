// The small interface each platform implements so the delivery engine can post without knowing the platform.
import type { Platform } from "../reply.js";
import type { DailyPost } from "../summaries.js";
import { scrubTokenLike } from "../safety/scrub.js";

/** Why a send failed, so the engine knows whether to wait, back off, or disable the target. */
export type PublishFailure = "rate-limited" | "transient" | "permanent";

/**
 * A failed send. `permanent` (bot removed, chat not found, missing permission) disables the subscription;
 * `rate-limited` waits `retryAfterMs`; `transient` (5xx, network, timeout) backs off and retries later.
 * Messages must never contain a token.
 */
export class PublishError extends Error {
  override name = "PublishError";
  constructor(
    readonly kind: PublishFailure,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    // Stored in the ledger and shown by /status: nothing token-like may survive (a proxy may echo the Authorization header).
    super(scrubTokenLike(message), options);
  }
}

/**
 * A platform's way to post daily digests.
 *
 * @example
 * const publisher: Publisher<TelegramSendParams> = {
 *   platform: "telegram",
 *   planDailyPost: (post) => toTelegramDailyMessages(post),
 *   send: async (chatId, params) => ({ messageId: String((await api.sendMessage(chatId, params.text)).message_id) }),
 * };
 */
export interface Publisher<P = unknown> {
  readonly platform: Platform;
  /** Pure: the message payloads for a daily post, in order, each within the platform's limits. */
  planDailyPost(post: DailyPost): P[];
  /**
   * Sends one payload. `idempotencyKey` is stable for (run, target, part) and ≤ 25 chars of `[A-Za-z0-9]`
   * (Discord's nonce limit); platforms that can de-duplicate use it.
   * Throws `PublishError`.
   */
  send(targetId: string, payload: P, idempotencyKey: string): Promise<{ messageId: string }>;
  /**
   * Replaces a delivered message's content with `payload` (a revision). "Not modified" is success. A message that
   * can no longer be edited (deleted, too old, no permission) throws a `permanent` PublishError saying why: the
   * revision records it and goes on. Platforms without it get no revisions.
   */
  edit?(targetId: string, messageId: string, payload: P): Promise<void>;
  /** Removes a delivered message (a revision that needs fewer messages). An already deleted message is success. */
  delete?(targetId: string, messageId: string): Promise<void>;
  /**
   * How many edits/deletes one target takes per minute before the revision pacer waits (Telegram ~20 per group);
   * undefined = no local budget (the platform client paces, e.g. discord.js per-channel buckets).
   */
  readonly editsPerMinute?: number;
}
