// The fake Discord's REST routes: what each request the bot makes is answered with, once faults and the global limit let it through.
import type { createFakeDmChannels } from "./fake-discord-dm.js";
import type { ChannelMessages, PostedMessages } from "./fake-discord-messages.js";
import type { createMessageLimits } from "./fake-discord-parts.js";
import type { ChannelNative } from "./fake-discord-threads.js";
import type { FakeDiscordOptions, FakeGuild } from "./fake-discord-types.js";

/** An answer: status, JSON body (none for 204) and extra headers. */
export interface RestAnswer {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
}

export interface RestDeps {
  options: FakeDiscordOptions;
  /** Where GET /gateway/bot sends the client. */
  gatewayUrl: string;
  applicationId: string;
  ownerId: string;
  botUser: Record<string, unknown>;
  channelIds: string[];
  guildOf(channelId: string): FakeGuild | undefined;
  messages: ChannelMessages;
  posted: PostedMessages;
  native: ChannelNative;
  dms: ReturnType<typeof createFakeDmChannels>;
  limits: ReturnType<typeof createMessageLimits>;
  nextId(): string;
}

/**
 * The routes of the fake, as one function of the request; a path it has no route for is a 404 naming it.
 *
 * @example
 * const route = createRestRoutes(deps);
 * route("GET", "/users/@me", url.searchParams, undefined); // { status: 200, json: { id: "9000…", bot: true, … } }
 */
export function createRestRoutes(deps: RestDeps) {
  const { options, applicationId, native, messages } = deps;
  const shardCount = options.shardCount ?? 1;
  const user = (id: string) => ({ id, username: `user-${id}`, discriminator: "0", global_name: null, avatar: null });

  function application(): RestAnswer {
    const team = options.teamMemberIds
      ? {
          id: "600000000000000001",
          name: "Operators",
          icon: null,
          owner_user_id: options.teamMemberIds[0],
          members: options.teamMemberIds.map((id) => ({ user: user(id), team_id: "600000000000000001", membership_state: 2, permissions: ["*"], role: "admin" })),
        }
      : null;
    const owner = user(team ? "600000000000000001" : deps.ownerId);
    return { status: 200, json: { id: applicationId, name: "digest-bot", icon: null, description: "", bot_public: true, bot_require_code_grant: false, flags: 0, owner, team, verify_key: "0" } };
  }

  function postToChannel(channelId: string, body: Record<string, unknown>): RestAnswer {
    if (!deps.guildOf(channelId) && !deps.dms.has(channelId)) return { status: 404, json: { message: "Unknown Channel", code: 10003 } };
    if (native.typeOf(channelId) === 15) return { status: 400, json: { message: "Cannot send a message in a forum channel", code: 40058 } };
    // Like Discord: a message in an archived (unlocked) thread reopens it.
    if (native.isArchived(channelId)) native.reopen(channelId);
    let headers: Record<string, string> = {};
    if (options.enforceLimits) {
      const verdict = deps.limits.admit(channelId);
      if (verdict.refused) return { status: 429, json: verdict.refused, headers: verdict.headers };
      headers = verdict.headers;
    }
    return { status: 200, json: messages.post(channelId, body), headers };
  }

  return function route(method: string, path: string, query: URLSearchParams, body: unknown): RestAnswer {
    let m: RegExpExecArray | null;
    const fields = (body ?? {}) as Record<string, unknown>;
    if (method === "GET" && path === "/gateway/bot") {
      return {
        status: 200,
        json: {
          url: deps.gatewayUrl,
          shards: shardCount,
          // As for large bots: 16 shards may identify at once (discord.js would otherwise wait 5 s between them).
          session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 16 },
        },
      };
    }
    if (method === "GET" && path === "/applications/@me") return application();
    if (method === "PUT" && /^\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(path)) {
      const defs = Array.isArray(body) ? (body as Record<string, unknown>[]) : [];
      return { status: 200, json: defs.map((d) => ({ ...d, id: deps.nextId(), application_id: applicationId, version: deps.nextId(), type: d.type ?? 1 })) };
    }
    if (method === "POST" && /^\/interactions\/(\d+)\/([^/]+)\/callback$/.test(path)) return { status: 204 };
    if (/^\/webhooks\/\d+\/([^/]+)(\/messages\/(@original|\d+))?$/.test(path)) {
      if (method === "PATCH" || method === "POST") return { status: 200, json: messages.messageObject(deps.channelIds[0]!, fields, true) };
      if (method === "DELETE") return { status: 204 };
    }
    if (method === "GET" && path === "/users/@me") return { status: 200, json: deps.botUser };
    if (method === "POST" && path === "/users/@me/channels") return { status: 200, json: deps.dms.open(String((body as { recipient_id?: unknown })?.recipient_id)) };
    if (method === "GET" && (m = /^\/channels\/(\d+)\/messages$/.exec(path))) {
      return { status: 200, json: messages.list(m[1]!, query.get("after"), Number(query.get("limit") ?? 50)) };
    }
    if (method === "POST" && (m = /^\/channels\/(\d+)\/messages$/.exec(path))) return postToChannel(m[1]!, fields);
    if ((method === "PATCH" || method === "DELETE") && (m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path))) {
      if (native.isArchived(m[1]!)) return { status: 400, json: { message: "Thread is archived", code: 50083 } };
      const answer = deps.posted.change(method, m[1]!, m[2]!, fields);
      if (answer.status !== 200) return { status: answer.status, json: answer.json };
      return { status: 200, json: { ...messages.messageObject(m[1]!, answer.body!, false), id: m[2]!, edited_timestamp: new Date().toISOString() } };
    }
    const nativeAnswer = native.handle(method, path, body);
    if (nativeAnswer) return { status: nativeAnswer.status, json: nativeAnswer.json };
    return { status: 404, json: { message: `Fake Discord has no route ${method} ${path}`, code: 0 } };
  };
}
