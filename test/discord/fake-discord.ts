// A small fake Discord on 127.0.0.1 (REST over node:http + a `ws` gateway) so tests drive the real discord.js client.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { createPostedMessages } from "./fake-discord-messages.js";
import { createFakeDmChannels } from "./fake-discord-dm.js";
import { createMessageLimits, guildObject, readBody } from "./fake-discord-parts.js";
import { createChannelNative } from "./fake-discord-threads.js";
import type { FakeDiscord, FakeDiscordOptions, FakeGuild, InjectedFailure, InjectedInteraction, RecordedRequest } from "./fake-discord-types.js";

export type { FakeDiscord, FakeDiscordOptions, FakeGuild, FakeMember, FakeOption, InjectedFailure, InjectedInteraction, RecordedRequest } from "./fake-discord-types.js";

const API_PREFIX = /^\/api\/v\d+/;
let snowflake = 0n;
/** Snowflakes as Discord makes them: the time since 2015 in the high bits, so `after=<time-based id>` works. */
const nextId = () => {
  const fromTime = (BigInt(Date.now()) - 1_420_070_400_000n) << 22n;
  snowflake = fromTime > snowflake ? fromTime : snowflake + 1n;
  return String(snowflake);
};

/**
 * Starts the fake on an ephemeral loopback port.
 *
 * @example
 * const discord = await startFakeDiscord();
 * const client = new Client({ intents: [], rest: { api: discord.apiBase } });
 * await client.login("fake.token.value.1234567890");
 */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const applicationId = options.applicationId ?? "900000000000000001";
  const guildId = options.guildId ?? "800000000000000001";
  const channelIds = options.channelIds ?? ["700000000000000001"];
  const guilds: FakeGuild[] = [{ id: guildId, channelIds }, ...(options.extraGuilds ?? [])];
  const guildOf = (channelId: string): FakeGuild | undefined => {
    const parent = native.parentOf(channelId);
    return guilds.find((g) => g.channelIds.includes(channelId) || (parent !== undefined && g.channelIds.includes(parent)));
  };
  const ownerId = options.ownerId ?? "100000000000000001";
  const botUser = { id: applicationId, username: "digest-bot", discriminator: "0", global_name: null, avatar: null, bot: true };
  const requests: RecordedRequest[] = [];
  const identifies: unknown[] = [];
  const failures: (InjectedFailure & { left: number })[] = [];
  const waiters: { match: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }[] = [];
  const messages = new Map<string, Record<string, unknown>[]>();
  /** The message objects of each channel, oldest first, as GET /channels/{id}/messages lists them. */
  const objects = new Map<string, Record<string, unknown>[]>();
  const nonces = new Map<string, { msg: Record<string, unknown>; at: number }>();
  const held = new Set<ServerResponse>();
  const limits = createMessageLimits();
  const dms = createFakeDmChannels();
  const posted = createPostedMessages();
  const sockets = new Set<WebSocket>();
  const native = createChannelNative({
    guildIdOf: (id) => guildOf(id)?.id,
    botId: applicationId,
    nextId,
    postAs: (channelId, body, id) => postMessage(channelId, body, id),
    channelOfMessage: (id) => posted.channelOf(id),
    channelTypes: options.channelTypes ?? {},
    forumTags: options.forumTags ?? {},
  });
  const shardCount = options.shardCount ?? 1;
  /** Which shard each identified session serves, and of how many. */
  const shardOfSocket = new Map<WebSocket, number>();
  let identifiedCount = shardCount;
  const shardOfGuild = (id: string, count = identifiedCount) => Number((BigInt(id) >> 22n) % BigInt(count));
  let seq = 0;

  const holds: { method: string; path: RegExp; arrive: () => void; released: Promise<void> }[] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then(async (raw) => {
      const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname.replace(API_PREFIX, ""));
      const hold = holds.find((h) => h.method === req.method && h.path.test(path));
      if (hold) {
        holds.splice(holds.indexOf(hold), 1);
        hold.arrive();
        await hold.released;
      }
      handle(req, res, raw);
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => onGateway(ws));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  function record(r: RecordedRequest) {
    requests.push(r);
    for (const w of [...waiters]) {
      if (w.match(r)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(r);
      }
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: string) {
    const url = new URL(req.url ?? "/", origin);
    const method = req.method ?? "GET";
    const path = decodeURIComponent(url.pathname.replace(API_PREFIX, ""));
    let body: unknown = undefined;
    if (raw) {
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        body = raw;
      }
    }
    const send = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      record({ method, path, query: url.searchParams, body, authorization: req.headers.authorization, status });
      res.writeHead(status, json === undefined ? headers : { "content-type": "application/json", ...headers });
      res.end(json === undefined ? undefined : JSON.stringify(json));
    };

    const failure = failures.find((f) => f.method === method && f.path.test(path) && f.left > 0);
    if (failure) {
      failure.left--;
      const posting = method === "POST" && /^\/channels\/(\d+)\/messages$/.exec(path);
      const accepting = failure.mode === "accept" || failure.mode === "accept-then-hang";
      if (posting && accepting) postMessage(posting[1]!, (body ?? {}) as Record<string, unknown>);
      // Threads, forum posts, pins, crossposts: done as Discord would, before the failure is answered.
      else if (accepting) native.handle(method, path, body);
      if (failure.mode === "hang" || failure.mode === "accept-then-hang") {
        record({ method, path, query: url.searchParams, body, authorization: req.headers.authorization, status: 0 });
        held.add(res);
        return;
      }
      if (failure.status === 429) {
        const after = failure.retryAfter ?? 0.2;
        return send(
          429,
          { message: "You are being rate limited.", retry_after: after, global: false },
          { "retry-after": String(after), "x-ratelimit-scope": "user", "x-ratelimit-limit": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset-after": String(after) },
        );
      }
      return send(failure.status, { message: failure.message ?? `Injected ${failure.status}`, code: failure.code ?? 0 });
    }

    // Interactions and webhooks are outside Discord's global limit; everything else the bot asks counts.
    const overall = options.enforceLimits && !/^\/(interactions|webhooks)\//.test(path) ? limits.admitRequest() : undefined;
    if (overall?.refused) return send(429, overall.refused, overall.headers);
    let m: RegExpExecArray | null;
    if (method === "GET" && path === "/gateway/bot") {
      return send(200, {
        url: `ws://127.0.0.1:${port}/gateway`,
        shards: shardCount,
        // As for large bots: 16 shards may identify at once (discord.js would otherwise wait 5 s between them).
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 16 },
      });
    }
    if (method === "GET" && path === "/applications/@me") {
      const user = (id: string) => ({ id, username: `user-${id}`, discriminator: "0", global_name: null, avatar: null });
      const team = options.teamMemberIds
        ? {
            id: "600000000000000001",
            name: "Operators",
            icon: null,
            owner_user_id: options.teamMemberIds[0],
            members: options.teamMemberIds.map((id) => ({ user: user(id), team_id: "600000000000000001", membership_state: 2, permissions: ["*"], role: "admin" })),
          }
        : null;
      return send(200, { id: applicationId, name: "digest-bot", icon: null, description: "", bot_public: true, bot_require_code_grant: false, flags: 0, owner: user(team ? "600000000000000001" : ownerId), team, verify_key: "0" });
    }
    if (method === "PUT" && /^\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(path)) {
      const defs = Array.isArray(body) ? (body as Record<string, unknown>[]) : [];
      return send(200, defs.map((d) => ({ ...d, id: nextId(), application_id: applicationId, version: nextId(), type: d.type ?? 1 })));
    }
    if (method === "POST" && (m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path))) {
      return send(204);
    }
    if ((m = /^\/webhooks\/\d+\/([^/]+)(\/messages\/(@original|\d+))?$/.exec(path))) {
      if (method === "PATCH" || method === "POST") {
        return send(200, messageObject(channelIds[0]!, (body ?? {}) as Record<string, unknown>, true));
      }
      if (method === "DELETE") return send(204);
    }
    if (method === "GET" && path === "/users/@me") return send(200, botUser);
    if (method === "POST" && path === "/users/@me/channels") return send(200, dms.open(String((body as { recipient_id?: unknown })?.recipient_id)));
    if (method === "GET" && (m = /^\/channels\/(\d+)\/messages$/.exec(path))) {
      const after = url.searchParams.get("after");
      const limit = Number(url.searchParams.get("limit") ?? 50);
      const list = (objects.get(m[1]!) ?? []).filter((o) => after === null || BigInt(String(o.id)) > BigInt(after));
      // Discord lists newest first.
      return send(200, list.slice(-limit).reverse());
    }
    if (method === "POST" && (m = /^\/channels\/(\d+)\/messages$/.exec(path))) {
      const channelId = m[1]!;
      const b = (body ?? {}) as Record<string, unknown>;
      if (!guildOf(channelId) && !dms.has(channelId)) return send(404, { message: "Unknown Channel", code: 10003 });
      if (native.typeOf(channelId) === 15) return send(400, { message: "Cannot send a message in a forum channel", code: 40058 });
      // Like Discord: a message in an archived (unlocked) thread reopens it.
      if (native.isArchived(channelId)) native.reopen(channelId);
      let headers: Record<string, string> = {};
      if (options.enforceLimits) {
        const verdict = limits.admit(channelId);
        if (verdict.refused) return send(429, verdict.refused, verdict.headers);
        headers = verdict.headers;
      }
      return send(200, postMessage(channelId, b), headers);
    }
    if ((method === "PATCH" || method === "DELETE") && (m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path))) {
      if (native.isArchived(m[1]!)) return send(400, { message: "Thread is archived", code: 50083 });
      const answer = posted.change(method, m[1]!, m[2]!, (body ?? {}) as Record<string, unknown>);
      if (answer.status !== 200) return send(answer.status, answer.json);
      return send(200, { ...messageObject(m[1]!, answer.body!, false), id: m[2]!, edited_timestamp: new Date().toISOString() });
    }
    const nativeAnswer = native.handle(method, path, body);
    if (nativeAnswer) return send(nativeAnswer.status, nativeAnswer.json);
    return send(404, { message: `Fake Discord has no route ${method} ${path}`, code: 0 });
  }

  /** Posts (or, for a repeated nonce within the window, finds) a message; returns what Discord answers. */
  function postMessage(channelId: string, b: Record<string, unknown>, id?: string) {
    const nonce = typeof b.nonce === "string" ? b.nonce : undefined;
    const key = nonce && b.enforce_nonce === true ? `${channelId}:${nonce}` : undefined;
    const earlier = key ? nonces.get(key) : undefined;
    const window = options.nonceWindowMs ?? Number.POSITIVE_INFINITY;
    if (earlier && Date.now() - earlier.at < window) return earlier.msg;
    const msg = messageObject(channelId, b, false, id);
    posted.record(msg.id, channelId, b);
    if (key) nonces.set(key, { msg, at: Date.now() });
    const list = messages.get(channelId) ?? [];
    list.push(b);
    messages.set(channelId, list);
    const objs = objects.get(channelId) ?? [];
    objs.push(msg);
    objects.set(channelId, objs);
    return msg;
  }

  function messageObject(channelId: string, b: Record<string, unknown>, webhook: boolean, id = nextId()) {
    return {
      id,
      channel_id: channelId,
      type: 0,
      author: botUser,
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
      ...(webhook ? { webhook_id: applicationId, application_id: applicationId } : {}),
      ...(typeof b.nonce === "string" ? { nonce: b.nonce } : {}),
    };
  }

  function dispatch(ws: WebSocket, t: string, d: unknown) {
    ws.send(JSON.stringify({ op: 0, t, s: ++seq, d }));
  }

  function onGateway(ws: WebSocket) {
    sockets.add(ws);
    ws.on("close", () => sockets.delete(ws));
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 } }));
    ws.on("message", (data) => {
      const packet = JSON.parse(String(data)) as { op: number; d: unknown };
      if (packet.op === 1) ws.send(JSON.stringify({ op: 11 }));
      if (packet.op === 2) {
        identifies.push(packet.d);
        const [shard, count] = (packet.d as { shard?: [number, number] }).shard ?? [0, 1];
        if (shard >= count) {
          ws.close(4010, "Invalid shard");
          return;
        }
        if (count < shardCount) {
          ws.close(4011, "Sharding required");
          return;
        }
        identifiedCount = count;
        shardOfSocket.set(ws, shard);
        const mine = guilds.filter((g) => shardOfGuild(g.id, count) === shard);
        dispatch(ws, "READY", {
          v: 10,
          user: botUser,
          guilds: mine.map((g) => ({ id: g.id, unavailable: true })),
          session_id: randomUUID(),
          resume_gateway_url: `ws://127.0.0.1:${port}/gateway`,
          application: { id: applicationId, flags: 0 },
          shard: [shard, count],
        });
        for (const g of mine) dispatch(ws, "GUILD_CREATE", guildObject(g.id, g.channelIds, options.channelTypes));
      }
    });
  }

  function interactionPayload(i: InjectedInteraction) {
    const id = nextId();
    const token = `itok-${randomUUID()}`;
    const channelId = i.channelId ?? channelIds[0]!;
    const guildId = guildOf(channelId)?.id ?? options.guildId ?? "800000000000000001";
    const user = { id: i.member?.userId ?? "100000000000000002", username: i.member?.username ?? "reader", discriminator: "0", global_name: null, avatar: null };
    const base = {
      id,
      token,
      application_id: applicationId,
      version: 1,
      guild_id: guildId,
      channel_id: channelId,
      channel: native.channelObject(channelId),
      member: { user, roles: [], permissions: i.member?.permissions ?? "0", joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0, nick: null },
      locale: i.locale ?? "en-US",
      guild_locale: "en-US",
      app_permissions: "2248473465835073",
      entitlements: [],
      authorizing_integration_owners: {},
      context: 0,
      attachment_size_limit: 8_388_608,
    };
    let payload: Record<string, unknown>;
    if (i.kind === "button") {
      payload = {
        ...base,
        type: 3,
        data: { custom_id: i.customId, component_type: 2 },
        message: messageObject(channelId, {}, false),
      };
    } else {
      payload = {
        ...base,
        type: i.kind === "command" ? 2 : 4,
        data: { id: nextId(), name: i.name, type: 1, guild_id: guildId, options: i.options ?? [] },
      };
    }
    return { id, token, payload };
  }

  function interact(i: InjectedInteraction) {
    const { id, token, payload } = interactionPayload(i);
    const shard = shardOfGuild(String(payload.guild_id));
    for (const ws of sockets) if ((shardOfSocket.get(ws) ?? 0) === shard) dispatch(ws, "INTERACTION_CREATE", payload);
    return { id, token };
  }

  return {
    apiBase: `${origin}/api`,
    applicationId,
    guildId,
    requests,
    identifies,
    failNext: (f) => failures.push({ ...f, left: f.times ?? 1 }),
    waitForRequest(match, timeoutMs = 5_000) {
      const found = requests.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (r: RecordedRequest) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          const seen = requests.map((r) => `${r.method} ${r.path} → ${r.status}`).join("\n  ");
          reject(new Error(`fake Discord: no matching request within ${timeoutMs} ms; saw:\n  ${seen}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    interact,
    interactionPayload,
    sessionShards: () => [...sockets].filter((ws) => shardOfSocket.has(ws)).map((ws) => shardOfSocket.get(ws)!),
    channelMessages: (channelId) => messages.get(channelId) ?? [],
    holdNext: (method, path) => {
      let arrive!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ method, path, arrive, released });
      return { arrived, release };
    },
    liveMessages: (channelId) => posted.live(channelId),
    deleteAsAdmin: (channelId, messageId) => posted.deleteAsAdmin(channelId, messageId),
    native,
    get limitViolations() {
      return limits.violations;
    },
    get limitedRequests() { return limits.requests; },
    dms,
    async close() {
      for (const res of held) res.destroy();
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
