// Chat state the emulator lacks, served by the harness as Telegram answers it: admins, forum topics, pinned messages, menu calls.
import type { ServedAnswer } from "./harness-messages.js";

/** A forum topic's state: open takes posts; closed answers TOPIC_CLOSED; deleted answers "message thread not found". */
export type TopicState = "open" | "closed" | "deleted";

/** What the harness needs to know of the bot's messages to pin them. */
export interface MessageLookup {
  exists(chatId: unknown, messageId: unknown): boolean;
}

const fail = (description: string): ServedAnswer => ({ status: 400, response: { ok: false, error_code: 400, description } });
const ok = (result: unknown): ServedAnswer => ({ status: 200, response: { ok: true, result } });

/** Bot API methods answered with a fixed `true` (the emulator answers them with HTTP 500). */
const TRIVIAL = new Set([
  "setMyCommands",
  "deleteMyCommands",
  "setMyDescription",
  "setMyShortDescription",
  "setChatMenuButton",
  "sendChatAction",
  "answerInlineQuery",
  "answerCallbackQuery",
  "close",
  "logOut",
]);

/**
 * Chats as the harness keeps them. Forums: `setForum(chat, { 45: "open" })` makes a chat a forum supergroup; a
 * sendMessage there with a `message_thread_id` of a closed topic gets 400 "Bad Request: TOPIC_CLOSED", of a deleted
 * or unknown one 400 "Bad Request: message thread not found" (the Bot API's texts). Pins: pinChatMessage /
 * unpinChatMessage keep each chat's pinned messages; without the right, "Bad Request: not enough rights to manage
 * pinned messages in the chat"; a message that is not there (or not pinned) "message to pin/unpin not found".
 *
 * @example
 * const chats = createChatBook(book);
 * chats.setForum(-100555, { 45: "open" });
 * chats.serve("sendMessage", { chat_id: -100555, message_thread_id: 46 }); // 400 message thread not found
 */
export function createChatBook(messages: MessageLookup) {
  const admins = new Map<string, number[]>();
  const forums = new Map<string, Map<number, TopicState>>();
  const noPinRight = new Set<string>();
  const pinned = new Map<string, number[]>();
  const pinsOf = (chat: string) => {
    let list = pinned.get(chat);
    if (!list) pinned.set(chat, (list = []));
    return list;
  };

  /** The answer to a send into a topic that cannot take it; undefined = go ahead. */
  function refuseSend(params: Record<string, unknown>): ServedAnswer | undefined {
    if (params.message_thread_id === undefined) return undefined;
    const topics = forums.get(String(params.chat_id));
    const state = topics?.get(Number(params.message_thread_id));
    if (state === "closed") return fail("Bad Request: TOPIC_CLOSED");
    if (state !== "open") return fail("Bad Request: message thread not found");
    return undefined;
  }

  /** Answers the methods the harness serves itself; undefined for the others. */
  function serve(method: string, params: Record<string, unknown>): ServedAnswer | undefined {
    const chat = String(params.chat_id);
    if (TRIVIAL.has(method)) return ok(true);
    if (method === "getMyCommands") return ok([]);
    if (method === "getChatMember") {
      const userId = Number(params.user_id);
      const status = (admins.get(chat) ?? []).includes(userId) ? "administrator" : "member";
      return ok({ status, user: { id: userId, is_bot: false, first_name: `User ${userId}` } });
    }
    if (method === "getChatAdministrators") {
      return ok((admins.get(chat) ?? []).map((id) => ({ status: "administrator", user: { id, is_bot: false, first_name: `User ${id}` } })));
    }
    if (method === "pinChatMessage" || method === "unpinChatMessage") {
      if (noPinRight.has(chat)) return fail("Bad Request: not enough rights to manage pinned messages in the chat");
      const id = Number(params.message_id);
      const list = pinsOf(chat);
      if (method === "pinChatMessage") {
        if (!messages.exists(params.chat_id, id)) return fail("Bad Request: message to pin not found");
        if (!list.includes(id)) list.push(id);
        return ok(true);
      }
      // Without message_id Telegram unpins the most recent pin.
      const target = params.message_id === undefined ? list.at(-1) : id;
      if (target === undefined || !list.includes(target)) return fail("Bad Request: message to unpin not found");
      list.splice(list.indexOf(target), 1);
      return ok(true);
    }
    return undefined;
  }

  return {
    refuseSend,
    serve,
    setAdmins: (chatId: number | string, userIds: number[]) => admins.set(String(chatId), userIds),
    setForum: (chatId: number | string, topics: Record<number, TopicState>) =>
      forums.set(String(chatId), new Map(Object.entries(topics).map(([id, state]) => [Number(id), state]))),
    setTopic: (chatId: number | string, threadId: number, state: TopicState) => {
      const topics = forums.get(String(chatId)) ?? new Map<number, TopicState>();
      topics.set(threadId, state);
      forums.set(String(chatId), topics);
    },
    setPinRight: (chatId: number | string, allowed: boolean) => (allowed ? noPinRight.delete(String(chatId)) : noPinRight.add(String(chatId))),
    /** The chat's pinned messages, oldest pin first. */
    pinned: (chatId: number | string) => [...(pinned.get(String(chatId)) ?? [])],
  };
}
