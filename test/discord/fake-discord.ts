// A small fake Discord on 127.0.0.1 (REST over node:http + a `ws` gateway) so tests drive the real discord.js client; here: the server, faults and holds.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { createChannelMessages, createPostedMessages } from "./fake-discord-messages.js";
import { createFakeDmChannels } from "./fake-discord-dm.js";
import { createFakeGateway } from "./fake-discord-gateway.js";
import { createMessageLimits, readBody } from "./fake-discord-parts.js";
import { createRestRoutes } from "./fake-discord-rest.js";
import { createChannelNative } from "./fake-discord-threads.js";
import type { FakeDiscord, FakeDiscordOptions, FakeGuild, InjectedFailure, RecordedRequest } from "./fake-discord-types.js";

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
  const failures: (InjectedFailure & { left: number })[] = [];
  const waiters: { match: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }[] = [];
  const held = new Set<ServerResponse>();
  const limits = createMessageLimits();
  const dms = createFakeDmChannels();
  const posted = createPostedMessages();
  const messages = createChannelMessages({ applicationId, botUser, nextId, nonceWindowMs: options.nonceWindowMs, posted });
  const native = createChannelNative({
    guildIdOf: (id) => guildOf(id)?.id,
    botId: applicationId,
    nextId,
    postAs: (channelId, body, id) => messages.post(channelId, body, id),
    channelOfMessage: (id) => posted.channelOf(id),
    channelTypes: options.channelTypes ?? {},
    forumTags: options.forumTags ?? {},
  });

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
    wss.handleUpgrade(req, socket, head, (ws) => gateway.open(ws));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
  const gateway = createFakeGateway({
    url: gatewayUrl,
    applicationId,
    botUser,
    guilds,
    channelIds,
    defaultGuildId: guildId,
    channelTypes: options.channelTypes,
    shardCount: options.shardCount ?? 1,
    guildOf,
    native,
    nextId,
    messageObject: (channelId, body, webhook) => messages.messageObject(channelId, body, webhook),
  });
  const route = createRestRoutes({ options, gatewayUrl, applicationId, ownerId, botUser, channelIds, guildOf, messages, posted, native, dms, limits, nextId });

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
      if (posting && accepting) messages.post(posting[1]!, (body ?? {}) as Record<string, unknown>);
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
    const answer = route(method, path, url.searchParams, body);
    return send(answer.status, answer.json, answer.headers);
  }

  return {
    apiBase: `${origin}/api`,
    applicationId,
    guildId,
    requests,
    identifies: gateway.identifies,
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
    interact: gateway.interact,
    interactionPayload: gateway.interactionPayload,
    sessionShards: gateway.sessionShards,
    channelMessages: messages.bodiesOf,
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
    get limitedRequests() {
      return limits.requests;
    },
    dms,
    async close() {
      for (const res of held) res.destroy();
      gateway.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
