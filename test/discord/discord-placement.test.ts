// The planner's Discord options (header alone in thread/forum mode, silent flag, role ping, placement) and forum tag matching, message ids across threads.
import { describe, expect, it } from "vitest";
import { buildDailyPost } from "../../src/core/summaries.js";
import { planDiscordDailyPost } from "../../src/discord/discord-daily-post.js";
import { decodeMessageId, encodeMessageId, matchForumTags, threadOfFirst } from "../../src/discord/discord-placement.js";
import { expectWithinDiscordLimits, sampleDigest } from "./sample.js";

const post = buildDailyPost(sampleDigest());

describe("planDiscordDailyPost options", () => {
  it("channel mode without options plans as before, with no placement marker", () => {
    const plain = planDiscordDailyPost(post, "en");
    for (const p of plain) expect(p).not.toHaveProperty("digest_placement");
    for (const p of plain) {
      expect(p.flags).toBeUndefined();
      expect(p.content).toBeUndefined();
      expectWithinDiscordLimits(p);
    }
  });

  it("thread and forum mode put the header in a message of its own and mark where each part goes", () => {
    const plain = planDiscordDailyPost(post, "en");
    for (const mode of ["thread", "forum"] as const) {
      const planned = planDiscordDailyPost(post, "en", { mode });
      expect(planned[0]!.embeds).toHaveLength(1);
      expect(planned[0]!.embeds[0]!.title).toBe(plain[0]!.embeds[0]!.title);
      // Every story still goes out exactly once.
      expect(planned.flatMap((p) => p.embeds.slice(p === planned[0] ? 1 : 0)).map((e) => e.description ?? "").join("")).toBe(
        plain.flatMap((p) => p.embeds.slice(p === plain[0] ? 1 : 0)).map((e) => e.description ?? "").join(""),
      );
      expect(planned[1]!.digest_placement).toEqual({ part: 1, parts: planned.length, mode, threadName: "2026-02-18" });
    }
    expect(planDiscordDailyPost(post, "en", { mode: "forum" })[0]!.digest_placement?.sections).toEqual(post.sections.map((s) => s.title));
  });

  it("silent sets SUPPRESS_NOTIFICATIONS on every message; a role ping is on the header only, and only a numeric id", () => {
    const planned = planDiscordDailyPost(post, "en", { silent: true, pingRole: "810000000000000042" });
    for (const p of planned) expect(p.flags).toBe(1 << 12);
    expect(planned[0]).toMatchObject({ content: "<@&810000000000000042>", allowed_mentions: { parse: [], roles: ["810000000000000042"] } });
    for (const p of planned.slice(1)) expectWithinDiscordLimits(p);
    const crafted = planDiscordDailyPost(post, "en", { pingRole: "1> @everyone <@&2" });
    expect(crafted[0]!.content).toBeUndefined();
    expect(crafted[0]!.allowed_mentions).toEqual({ parse: [] });
  });
});

describe("forum tags and message ids", () => {
  it("matches tags loosely, skips moderated ones, at most 5", () => {
    const tags = [
      { id: "1", name: "Models & Capabilities" },
      { id: "2", name: "AGENT" },
      { id: "3", name: "a" },
      { id: "4", name: "安全", moderated: true },
      ...["x1", "x2", "x3", "x4"].map((n) => ({ id: n, name: `section ${n}` })),
    ];
    expect(matchForumTags(tags, ["models-capabilities", "Agent 与工具链", "安全"])).toEqual(["1", "2"]);
    expect(matchForumTags(tags, ["a b c"])).toEqual([]);
    expect(matchForumTags(tags, ["Section x1", "Section x2", "Section x3", "Section x4", "Models", "agent"])).toHaveLength(5);
  });

  it("encodes ids of messages in a thread as <thread>/<message>; plain ids stay in the target", () => {
    expect(encodeMessageId("7", { channelId: "7", messageId: "8" })).toBe("8");
    expect(encodeMessageId("7", { channelId: "9", messageId: "10" })).toBe("9/10");
    expect(decodeMessageId("7", "8")).toEqual({ channelId: "7", messageId: "8" });
    expect(decodeMessageId("7", "9/10")).toEqual({ channelId: "9", messageId: "10" });
    expect(threadOfFirst("7", "8")).toBe("8");
    expect(threadOfFirst("15", "20/20")).toBe("20");
  });
});
