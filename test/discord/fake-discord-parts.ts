// Pieces of the fake Discord: the GUILD_CREATE payload, interaction member/option shapes, request body reading.
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
