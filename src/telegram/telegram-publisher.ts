// Daily posts to Telegram chats, channels and forum topics: the delivery engine's Publisher (send, edit, delete, pin), with Telegram errors sorted by what to do.
import { Api, GrammyError, HttpError } from "grammy";
import type { Locale } from "../core/config.js";
import type { PostOptions } from "../core/delivery/post-options.js";
import { PublishAborted, PublishError, type Publisher } from "../core/delivery/publisher.js";
import { scrubSecrets } from "../core/logger.js";
import type { DailyPost } from "../core/summaries.js";
import { planTelegramDailyPost } from "./telegram-daily.js";
import type { TelegramMessage } from "./telegram-render.js";
import { toTelegramPlace } from "./telegram-targets.js";

/**
 * Descriptions of 400/403 answers that will not get better by retrying: the bot was removed, the chat is gone,
 * or the bot may not post there. They disable the subscription (visible in /status) until an admin re-subscribes.
 */
const PERMANENT = [
  /bot was kicked/i,
  /bot was blocked/i,
  /bot is not a member/i,
  /user is deactivated/i,
  /chat not found/i,
  /not enough rights/i,
  /have no rights/i,
  /need administrator rights/i,
  /chat_write_forbidden/i,
  /peer_id_invalid/i,
  /group chat was upgraded/i,
  /channel_private/i,
  /chat was deleted/i,
];

/**
 * A forum topic that no longer takes posts, with what to do. Telegram answers 400 "Bad Request: TOPIC_CLOSED" in a
 * closed topic, and "Bad Request: message thread not found" (older servers: "TOPIC_DELETED") for a deleted topic or
 * an id that never was one. Retrying cannot help: the subscription is disabled with the reason.
 */
const TOPIC_UNAVAILABLE: [RegExp, string][] = [
  [/TOPIC_CLOSED/i, "the forum topic is closed; reopen it (or use another topic), then /subscribe in it again"],
  [/message thread not found|TOPIC_DELETED|TOPIC_ID_INVALID/i, "the forum topic was deleted or its id is wrong; /subscribe in a topic that exists"],
];

/** Telegram's limit on edits in one group or channel (about 20 per minute); the revision pacer keeps under it. */
export const TELEGRAM_EDITS_PER_MINUTE = 20;

/** Answers to editMessageText / deleteMessage that mean "this message cannot be corrected", with the reason to record. */
const UNEDITABLE: [RegExp, string][] = [
  [/message to edit not found/i, "the message was deleted"],
  [/message can't be edited/i, "Telegram no longer allows editing this message"],
  [/message can't be deleted/i, "Telegram no longer allows deleting this message (older than 48 h, or no right to delete)"],
  [/message_id_invalid/i, "the message id is no longer valid"],
];

/** "Nothing to do" answers: the edit already shows this content, or the surplus message is already gone. */
const ALREADY_DONE = [/message is not modified/i, /message to delete not found/i];

/** Sorts a failed edit/delete: already done → undefined; cannot be corrected → permanent with the reason; else as for sends. */
export function editFailure(err: unknown, method: string, chatId: string, messageId: string, secrets: readonly string[]): PublishError | undefined {
  if (err instanceof GrammyError) {
    if (ALREADY_DONE.some((re) => re.test(err.description))) return undefined;
    const known = UNEDITABLE.find(([re]) => re.test(err.description));
    if (known) {
      return new PublishError("permanent", `telegram ${method} of message ${messageId} in ${chatId}: ${known[1]} (${scrubSecrets(err.description, secrets)})`);
    }
  }
  return toPublishError(err, { method, chatId }, secrets);
}

/**
 * Longest a delivery request to the Bot API may take (grammY's default is 500 s): a hung sendMessage fails as a
 * transient error after this and is retried by the engine, instead of stalling the delivery.
 */
export const TELEGRAM_REQUEST_TIMEOUT_SECONDS = 30;

/**
 * The Bot API client of the delivery path: no auto-retry and no throttler. The engine alone retries (with backoff,
 * counting possible duplicates) and paces (pacing.ts): a client that retried a 5xx itself would post silently twice.
 *
 * @example
 * const api = createTelegramDeliveryApi(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT);
 */
export function createTelegramDeliveryApi(token: string, apiRoot: string, timeoutSeconds = TELEGRAM_REQUEST_TIMEOUT_SECONDS): Api {
  return new Api(token, { apiRoot, timeoutSeconds });
}

/** How a refusal for a group upgraded to supergroup `to` reads (followGroupMigration carries what it refused). */
export const upgradedTo = (to: number) => `the group was upgraded to a supergroup, whose id is ${to}`;

/** Network failures where the request certainly never reached Telegram (nothing can have been posted). */
const NOT_SENT = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/;

/**
 * Sorts a failed Bot API call into a {@link PublishError}: 429 → rate-limited (with the wait Telegram asked for),
 * 5xx / network / anything unknown → transient (kept pending, retried), kicked / chat not found / no rights →
 * permanent. The message names the method and chat and never contains the token.
 */
export function toPublishError(err: unknown, where: { method: string; chatId: string }, secrets: readonly string[]): PublishError {
  const scrub = (s: string) => scrubSecrets(s, secrets);
  const at = `telegram ${where.method} to ${where.chatId}`;
  if (err instanceof PublishError) return err;
  if (err instanceof GrammyError) {
    const description = scrub(err.description);
    if (err.error_code === 429) {
      const after = err.parameters.retry_after ?? 1;
      return new PublishError("rate-limited", `${at}: rate limited, retry after ${after} s (${description})`, after * 1000, { ambiguous: false });
    }
    if (err.parameters.migrate_to_chat_id !== undefined) {
      return new PublishError(
        "permanent",
        `${at}: ${upgradedTo(err.parameters.migrate_to_chat_id)} (${description}); run /subscribe in the group again, or put ${err.parameters.migrate_to_chat_id} in TELEGRAM_CHAT_IDS in place of ${toTelegramPlace(where.chatId).chatId}`,
      );
    }
    const topic = err.error_code === 400 ? TOPIC_UNAVAILABLE.find(([re]) => re.test(err.description)) : undefined;
    if (topic) return new PublishError("permanent", `${at}: ${description} (400); ${topic[1]}`);
    if ((err.error_code === 400 || err.error_code === 403) && PERMANENT.some((re) => re.test(err.description))) {
      const fix = /chat not found|peer_id_invalid/i.test(err.description)
        ? "check the chat id (a channel's id starts with -100, or use @name), then /subscribe again"
        : "add the bot back with the right to post, then /subscribe again";
      return new PublishError("permanent", `${at}: ${description} (${err.error_code}); ${fix}`);
    }
    if (err.error_code === 403) {
      return new PublishError("permanent", `${at}: forbidden (${description}); check the bot is a member with the right to post`);
    }
    // A 5xx (or any other answer) after Telegram had the request: it may have posted the message.
    return new PublishError("transient", `${at}: ${err.error_code} ${description}`, undefined, { ambiguous: err.error_code >= 500 || err.error_code < 400 });
  }
  if (err instanceof HttpError) {
    // The wrapped fetch error may quote the request URL, which holds the token: keep only its scrubbed message.
    const cause = err.error instanceof Error ? `: ${err.error.message}` : "";
    const code = (err.error as { code?: unknown } | undefined)?.code;
    const certain = NOT_SENT.test(`${String(code)} ${cause}`);
    return new PublishError("transient", scrub(`${at}: network error${cause}`), undefined, { ambiguous: !certain });
  }
  return new PublishError("transient", scrub(`${at}: ${err instanceof Error ? err.message : String(err)}`));
}

export interface TelegramPublisherOptions {
  /** The delivery path's API ({@link createTelegramDeliveryApi}: a request timeout, no retrying transformers). */
  api: Api;
  locale: Locale;
  /** For full-story deep links in posts. */
  botUsername?: string;
  /** Strings to scrub from error messages (the token). */
  secrets: readonly string[];
}

/**
 * The Telegram side of the delivery engine. Telegram has no idempotency key, so `idempotencyKey` is unused: a crash
 * between Telegram accepting a message and the ledger recording it can repeat that one message on restart.
 *
 * @example
 * engine.registerPublisher(createTelegramPublisher({ api: bot.api, locale: "zh", botUsername: bot.botInfo.username, secrets: [token] }));
 */
export function createTelegramPublisher(options: TelegramPublisherOptions): Publisher<TelegramMessage> {
  const { api, locale, botUsername, secrets } = options;
  return {
    platform: "telegram",
    planDailyPost: (post: DailyPost, postOptions?: PostOptions) =>
      planTelegramDailyPost(post, {
        locale,
        ...(botUsername ? { botUsername } : {}),
        ...(postOptions ? { post: { silent: postOptions.silent, linkPreview: postOptions.linkPreview } } : {}),
      }),
    async send(targetId, payload, { signal }) {
      try {
        const { text, ...rest } = payload;
        // The topic comes from the target, not the payload: one plan serves a chat and a topic alike.
        const { chatId, threadId } = toTelegramPlace(targetId);
        const params = threadId === undefined ? rest : { ...rest, message_thread_id: threadId };
        // grammY types its signal as the abort-controller polyfill's; it only calls addEventListener on it.
        const sent = await api.sendMessage(chatId, text, params, signal as unknown as Parameters<Api["sendMessage"]>[3]);
        return { messageId: String(sent.message_id) };
      } catch (err) {
        if (signal.aborted) throw new PublishAborted(`telegram sendMessage to ${targetId}: stopped while the request was in progress`, { cause: err });
        throw toPublishError(err, { method: "sendMessage", chatId: targetId }, secrets);
      }
    },
    editsPerMinute: TELEGRAM_EDITS_PER_MINUTE,
    async edit(targetId, messageId, payload) {
      try {
        // message_thread_id is not an editMessageText parameter (message ids are unique per chat, topics included);
        // the header's preview is sent again (an edit without it would turn the preview back on), and an empty
        // keyboard removes buttons the old message had and the new one does not.
        const { text, parse_mode, link_preview_options, reply_markup } = payload;
        await api.editMessageText(toTelegramPlace(targetId).chatId, Number(messageId), text, {
          parse_mode,
          link_preview_options,
          reply_markup: reply_markup ?? { inline_keyboard: [] },
        });
      } catch (err) {
        const failure = editFailure(err, "editMessageText", targetId, messageId, secrets);
        if (failure) throw failure;
      }
    },
    async delete(targetId, messageId) {
      try {
        await api.deleteMessage(toTelegramPlace(targetId).chatId, Number(messageId));
      } catch (err) {
        const failure = editFailure(err, "deleteMessage", targetId, messageId, secrets);
        if (failure) throw failure;
      }
    },
    async pin(targetId, messageId, { unpin, signal, pace }) {
      // A pin in a topic is the topic's pin: Telegram places it by the message, so only the chat is named.
      const { chatId } = toTelegramPlace(targetId);
      const aborted = (method: string, err: unknown) =>
        new PublishAborted(`telegram ${method} in ${targetId}: stopped while the request was in progress`, { cause: err });
      const pinSignal = signal as unknown as Parameters<Api["pinChatMessage"]>[3];
      try {
        await pace?.();
        // Quietly: a pin notification would ring everyone a second time for the same post.
        await api.pinChatMessage(chatId, Number(messageId), { disable_notification: true }, pinSignal);
      } catch (err) {
        if (signal.aborted) throw aborted("pinChatMessage", err);
        // Today's header deleted by an admin before the pin: nothing to pin; yesterday's pin is still replaced.
        if (!(err instanceof GrammyError && /message to pin not found/i.test(err.description))) {
          throw pinFailure(err, "pinChatMessage", targetId, secrets);
        }
      }
      if (unpin === undefined || unpin === messageId) return;
      // A second request: it waits for its own slot of the bot's budget.
      await unpinQuietly(targetId, unpin, signal, pace);
    },
    unpin: (targetId, messageId, { signal }) => unpinQuietly(targetId, messageId, signal, undefined, "unsubscribe"),
  };

  async function unpinQuietly(targetId: string, messageId: string, signal: AbortSignal, pace?: () => Promise<void>, why: PinWhy = "pin"): Promise<void> {
    try {
      await pace?.();
      await api.unpinChatMessage(toTelegramPlace(targetId).chatId, Number(messageId), undefined, signal as unknown as Parameters<Api["unpinChatMessage"]>[3]);
    } catch (err) {
      if (signal.aborted) throw new PublishAborted(`telegram unpinChatMessage in ${targetId}: stopped while the request was in progress`, { cause: err });
      // Already unpinned by someone, or deleted: the pin the bot placed is gone either way.
      if (err instanceof GrammyError && ALREADY_UNPINNED.some((re) => re.test(err.description))) return;
      throw pinFailure(err, "unpinChatMessage", targetId, secrets, why);
    }
  }
}

/** "The message is not pinned (any more)" answers to unpinChatMessage. */
const ALREADY_UNPINNED = [/message to unpin not found/i, /message not found/i, /message_id_invalid/i];

/**
 * Sorts a failed pin/unpin: a missing right is permanent and names it (groups: "Pin messages"; channels: "Edit
 * messages of others", which Telegram asks of a channel's admins to pin); anything else as for sends.
 */
/** What a pin request is for: the daily pin step, or an unsubscribe unpinning the bot's header. */
type PinWhy = "pin" | "unsubscribe";

function pinFailure(err: unknown, method: string, targetId: string, secrets: readonly string[], why: PinWhy = "pin"): PublishError {
  if (err instanceof GrammyError && /not enough rights to manage pinned messages|CHAT_ADMIN_REQUIRED/i.test(err.description)) {
    // After an unsubscribe, "/subscribe pin:false" would subscribe the chat again: not offered there.
    const orNoPin = why === "pin" ? ", or /subscribe pin:false there" : "";
    return new PublishError(
      "permanent",
      `telegram ${method} in ${targetId}: ${scrubSecrets(err.description, secrets)} (${err.error_code}); make the bot an admin with the "Pin messages" right (in a channel: "Edit messages of others")${orNoPin}`,
    );
  }
  return toPublishError(err, { method, chatId: targetId }, secrets);
}
