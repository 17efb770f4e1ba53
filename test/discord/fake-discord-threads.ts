// The fake Discord's channel-native routes: channel lookups, threads from messages, forum posts with tags, active threads, crossposts, pins.

/** A forum tag as a forum channel's `available_tags` lists it. */
export interface FakeForumTag {
  id: string;
  name: string;
  moderated?: boolean;
}

/** A thread (from a message, or a forum post) as the fake keeps it. */
export interface FakeThread {
  id: string;
  parentId: string;
  name: string;
  ownerId: string;
  type: number;
  appliedTags: string[];
  flags: number;
  archived: boolean;
}

export interface NativeDeps {
  guildIdOf(channelId: string): string | undefined;
  botId: string;
  nextId(): string;
  /** Posts a message (as POST /channels/{id}/messages would, without nonce handling) with a given id. */
  postAs(channelId: string, body: Record<string, unknown>, id: string): Record<string, unknown>;
  /** The channel a message of the bot is in, when it exists and was not deleted. */
  channelOfMessage(messageId: string): string | undefined;
  channelTypes: Readonly<Record<string, number>>;
  forumTags: Readonly<Record<string, FakeForumTag[]>>;
}

type Answer = { status: number; json?: unknown };

const error = (status: number, code: number, message: string): Answer => ({ status, json: { message, code } });

/**
 * Threads, pins and crossposts, answered as Discord does (the error codes the bot must handle included).
 *
 * @example
 * const native = createChannelNative(deps);
 * native.handle("POST", "/channels/7/messages/8/threads", { name: "2026-02-18" }); // { status: 201, json: { id: "8", … } }
 */
export function createChannelNative(deps: NativeDeps) {
  const threads = new Map<string, FakeThread>();
  const pins = new Map<string, string[]>();
  const crossposted = new Set<string>();
  /** Every crosspost request that succeeded, in order: `<channel>/<message>`. */
  const crossposts: string[] = [];

  const typeOf = (channelId: string): number => threads.get(channelId)?.type ?? deps.channelTypes[channelId] ?? 0;

  function channelObject(channelId: string): Record<string, unknown> {
    const thread = threads.get(channelId);
    const guildId = deps.guildIdOf(channelId);
    if (thread) {
      return {
        id: thread.id,
        type: thread.type,
        guild_id: guildId,
        parent_id: thread.parentId,
        name: thread.name,
        owner_id: thread.ownerId,
        applied_tags: thread.appliedTags,
        flags: thread.flags,
        thread_metadata: { archived: thread.archived, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false },
        message_count: 0,
        member_count: 1,
      };
    }
    const type = typeOf(channelId);
    return {
      id: channelId,
      type,
      guild_id: guildId,
      name: `news-${channelId.slice(-2)}`,
      position: 0,
      permission_overwrites: [],
      ...(type === 15 ? { available_tags: (deps.forumTags[channelId] ?? []).map((t) => ({ emoji_id: null, emoji_name: null, moderated: false, ...t })), flags: 0 } : {}),
    };
  }

  function newThread(parentId: string, id: string, name: unknown, tags: string[]): FakeThread | Answer {
    if (typeof name !== "string" || name.length < 1 || [...name].length > 100) return error(400, 50035, "Invalid Form Body (name: must be 1-100 characters)");
    const parentType = typeOf(parentId);
    const thread: FakeThread = { id, parentId, name, ownerId: deps.botId, type: parentType === 5 ? 10 : 11, appliedTags: tags, flags: 0, archived: false };
    threads.set(id, thread);
    return thread;
  }

  function handle(method: string, path: string, rawBody: unknown): Answer | undefined {
    const body = (rawBody ?? {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;
    if (method === "GET" && (m = /^\/channels\/(\d+)$/.exec(path))) {
      if (!deps.guildIdOf(m[1]!)) return error(404, 10003, "Unknown Channel");
      return { status: 200, json: channelObject(m[1]!) };
    }
    if (method === "PATCH" && (m = /^\/channels\/(\d+)$/.exec(path))) {
      const thread = threads.get(m[1]!);
      if (!thread) return error(404, 10003, "Unknown Channel");
      // Like Discord: an archived thread is changed only by a request that also reopens it.
      if (thread.archived && body.archived !== false) return error(400, 50083, "Thread is archived");
      if (typeof body.archived === "boolean") thread.archived = body.archived;
      if (typeof body.flags === "number") {
        const pinnedElsewhere = [...threads.values()].some((t) => t !== thread && t.parentId === thread.parentId && (t.flags & 2) !== 0);
        if ((body.flags & 2) !== 0 && pinnedElsewhere) return error(400, 30047, "Maximum number of pinned threads in a forum has been reached (1)");
        thread.flags = body.flags;
      }
      return { status: 200, json: channelObject(thread.id) };
    }
    if (method === "GET" && (m = /^\/guilds\/(\d+)\/threads\/active$/.exec(path))) {
      const guildId = m[1]!;
      const list = [...threads.values()].filter((t) => !t.archived && deps.guildIdOf(t.id) === guildId).map((t) => channelObject(t.id));
      return { status: 200, json: { threads: list, members: [] } };
    }
    if (method === "POST" && (m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(path))) {
      const [, channelId, messageId] = m as unknown as [string, string, string];
      if (deps.channelOfMessage(messageId) !== channelId) return error(404, 10008, "Unknown Message");
      if (threads.has(messageId)) return error(400, 160004, "A thread has already been created for this message");
      const made = newThread(channelId, messageId, body.name, []);
      return "status" in made ? made : { status: 201, json: channelObject(made.id) };
    }
    if (method === "POST" && (m = /^\/channels\/(\d+)\/threads$/.exec(path))) {
      const forumId = m[1]!;
      if (typeOf(forumId) !== 15) return error(400, 50024, "Cannot execute action on this channel type");
      const tags = Array.isArray(body.applied_tags) ? body.applied_tags.map(String) : [];
      const known = new Set((deps.forumTags[forumId] ?? []).map((t) => t.id));
      if (tags.length > 5 || tags.some((t) => !known.has(t))) return error(400, 50035, "Invalid Form Body (applied_tags)");
      const message = body.message as Record<string, unknown> | undefined;
      if (!message) return error(400, 50035, "Invalid Form Body (message: required)");
      if ("nonce" in message) return error(400, 50035, "Invalid Form Body (message.nonce: not allowed)");
      const id = deps.nextId();
      const made = newThread(forumId, id, body.name, tags);
      if ("status" in made) return made;
      const starter = deps.postAs(id, message, id);
      return { status: 201, json: { ...channelObject(id), message: starter } };
    }
    if (method === "POST" && (m = /^\/channels\/(\d+)\/messages\/(\d+)\/crosspost$/.exec(path))) {
      const [, channelId, messageId] = m as unknown as [string, string, string];
      if (typeOf(channelId) !== 5) return error(400, 50024, "Cannot execute action on this channel type");
      if (deps.channelOfMessage(messageId) !== channelId) return error(404, 10008, "Unknown Message");
      if (crossposted.has(messageId)) return error(400, 40033, "This message has already been crossposted.");
      crossposted.add(messageId);
      crossposts.push(`${channelId}/${messageId}`);
      return { status: 200, json: { id: messageId, channel_id: channelId, flags: 1 } };
    }
    if ((method === "PUT" || method === "DELETE") && (m = /^\/channels\/(\d+)\/(?:messages\/)?pins\/(\d+)$/.exec(path))) {
      const [, channelId, messageId] = m as unknown as [string, string, string];
      if (deps.channelOfMessage(messageId) !== channelId) return error(404, 10008, "Unknown Message");
      const list = pins.get(channelId) ?? [];
      const without = list.filter((id) => id !== messageId);
      if (method === "PUT" && without.length >= 50) return error(400, 30003, "Maximum number of pins reached (50)");
      pins.set(channelId, method === "PUT" ? [...without, messageId] : without);
      return { status: 204 };
    }
    return undefined;
  }

  return {
    handle,
    channelObject,
    typeOf,
    /** The thread's parent channel, for threads the fake made. */
    parentOf: (channelId: string) => threads.get(channelId)?.parentId,
    threads: () => [...threads.values()],
    /** Pinned messages of a channel; a deleted message is no longer pinned, as on Discord. */
    pins: (channelId: string) => (pins.get(channelId) ?? []).filter((id) => deps.channelOfMessage(id) === channelId),
    crossposts,
    /** As the thread's auto-archive would (edits then answer 50083 until it is reopened). */
    archive(threadId: string) {
      const thread = threads.get(threadId);
      if (thread) thread.archived = true;
    },
    isArchived: (channelId: string) => threads.get(channelId)?.archived === true,
    reopen(threadId: string) {
      const thread = threads.get(threadId);
      if (thread) thread.archived = false;
    },
  };
}

export type ChannelNative = ReturnType<typeof createChannelNative>;
