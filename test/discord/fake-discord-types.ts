// The fake Discord's public shapes: recorded requests, injected failures and interactions, options, the handle tests use.
import type { FakeDmChannels } from "./fake-discord-dm.js";
import type { ChannelNative, FakeForumTag } from "./fake-discord-threads.js";

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
  /**
   * `accept`: the message is posted first, then the failure answered (a 5xx after Discord accepted it);
   * `hang`: no answer at all (not posted); `accept-then-hang`: posted, never answered. Default: just the failure.
   */
  mode?: "accept" | "hang" | "accept-then-hang";
  /** The error body's message; default `Injected <status>` (a proxy may echo request headers here). */
  message?: string;
}

export type { FakeMember, FakeOption } from "./fake-discord-parts.js";
import type { FakeMember, FakeOption } from "./fake-discord-parts.js";

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
  /** How long a nonce de-duplicates (Discord: "a few minutes"); default forever. 0 = never (the window has passed). */
  nonceWindowMs?: number;
  /**
   * Enforce Discord's limits on POST /channels/{id}/messages: 5 per channel per 5 s (sent as X-RateLimit-* headers)
   * and 50 requests/s overall; exceeding answers 429. Default false.
   */
  enforceLimits?: boolean;
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
  /** Channel types by id (0 text, 5 announcement, 15 forum); default text. */
  channelTypes?: Record<string, number>;
  /** A forum channel's `available_tags`. */
  forumTags?: Record<string, FakeForumTag[]>;
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
  /**
   * Holds the next request matching `method` + `path` until `release()`; `arrived` resolves once it came in, so a
   * test can kill the client while it is in flight. After release the fake handles it as usual.
   */
  holdNext(method: string, path: RegExp): { arrived: Promise<void>; release(): void };
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
  /** What a channel shows now: the bot's messages that were not deleted, with their latest (edited) bodies, in order. */
  liveMessages(channelId: string): { id: string; body: Record<string, unknown> }[];
  /** Deletes a message as an admin would: later edits and deletes of it answer 404 Unknown Message (10008). */
  deleteAsAdmin(channelId: string, messageId: string): void;
  /** Threads, forum posts, pins and crossposts the bot made (see fake-discord-threads.ts). */
  native: ChannelNative;
  /** 429s answered because a limit was exceeded (not injected ones). */
  readonly limitViolations: number;
  /** With `enforceLimits`: requests counted in the global 50/s (every request but interactions and webhooks). */
  readonly limitedRequests: number;
  /** DM channels opened with POST /users/@me/channels (their messages: `channelMessages(dms.of(userId))`). */
  readonly dms: FakeDmChannels;
  close(): Promise<void>;
}
