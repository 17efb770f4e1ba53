// The small interface each platform implements so the delivery engine can post without knowing the platform.
import type { Platform } from "../reply.js";
import type { DailyPost } from "../summaries.js";
import type { PostOptions } from "./post-options.js";
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
  /**
   * True when the platform may have carried out the request although it failed (a 5xx, a reset or a timeout after
   * the request was written): a re-send may then show twice where the platform cannot de-duplicate.
   */
  readonly ambiguous: boolean;
  constructor(
    readonly kind: PublishFailure,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown; ambiguous?: boolean },
  ) {
    // Stored in the ledger and shown by /status: nothing token-like may survive (a proxy may echo the Authorization header).
    super(scrubTokenLike(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.ambiguous = options?.ambiguous ?? kind === "transient";
  }
}

/** Raised by a publisher when the engine's stop aborted the request (`signal`); the part's fate is unknown. */
export class PublishAborted extends Error {
  override name = "PublishAborted";
}

/** What every platform operation of the delivery path gets besides its payload. */
export interface SendOptions {
  /**
   * Stable for (run, target, part) and ≤ 25 chars of `[A-Za-z0-9]` (Discord's nonce limit); platforms that can
   * de-duplicate use it.
   */
  idempotencyKey: string;
  /** Aborted when the engine stops: the request is cancelled at once (the part stays in-flight, reconciled later). */
  signal: AbortSignal;
  /**
   * The message ids `send` returned for the parts before this one of the same run and target, in part order (empty
   * for the first part). A Discord thread or forum post continues in the thread its first message started.
   */
  earlierMessageIds?: readonly string[];
  /**
   * Called before each platform request of this operation (when a send makes more than one: Discord's channel read
   * and crosspost): the first request goes on the slot the engine took for the operation, each further one waits
   * for a slot of the bot token's budget. Rejects with PublishAborted when the engine stops. Absent: not paced.
   */
  pace?: () => Promise<void>;
}

/** What an edit, delete or pin gets: the engine's pacing of each request (see {@link SendOptions.pace}). */
export interface RequestOptions {
  pace?: () => Promise<void>;
}

/** Where to look for a message that may have been posted already. */
export interface ReconcileOptions {
  /** Only messages after this one (the previous part's platform id, or a time-based id from the planning time). */
  after?: string;
  /** When the part was planned (ISO), for platforms that page by time. */
  plannedAt?: string;
  idempotencyKey: string;
  signal: AbortSignal;
  pace?: () => Promise<void>;
}

/**
 * A platform's way to post daily digests.
 *
 * @example
 * const publisher: Publisher<TelegramSendParams> = {
 *   platform: "telegram",
 *   planDailyPost: (post) => toTelegramDailyMessages(post),
 *   send: async (chatId, params, { signal }) => ({ messageId: String((await api.sendMessage(chatId, params.text, {}, signal)).message_id) }),
 * };
 */
export interface Publisher<P = unknown> {
  readonly platform: Platform;
  /**
   * Pure: the message payloads for a daily post, in order, each within the platform's limits, with the
   * subscription's options baked in (silent flag, role ping, preview, thread/forum markers) so a resumed run sends
   * exactly what was planned.
   */
  planDailyPost(post: DailyPost, options?: PostOptions): P[];
  /**
   * Sends one payload. Throws `PublishError` (or `PublishAborted` when `options.signal` aborted it). Must not retry
   * 5xx, resets or timeouts itself: the engine's retry policy does, and counts possible duplicates.
   */
  send(targetId: string, payload: P, options: SendOptions): Promise<{ messageId: string }>;
  /**
   * True when a re-send with the same idempotency key cannot show twice (Discord's nonce, within its window).
   * Default false: re-sends after an ambiguous failure are logged and counted as possible duplicates.
   */
  readonly deduplicates?: boolean;
  /**
   * Looks for the bot's own message with this payload already in the target (a part left in-flight by a crash or a
   * stop): its id, so the part is marked sent instead of posted again. Only platforms that can read back.
   */
  findSent?(targetId: string, payload: P, options: ReconcileOptions): Promise<{ messageId: string } | undefined>;
  /**
   * Replaces a delivered message's content with `payload` (a revision). "Not modified" is success. A message that
   * can no longer be edited (deleted, too old, no permission) throws a `permanent` PublishError saying why: the
   * revision records it and goes on. Platforms without it get no revisions.
   */
  edit?(targetId: string, messageId: string, payload: P, options?: RequestOptions): Promise<void>;
  /** Removes a delivered message (a revision that needs fewer messages). An already deleted message is success. */
  delete?(targetId: string, messageId: string, options?: RequestOptions): Promise<void>;
  /**
   * How many edits/deletes one target takes per minute before the revision pacer waits (Telegram ~20 per group);
   * undefined = no local budget (the platform client paces, e.g. discord.js per-channel buckets).
   */
  readonly editsPerMinute?: number;
  /**
   * Pins a delivered header (`options.pin`), quietly, and unpins `unpin` (the header the bot pinned before) if given.
   * A missing permission throws a `permanent` PublishError naming the permission.
   */
  pin?(targetId: string, messageId: string, options: { unpin?: string; signal: AbortSignal } & RequestOptions): Promise<void>;
  /**
   * Unpins a header the bot pinned (the target was unsubscribed). A message already unpinned or deleted is success;
   * a missing permission throws a `permanent` PublishError naming it.
   */
  unpin?(targetId: string, messageId: string, options: { signal: AbortSignal }): Promise<void>;
}
