// What the bot's messages show in each chat of the emulated Bot API: recorded from sendMessage, changed by editMessageText/deleteMessage.
export interface LiveMessage {
  messageId: number;
  text: string;
  reply_markup?: unknown;
  /** The forum topic it was sent to (`message_thread_id`); undefined = the chat itself. */
  threadId?: number;
  /** Sent with `disable_notification: true`. */
  silent?: boolean;
  /** The `link_preview_options` it was last sent or edited with. */
  link_preview_options?: unknown;
}

/** A Bot API answer the harness sends itself. */
export interface ServedAnswer {
  status: number;
  response: unknown;
}

const parseMaybeJson = (v: unknown): unknown => {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
};

/**
 * The bot's messages by chat, answering editMessageText and deleteMessage as Telegram does: "message to edit not
 * found" / "message to delete not found" for unknown or deleted messages, "message is not modified" for an edit that
 * changes nothing, and an empty inline keyboard removing the buttons.
 *
 * @example
 * const book = createMessageBook();
 * book.recordSent(params, response); // after each sendMessage
 * const answer = book.serve("editMessageText", params); // { status: 200, response: { ok: true, … } }
 */
export function createMessageBook() {
  type Stored = LiveMessage & { chatId: string; deleted: boolean };
  const live = new Map<string, Stored>();
  const key = (chatId: unknown, messageId: unknown) => `${String(chatId)}:${String(messageId)}`;
  const fail = (description: string): ServedAnswer => ({ status: 400, response: { ok: false, error_code: 400, description } });
  return {
    recordSent(params: Record<string, unknown>, response: unknown) {
      const result = (response as { result?: { message_id?: number } } | undefined)?.result;
      if (typeof result?.message_id !== "number") return;
      const markup = parseMaybeJson(params.reply_markup);
      const preview = parseMaybeJson(params.link_preview_options);
      live.set(key(params.chat_id, result.message_id), {
        chatId: String(params.chat_id),
        messageId: result.message_id,
        text: String(params.text ?? ""),
        ...(markup ? { reply_markup: markup } : {}),
        ...(params.message_thread_id !== undefined ? { threadId: Number(params.message_thread_id) } : {}),
        ...(params.disable_notification === true || params.disable_notification === "true" ? { silent: true } : {}),
        ...(preview ? { link_preview_options: preview } : {}),
        deleted: false,
      });
    },
    /** True while the bot's message is in the chat (sent, not deleted). */
    exists(chatId: unknown, messageId: unknown): boolean {
      const message = live.get(key(chatId, messageId));
      return message !== undefined && !message.deleted;
    },
    /** The answer to an editMessageText or deleteMessage call. */
    serve(method: "editMessageText" | "deleteMessage", params: Record<string, unknown>): ServedAnswer {
      const message = live.get(key(params.chat_id, params.message_id));
      if (!message || message.deleted) return fail(`Bad Request: message to ${method === "editMessageText" ? "edit" : "delete"} not found`);
      if (method === "deleteMessage") {
        message.deleted = true;
        return { status: 200, response: { ok: true, result: true } };
      }
      const markup = parseMaybeJson(params.reply_markup) as { inline_keyboard?: unknown[] } | undefined;
      const next = markup && Array.isArray(markup.inline_keyboard) && markup.inline_keyboard.length === 0 ? undefined : markup;
      if (message.text === String(params.text) && JSON.stringify(message.reply_markup) === JSON.stringify(next)) {
        return fail(
          "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        );
      }
      message.text = String(params.text);
      if (next === undefined) delete message.reply_markup;
      else message.reply_markup = next;
      // An edit without link_preview_options shows the preview again: keep what the edit asked for.
      const preview = parseMaybeJson(params.link_preview_options);
      if (preview === undefined) delete message.link_preview_options;
      else message.link_preview_options = preview;
      const date = Math.floor(Date.now() / 1000);
      return {
        status: 200,
        response: { ok: true, result: { message_id: message.messageId, chat: { id: Number(message.chatId), type: "channel" }, date, edit_date: date, text: message.text } },
      };
    },
    liveMessages(chatId: number | string): LiveMessage[] {
      return [...live.values()]
        .filter((m) => m.chatId === String(chatId) && !m.deleted)
        .map(({ chatId: _chat, deleted: _deleted, ...m }) => m);
    },
    deleteAsAdmin(chatId: number | string, messageId: number) {
      const message = live.get(key(chatId, messageId));
      if (message) message.deleted = true;
    },
  };
}
