// The fake Discord's gateway: sessions over `ws` (hello, heartbeat, identify per shard, READY, GUILD_CREATE) and interactions sent through them.
import { randomUUID } from "node:crypto";
import type { WebSocket } from "ws";
import { guildObject } from "./fake-discord-parts.js";
import type { ChannelNative } from "./fake-discord-threads.js";
import type { FakeGuild, InjectedInteraction } from "./fake-discord-types.js";

export interface GatewayDeps {
  /** The gateway's own URL (`ws://127.0.0.1:<port>/gateway`), for READY's resume URL. */
  url: string;
  applicationId: string;
  botUser: Record<string, unknown>;
  guilds: FakeGuild[];
  /** The first guild's channels: where an interaction happens when it names none. */
  channelIds: string[];
  defaultGuildId: string;
  channelTypes: Record<string, number> | undefined;
  /** Shards Discord asks for; a session identifying with fewer is closed with 4011 Sharding required. */
  shardCount: number;
  guildOf(channelId: string): FakeGuild | undefined;
  native: ChannelNative;
  nextId(): string;
  messageObject(channelId: string, body: Record<string, unknown>, webhook: boolean): Record<string, unknown>;
}

export interface FakeGateway {
  /** Serves one gateway connection. */
  open(ws: WebSocket): void;
  /** Identify payloads received, in order. */
  identifies: unknown[];
  /** The shard of each identified session that is still open. */
  sessionShards(): number[];
  /** The INTERACTION_CREATE payload of `i`, with its id and token (also for HTTP interactions). */
  interactionPayload(i: InjectedInteraction): { id: string; token: string; payload: Record<string, unknown> };
  /** Sends `i` to the session of the shard its guild is on. */
  interact(i: InjectedInteraction): { id: string; token: string };
  /** Drops every session. */
  close(): void;
}

/**
 * The gateway half of the fake; the REST half answers `GET /gateway/bot` with `url`.
 *
 * @example
 * const gateway = createFakeGateway({ url, applicationId, botUser, guilds, … });
 * wss.handleUpgrade(req, socket, head, (ws) => gateway.open(ws));
 */
export function createFakeGateway(deps: GatewayDeps): FakeGateway {
  const { applicationId, botUser, guilds } = deps;
  const sockets = new Set<WebSocket>();
  const identifies: unknown[] = [];
  /** Which shard each identified session serves. */
  const shardOfSocket = new Map<WebSocket, number>();
  let identifiedCount = deps.shardCount;
  const shardOfGuild = (id: string, count = identifiedCount) => Number((BigInt(id) >> 22n) % BigInt(count));
  let seq = 0;

  const dispatch = (ws: WebSocket, t: string, d: unknown) => ws.send(JSON.stringify({ op: 0, t, s: ++seq, d }));

  function open(ws: WebSocket) {
    sockets.add(ws);
    ws.on("close", () => sockets.delete(ws));
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 } }));
    ws.on("message", (data) => {
      const packet = JSON.parse(String(data)) as { op: number; d: unknown };
      if (packet.op === 1) ws.send(JSON.stringify({ op: 11 }));
      if (packet.op !== 2) return;
      identifies.push(packet.d);
      const [shard, count] = (packet.d as { shard?: [number, number] }).shard ?? [0, 1];
      if (shard >= count) return ws.close(4010, "Invalid shard");
      if (count < deps.shardCount) return ws.close(4011, "Sharding required");
      identifiedCount = count;
      shardOfSocket.set(ws, shard);
      const mine = guilds.filter((g) => shardOfGuild(g.id, count) === shard);
      dispatch(ws, "READY", {
        v: 10,
        user: botUser,
        guilds: mine.map((g) => ({ id: g.id, unavailable: true })),
        session_id: randomUUID(),
        resume_gateway_url: deps.url,
        application: { id: applicationId, flags: 0 },
        shard: [shard, count],
      });
      for (const g of mine) dispatch(ws, "GUILD_CREATE", guildObject(g.id, g.channelIds, deps.channelTypes));
    });
  }

  function interactionPayload(i: InjectedInteraction) {
    const id = deps.nextId();
    const token = `itok-${randomUUID()}`;
    const channelId = i.channelId ?? deps.channelIds[0]!;
    const guildId = deps.guildOf(channelId)?.id ?? deps.defaultGuildId;
    const user = { id: i.member?.userId ?? "100000000000000002", username: i.member?.username ?? "reader", discriminator: "0", global_name: null, avatar: null };
    const base = {
      id,
      token,
      application_id: applicationId,
      version: 1,
      guild_id: guildId,
      channel_id: channelId,
      channel: deps.native.channelObject(channelId),
      member: { user, roles: [], permissions: i.member?.permissions ?? "0", joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0, nick: null },
      locale: i.locale ?? "en-US",
      guild_locale: "en-US",
      app_permissions: "2248473465835073",
      entitlements: [],
      authorizing_integration_owners: {},
      context: 0,
      attachment_size_limit: 8_388_608,
    };
    const payload: Record<string, unknown> =
      i.kind === "button"
        ? { ...base, type: 3, data: { custom_id: i.customId, component_type: 2 }, message: deps.messageObject(channelId, {}, false) }
        : { ...base, type: i.kind === "command" ? 2 : 4, data: { id: deps.nextId(), name: i.name, type: 1, guild_id: guildId, options: i.options ?? [] } };
    return { id, token, payload };
  }

  return {
    open,
    identifies,
    sessionShards: () => [...sockets].filter((ws) => shardOfSocket.has(ws)).map((ws) => shardOfSocket.get(ws)!),
    interactionPayload,
    interact(i) {
      const { id, token, payload } = interactionPayload(i);
      const shard = shardOfGuild(String(payload.guild_id));
      for (const ws of sockets) if ((shardOfSocket.get(ws) ?? 0) === shard) dispatch(ws, "INTERACTION_CREATE", payload);
      return { id, token };
    },
    close() {
      for (const ws of sockets) ws.terminate();
    },
  };
}
