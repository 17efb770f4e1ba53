// The fake Discord's record of posted messages: what each channel shows, and message edits (PATCH) and deletes as Discord answers them.
export interface PostedMessages {
  record(id: string, channelId: string, body: Record<string, unknown>): void;
  /** PATCH or DELETE of a message: 404 Unknown Message (10008) when it is gone, 400 for a nonce on an edit. */
  change(method: "PATCH" | "DELETE", channelId: string, id: string, body: Record<string, unknown>): { status: number; json?: unknown; body?: Record<string, unknown> };
  live(channelId: string): { id: string; body: Record<string, unknown> }[];
  deleteAsAdmin(channelId: string, id: string): void;
  /** The channel of a message that exists and was not deleted. */
  channelOf(id: string): string | undefined;
}

/**
 * Messages by id with their channel, current body and whether they were deleted.
 *
 * @example
 * const posted = createPostedMessages();
 * posted.record("1400…", "7000…", body);
 * posted.change("PATCH", "7000…", "1400…", { embeds: [] }); // { status: 200, body: { … } }
 */
export function createPostedMessages(): PostedMessages {
  const posted = new Map<string, { channelId: string; body: Record<string, unknown>; deleted: boolean }>();
  return {
    record(id, channelId, body) {
      posted.set(id, { channelId, body, deleted: false });
    },
    change(method, channelId, id, body) {
      const message = posted.get(id);
      if (!message || message.deleted || message.channelId !== channelId) return { status: 404, json: { message: "Unknown Message", code: 10008 } };
      if (method === "DELETE") {
        message.deleted = true;
        return { status: 204 };
      }
      // Like Discord: an edit may not carry a nonce; fields left out keep their value.
      if ("nonce" in body || "enforce_nonce" in body) return { status: 400, json: { message: "Invalid Form Body", code: 50035 } };
      message.body = { ...message.body, ...body };
      return { status: 200, body: message.body };
    },
    live(channelId) {
      return [...posted].filter(([, p]) => p.channelId === channelId && !p.deleted).map(([id, p]) => ({ id, body: p.body }));
    },
    channelOf(id) {
      const message = posted.get(id);
      return message && !message.deleted ? message.channelId : undefined;
    },
    deleteAsAdmin(channelId, id) {
      const message = posted.get(id);
      if (message && message.channelId === channelId) message.deleted = true;
    },
  };
}
