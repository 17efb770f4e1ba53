// Discord payloads from hostile digests: embed URLs within Discord's limit, no lone surrogate or NUL gets out.
import { describe, expect, it } from "vitest";
import { parseDigest } from "../../src/core/digest/parse-digest.js";
import type { StoryCard } from "../../src/core/reply.js";
import { buildDailyPost } from "../../src/core/summaries.js";
import { planDiscordDailyPost } from "../../src/discord/discord-daily-post.js";
import { toDiscordPayload } from "../../src/discord/discord-render.js";
import { DISCORD_EMBED_URL_LIMIT } from "../../src/discord/discord-text.js";

const LONE_OR_NUL = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/;
const card = (over: Partial<StoryCard>): StoryCard => ({ id: "20260302-1-1", date: "2026-03-02", section: "S", title: "T", body: "B", text: "B", links: [], ...over });

describe("Discord embed URL", () => {
  it(`is set for a normal link and left out above ${DISCORD_EMBED_URL_LIMIT} characters`, () => {
    const short = toDiscordPayload({ type: "story", story: card({ links: [{ label: "a", url: "https://example.com/a" }] }), alsoMatching: [] }, "en");
    expect(short.embeds[0]!.url).toBe("https://example.com/a");
    const longUrl = `https://example.com/${"a".repeat(DISCORD_EMBED_URL_LIMIT)}`;
    const long = toDiscordPayload({ type: "story", story: card({ links: [{ label: "a", url: longUrl }] }), alsoMatching: [] }, "en");
    expect(long.embeds[0]!.url).toBeUndefined();
  });
});

describe("lone surrogates and NUL", () => {
  it("never reach a reply or a daily post", () => {
    const hostile = "A\uD800B\u0000C\uDC00";
    const payload = toDiscordPayload({ type: "story", story: card({ title: hostile, text: hostile, section: hostile, links: [{ label: hostile, url: "https://example.com/a" }] }), alsoMatching: [] }, "en");
    expect(payload.embeds[0]!.title).toBe("A\uFFFDBC\uFFFD");
    expect(LONE_OR_NUL.test(JSON.stringify(payload))).toBe(false);
    const { digest } = parseDigest('---\ndate: 2026-03-02\ntitle: "T\\ud800\\0"\n---\n\n## S\n\n### Story\n\nBody.\n', "2026-03-02.md");
    // The reader already cleans front-matter escapes; the renderer must clean them too, whoever built the post.
    expect(LONE_OR_NUL.test(buildDailyPost(digest).title ?? "")).toBe(false);
    const post = { ...buildDailyPost(digest), title: "T\uD800\u0000" };
    for (const m of planDiscordDailyPost(post, "en")) expect(LONE_OR_NUL.test(JSON.stringify(m))).toBe(false);
  });
});
