// Telegram personal alerts: the story sent to the watcher's private chat (its id is the user id), with the reasons a user cannot be messaged.
import { GrammyError, type Api } from "grammy";
import { alertTitle, RecipientUnreachable, type AlertPublisher, type WatchAlert } from "../core/delivery/alert-publisher.js";
import { PublishAborted } from "../core/delivery/publisher.js";
import { t } from "../core/i18n.js";
import { wellFormedPayload } from "../core/safety/well-formed.js";
import { bold, html, splitTelegramHtml } from "./telegram-html.js";
import { linkButtons, renderStory, storyDeepLink, type TelegramMessage } from "./telegram-render.js";
import { editFailure, toPublishError } from "./telegram-publisher.js";
import { toTelegramPlace } from "./telegram-targets.js";

/** Reasons a watch is disabled with (shown in the user's /watch list): what the user can do about it. */
export const TELEGRAM_DM_BLOCKED = "Telegram: the user blocked the bot (403 Forbidden: bot was blocked by the user); unblock it, then send /watch again";
export const TELEGRAM_DM_NOT_STARTED =
  "Telegram: the bot cannot start a private chat with this user (403 Forbidden: bot can't initiate conversation with a user); open the bot, press Start, then send /watch again";
export const TELEGRAM_DM_DEACTIVATED = "Telegram: the user's account is deactivated (403 Forbidden: user is deactivated)";

/**
 * Pure: one message — the watch's title line, then the story as `/story` shows it, cut to one message (ending in
 * `…`) with a Full story deep link when it is longer; link buttons under it.
 */
export function planTelegramAlert(alert: WatchAlert, botUsername?: string): TelegramMessage {
  const body = html`${bold(alertTitle(alert))}\n\n${renderStory(alert.story, [], alert.locale, botUsername)}`;
  const parts = splitTelegramHtml(body);
  const keyboard = linkButtons(alert.story.links);
  const full = storyDeepLink(botUsername, alert.story.id);
  if (parts.length > 1 && full) keyboard.unshift([{ text: t(alert.locale, "label.fullStory"), url: full }]);
  const text = parts.length > 1 ? splitTelegramHtml(body, 4000)[0]! + "\n…" : parts[0]!;
  const message: TelegramMessage = { text, parse_mode: "HTML", link_preview_options: { is_disabled: false } };
  if (keyboard.length > 0) message.reply_markup = { inline_keyboard: keyboard };
  return wellFormedPayload(message);
}

/** A 403 that means this user cannot get private messages from the bot, with the reason to record; else undefined. */
export function unreachableUser(err: unknown): string | undefined {
  if (!(err instanceof GrammyError) || err.error_code !== 403) return undefined;
  if (/bot was blocked by the user/i.test(err.description)) return TELEGRAM_DM_BLOCKED;
  if (/can't initiate conversation|bot can't send messages to bots/i.test(err.description)) return TELEGRAM_DM_NOT_STARTED;
  if (/user is deactivated/i.test(err.description)) return TELEGRAM_DM_DEACTIVATED;
  return undefined;
}

/**
 * The alert publisher for Telegram private chats. No idempotency key exists on Telegram: a message accepted
 * just before a crash is sent again once on restart (counted as a possible duplicate), as for daily posts.
 *
 * @example
 * engine.registerAlertPublisher(createTelegramDm({ api: deliveryApi, botUsername, secrets: [token] }));
 */
export function createTelegramDm(options: { api: Api; botUsername?: string; secrets: readonly string[] }): AlertPublisher<TelegramMessage> {
  const { api, botUsername, secrets } = options;
  return {
    platform: "telegram",
    planAlert: (alert) => planTelegramAlert(alert, botUsername),
    async sendDirect(userId, payload, { signal }) {
      try {
        const { text, ...rest } = payload;
        const sent = await api.sendMessage(toTelegramPlace(userId).chatId, text, rest, signal as unknown as Parameters<Api["sendMessage"]>[3]);
        return { messageId: String(sent.message_id) };
      } catch (err) {
        if (signal.aborted) throw new PublishAborted(`telegram alert to user ${userId}: stopped while the request was in progress`, { cause: err });
        const reason = unreachableUser(err);
        if (reason) throw new RecipientUnreachable(reason, { cause: err });
        throw toPublishError(err, { method: "sendMessage", chatId: `user ${userId}` }, secrets);
      }
    },
    async editDirect(userId, messageId, payload, { signal }) {
      try {
        // The whole message again (an edit without the preview option or the keyboard would drop them).
        const { text, parse_mode, link_preview_options, reply_markup } = payload;
        const params = { parse_mode, link_preview_options, reply_markup: reply_markup ?? { inline_keyboard: [] } };
        await api.editMessageText(toTelegramPlace(userId).chatId, Number(messageId), text, params, signal as unknown as Parameters<Api["editMessageText"]>[4]);
      } catch (err) {
        if (signal.aborted) throw new PublishAborted(`telegram alert edit for user ${userId}: stopped while the request was in progress`, { cause: err });
        const failure = editFailure(err, "editMessageText", `user ${userId}`, messageId, secrets);
        if (failure) throw failure;
      }
    },
  };
}
