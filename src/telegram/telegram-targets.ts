// Telegram delivery targets: a chat, channel or forum topic (`<chat>:<topic id>`) to and from the Bot API's chat_id + message_thread_id.
import type { Message } from "grammy/types";
import { TELEGRAM_TARGET_ID } from "../core/config.js";
import { tenantScope, type AdminScope } from "../core/safety/admin-scope.js";

/** Where a target's messages go: the chat (number, or `@name`) and, for a forum topic, its thread id. */
export interface TelegramPlace {
  chatId: number | string;
  /** The forum topic; undefined = the chat itself (in a forum: its General topic). */
  threadId?: number;
}

/**
 * Reads a target id (`-1001234567890`, `@channel`, or a topic `-1001234567890:45`) into chat and thread. An id the
 * pattern does not take (a target stored before topics existed is always a plain chat) is passed on as the chat, so
 * Telegram answers for it ("chat not found").
 *
 * @example
 * toTelegramPlace("-1001234567890:45"); // { chatId: -1001234567890, threadId: 45 }
 * toTelegramPlace("@ai_digest");        // { chatId: "@ai_digest" }
 */
export function toTelegramPlace(targetId: string): TelegramPlace {
  const m = TELEGRAM_TARGET_ID.exec(targetId);
  const chat = m ? m[1]! : targetId;
  const chatId = /^-?\d+$/.test(chat) ? Number(chat) : chat;
  return m?.[2] ? { chatId, threadId: Number(m[2]) } : { chatId };
}

/**
 * The target id of a chat, or of a topic in it.
 *
 * @example
 * toTargetId(-1001234567890, 45); // "-1001234567890:45"
 */
export function toTargetId(chatId: number | string, threadId?: number): string {
  return threadId === undefined ? String(chatId) : `${chatId}:${threadId}`;
}

/**
 * The forum topic a message was written in, or undefined for the chat itself. Only `is_topic_message` counts: a
 * reply in the General topic (or in a non-forum group) carries a `message_thread_id` too — the id of the message it
 * replies to — and sending there would fail with "message thread not found".
 */
export function topicOf(msg: Pick<Message, "is_topic_message" | "message_thread_id">): number | undefined {
  return msg.is_topic_message && msg.message_thread_id !== undefined ? msg.message_thread_id : undefined;
}

/** The target a command written in `msg` acts on: its topic in a forum, else its chat. */
export function targetOfMessage(msg: Pick<Message, "chat" | "is_topic_message" | "message_thread_id">): string {
  return toTargetId(msg.chat.id, topicOf(msg));
}

/**
 * A chat's admins manage the chat and every topic in it (topics have no admins of their own), whether a target names
 * the chat by id or, for a public chat, by its `@username` (Telegram usernames are case-insensitive).
 *
 * @example
 * chatScope(-100123).owns({ platform: "telegram", id: "-100123:45" }); // true
 * chatScope(-100123, "ai_digest").owns({ platform: "telegram", id: "@AI_Digest" }); // true
 */
export function chatScope(chatId: number | string, username?: string): AdminScope {
  const chat = String(chatId);
  const name = username ? `@${username.toLowerCase()}` : undefined;
  return tenantScope("telegram", chat, (t) => {
    if (t.platform !== "telegram") return false;
    const of = String(toTelegramPlace(t.id).chatId);
    return of === chat || (name !== undefined && of.toLowerCase() === name);
  });
}

/**
 * The target a command written in `msg` acts on, among those already subscribed: a public chat written as `@name`
 * (in TELEGRAM_CHAT_IDS, or a topic `@name:45`) is the same chat as its numeric id, so a command there acts on the
 * `@name` target instead of adding the numeric one next to it (which would post every daily post twice and split
 * the chat's pacing budget in two). The numeric id wins when it is subscribed; neither subscribed: the numeric id.
 *
 * @example
 * sameChatTarget(msg, ["@ai_digest"]); // "@ai_digest" for a command in the channel t.me/ai_digest
 */
export function sameChatTarget(msg: Pick<Message, "chat" | "is_topic_message" | "message_thread_id">, subscribed: readonly string[]): string {
  const id = targetOfMessage(msg);
  const username = "username" in msg.chat ? msg.chat.username : undefined;
  if (!username || subscribed.includes(id)) return id;
  const named = toTargetId(`@${username}`, topicOf(msg)).toLowerCase();
  return subscribed.find((t) => t.toLowerCase() === named) ?? id;
}
