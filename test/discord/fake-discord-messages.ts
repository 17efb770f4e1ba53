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

export interface ChannelMessagesDeps {
  applicationId: string;
  botUser: Record<string, unknown>;
  nextId(): string;
  /** How long a nonce sent with `enforce_nonce` finds the message it made; default forever. */
  nonceWindowMs: number | undefined;
  posted: PostedMessages;
}

/**
 * What each channel was sent: the bodies in order (what tests read), the message objects as Discord lists them, and
 * Discord's nonce de-duplication.
 */
export function createChannelMessages(deps: ChannelMessagesDeps) {
  const bodies = new Map<string, Record<string, unknown>[]>();
  /** The message objects of each channel, oldest first, as GET /channels/{id}/messages lists them. */
  const objects = new Map<string, Record<string, unknown>[]>();
  const nonces = new Map<string, { msg: Record<string, unknown>; at: number }>();
  // In place: a test may hold a channel's list and read it again later.
  const push = <T>(map: Map<string, T[]>, key: string, item: T) => {
    const list = map.get(key);
    if (list) list.push(item);
    else map.set(key, [item]);
  };

  function messageObject(channelId: string, b: Record<string, unknown>, webhook: boolean, id = deps.nextId()): Record<string, unknown> & { id: string } {
    return {
      id,
      channel_id: channelId,
      type: 0,
      author: deps.botUser,
      content: b.content ?? "",
      embeds: b.embeds ?? [],
      components: b.components ?? [],
      attachments: [],
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: false,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      flags: b.flags ?? 0,
      ...(webhook ? { webhook_id: deps.applicationId, application_id: deps.applicationId } : {}),
      ...(typeof b.nonce === "string" ? { nonce: b.nonce } : {}),
    };
  }

  return {
    messageObject,
    /** Posts (or, for a repeated nonce within the window, finds) a message; returns what Discord answers. */
    post(channelId: string, b: Record<string, unknown>, id?: string) {
      const nonce = typeof b.nonce === "string" ? b.nonce : undefined;
      const key = nonce && b.enforce_nonce === true ? `${channelId}:${nonce}` : undefined;
      const earlier = key ? nonces.get(key) : undefined;
      if (earlier && Date.now() - earlier.at < (deps.nonceWindowMs ?? Number.POSITIVE_INFINITY)) return earlier.msg;
      const msg = messageObject(channelId, b, false, id);
      deps.posted.record(msg.id, channelId, b);
      if (key) nonces.set(key, { msg, at: Date.now() });
      push(bodies, channelId, b);
      push(objects, channelId, msg as Record<string, unknown>);
      return msg;
    },
    /** The bodies sent to a channel, in order. */
    bodiesOf: (channelId: string) => bodies.get(channelId) ?? [],
    /** GET /channels/{id}/messages: newest first, after `after`, at most `limit`. */
    list(channelId: string, after: string | null, limit: number) {
      const list = (objects.get(channelId) ?? []).filter((o) => after === null || BigInt(String(o.id)) > BigInt(after));
      return list.slice(-limit).reverse();
    },
  };
}

export type ChannelMessages = ReturnType<typeof createChannelMessages>;
