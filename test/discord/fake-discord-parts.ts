// Pieces of the fake Discord: the GUILD_CREATE payload, interaction member/option shapes, request body reading, message rate limits.
import type { IncomingMessage } from "node:http";

/** The guild the fake announces after IDENTIFY. */
export function guildObject(guildId: string, channelIds: string[], types: Readonly<Record<string, number>> = {}) {
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
    channels: channelIds.map((id, i) => ({ id, type: types[id] ?? 0, name: `news-${i + 1}`, guild_id: guildId, position: i, permission_overwrites: [] })),
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

/** The whole request body as text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Discord's limits as the fake enforces them: 50 requests/s overall (every request of the bot, as Discord counts its
 * global limit; interactions and webhooks aside) and, on POST /channels/{id}/messages, 5 per channel per 5 s (sent as
 * X-RateLimit-* headers); past them a 429 body and headers.
 */
export function createMessageLimits() {
  const globalLog: number[] = [];
  const channelLog = new Map<string, number[]>();
  const stats = { violations: 0, requests: 0 };
  const refuse = (after: number, global: boolean) => {
    stats.violations++;
    return {
      refused: { message: "You are being rate limited.", retry_after: after, global },
      headers: { "retry-after": String(after), "x-ratelimit-scope": "user", ...(global ? { "x-ratelimit-global": "true" } : {}) },
    };
  };
  return {
    get violations() {
      return stats.violations;
    },
    /** Requests counted in the global limit (admitted or not). */
    get requests() {
      return stats.requests;
    },
    /** Any request of the bot: the global 50/s. */
    admitRequest(): { refused?: Record<string, unknown>; headers: Record<string, string> } {
      const now = Date.now();
      stats.requests++;
      if (globalLog.filter((t) => t > now - 1000).length >= 50) return refuse(1, true);
      globalLog.push(now);
      if (globalLog.length > 100) globalLog.splice(0, globalLog.length - 100);
      return { headers: {} };
    },
    /** A message post (already admitted by {@link admitRequest}): the channel's 5 per 5 s. */
    admit(channelId: string): { refused?: Record<string, unknown>; headers: Record<string, string> } {
      const now = Date.now();
      const recent = (channelLog.get(channelId) ?? []).filter((t) => t > now - 5000);
      if (recent.length >= 5) return refuse((recent[0]! + 5000 - now) / 1000, false);
      recent.push(now);
      channelLog.set(channelId, recent);
      return {
        headers: {
          "x-ratelimit-limit": "5",
          "x-ratelimit-remaining": String(5 - recent.length),
          "x-ratelimit-reset-after": String((recent[0]! + 5000 - now) / 1000),
          "x-ratelimit-bucket": "channel-messages",
        },
      };
    },
  };
}
