// DM channels of the fake Discord: POST /users/@me/channels opens (or returns) one channel per recipient, as Discord does.
import { randomInt } from "node:crypto";

/** The DM channels a fake Discord opened, by recipient. */
export interface FakeDmChannels {
  /** The DM channel object for `recipient_id` (the same one on every call). */
  open(recipientId: string): Record<string, unknown>;
  /** True for a channel opened here (a DM: messages to it are accepted though it is in no server). */
  has(channelId: string): boolean;
  /** The DM channel id of a user, once opened. */
  of(userId: string): string | undefined;
}

/**
 * @example
 * const dms = createFakeDmChannels();
 * dms.open("123").id === dms.open("123").id; // true
 */
export function createFakeDmChannels(): FakeDmChannels {
  const byUser = new Map<string, string>();
  const channels = new Set<string>();
  return {
    open(recipientId) {
      let id = byUser.get(recipientId);
      if (!id) {
        id = `5${String(randomInt(10 ** 9, 10 ** 10 - 1))}${String(randomInt(10 ** 6, 10 ** 7 - 1))}`;
        byUser.set(recipientId, id);
        channels.add(id);
      }
      return { id, type: 1, last_message_id: null, recipients: [{ id: recipientId, username: `user-${recipientId}`, discriminator: "0", global_name: null, avatar: null }] };
    },
    has: (channelId) => channels.has(channelId),
    of: (userId) => byUser.get(userId),
  };
}
