// A small fake Discord on 127.0.0.1 (REST over node:http + a `ws` gateway) so tests drive the real discord.js client.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";

/** One REST request the client made, as the fake received it. */
export interface RecordedRequest {
  method: string;
  /** Path below the API version, decoded, e.g. `/channels/123/messages` or `/webhooks/1/tok/messages/@original`. */
  path: string;
  query: URLSearchParams;
  body: unknown;
  /** Authorization header as sent (tests assert the token travels only here). */
  authorization: string | undefined;
  status: number;
}

/** A canned failure for the next request matching `method` + `path`. */
export interface InjectedFailure {
  method: string;
  path: RegExp;
  status: number;
  /** For 429: seconds to wait, sent as `Retry-After` and `retry_after`. */
  retryAfter?: number;
  /** Discord JSON error code, e.g. 50013 Missing Permissions. */
  code?: number;
  /** How many matching requests fail; default 1. */
  times?: number;
  /** The error body's message; default `Injected <status>` (a proxy may echo request headers here). */
  message?: string;
}

export interface FakeMember {
  userId?: string;
  username?: string;
  /** Permission bit set as a decimal string (e.g. "32" = Manage Server); default "0". */
  permissions?: string;
}

export interface FakeOption {
  name: string;
  /** 3 string, 4 integer, 5 boolean. */
  type: number;
  value: string | number | boolean;
  focused?: boolean;
}

/** `channelId` defaults to the first guild's first channel; the interaction's guild is the channel's. */
export type InjectedInteraction =
  | { kind: "command"; name: string; options?: FakeOption[]; member?: FakeMember; channelId?: string; locale?: string }
  | { kind: "autocomplete"; name: string; options: FakeOption[]; member?: FakeMember; channelId?: string; locale?: string }
  | { kind: "button"; customId: string; member?: FakeMember; channelId?: string; locale?: string };

/** A further server the bot is in (a second tenant), with its own channels. */
export interface FakeGuild {
  id: string;
  channelIds: string[];
}

export interface FakeDiscordOptions {
  guildId?: string;
  channelIds?: string[];
  applicationId?: string;
  /** More servers the bot is in. */
  extraGuilds?: FakeGuild[];
  /** The application's owner, as `GET /applications/@me` reports it; default user 100000000000000001. */
  ownerId?: string;
  /** When set, the application belongs to a team with these members (and `owner` is the team's pseudo-user). */
  teamMemberIds?: string[];
  /**
   * Shards `GET /gateway/bot` recommends and the fewest it accepts (default 1; fewer → close 4011 Sharding required,
   * as on Discord). Each server is on shard `(id >> 22) % count` of the count the sessions identified with.
   */
  shardCount?: number;
}

export interface FakeDiscord {
  /** REST base to pass as `DISCORD_API_BASE` (`http://127.0.0.1:<port>/api`). */
  apiBase: string;
  applicationId: string;
  guildId: string;
  /** Every REST request, in order. */
  requests: RecordedRequest[];
  /** The IDENTIFY payloads received on the gateway. */
  identifies: unknown[];
  failNext(failure: InjectedFailure): void;
  /** Resolves with the first request (already made or future) matching the predicate. */
  waitForRequest(match: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  /** Sends INTERACTION_CREATE to the gateway session of the interaction's server's shard; returns its id and token. */
  interact(interaction: InjectedInteraction): { id: string; token: string };
  /** The raw interaction payload Discord would send (to POST it to an HTTP interactions endpoint), not dispatched. */
  interactionPayload(interaction: InjectedInteraction): { id: string; token: string; payload: Record<string, unknown> };
  /** Shard id of each open gateway session, in the order they identified. */
  sessionShards(): number[];
  /** Messages posted to a channel (bodies), in order, after nonce de-duplication. */
  channelMessages(channelId: string): unknown[];
  close(): Promise<void>;
}

const API_PREFIX = /^\/api\/v\d+/;
let snowflake = 1_400_000_000_000_000_000n;
const nextId = () => String(++snowflake);

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
  const guildOf = (channelId: string) => guilds.find((g) => g.channelIds.includes(channelId));
  const ownerId = options.ownerId ?? "100000000000000001";
  const botUser = { id: applicationId, username: "digest-bot", discriminator: "0", global_name: null, avatar: null, bot: true };
  const requests: RecordedRequest[] = [];
  const identifies: unknown[] = [];
  const failures: (InjectedFailure & { left: number })[] = [];
  const waiters: { match: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }[] = [];
  const messages = new Map<string, Record<string, unknown>[]>();
  const nonces = new Map<string, Record<string, unknown>>();
  const sockets = new Set<WebSocket>();
  const shardCount = options.shardCount ?? 1;
  /** Which shard each identified session serves, and of how many. */
  const shardOfSocket = new Map<WebSocket, number>();
  let identifiedCount = shardCount;
  const shardOfGuild = (id: string, count = identifiedCount) => Number((BigInt(id) >> 22n) % BigInt(count));
  let seq = 0;

  const server: Server = createServer((req, res) => {
    void readBody(req).then((raw) => handle(req, res, raw));
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
    if (method === "POST" && (m = /^\/channels\/(\d+)\/messages$/.exec(path))) {
      const channelId = m[1]!;
      const b = (body ?? {}) as Record<string, unknown>;
      if (!guildOf(channelId)) return send(404, { message: "Unknown Channel", code: 10003 });
      const nonce = typeof b.nonce === "string" ? b.nonce : undefined;
      const key = nonce && b.enforce_nonce === true ? `${channelId}:${nonce}` : undefined;
      const earlier = key ? nonces.get(key) : undefined;
      if (earlier) return send(200, earlier);
      const msg = messageObject(channelId, b, false);
      if (key) nonces.set(key, msg);
      const list = messages.get(channelId) ?? [];
      list.push(b);
      messages.set(channelId, list);
      return send(200, msg);
    }
    return send(404, { message: `Fake Discord has no route ${method} ${path}`, code: 0 });
  }

  function messageObject(channelId: string, b: Record<string, unknown>, webhook: boolean) {
    return {
      id: nextId(),
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
        for (const g of mine) dispatch(ws, "GUILD_CREATE", guildObject(g));
      }
    });
  }

  function guildObject(guild: FakeGuild) {
    const { id: guildId, channelIds } = guild;
    return {
      id: guildId,
      name: "Fake Guild",
      icon: null,
      owner_id: "100000000000000001",
      unavailable: false,
      member_count: 2,
      large: false,
      features: [],
      emojis: [],
      stickers: [],
      roles: [{ id: guildId, name: "@everyone", permissions: "1024", position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
      channels: channelIds.map((id, i) => ({ id, type: 0, name: `news-${i + 1}`, guild_id: guildId, position: i, permission_overwrites: [] })),
      threads: [],
      members: [],
      voice_states: [],
      presences: [],
      joined_at: new Date().toISOString(),
      preferred_locale: "en-US",
      system_channel_flags: 0,
      premium_tier: 0,
      nsfw_level: 0,
      verification_level: 0,
      mfa_level: 0,
      explicit_content_filter: 0,
      default_message_notifications: 0,
    };
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
      channel: { id: channelId, type: 0, guild_id: guildId, name: "news", position: 0, permission_overwrites: [] },
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
    async close() {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
