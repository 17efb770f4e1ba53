// The pure reply renderer: what a Discord user sees for each reply, within every limit, never pinging anyone.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Reply, StoryCard } from "../../src/core/reply.js";
import { decodeSearchPage } from "../../src/core/paging.js";
import { toDiscordPayload } from "../../src/discord/discord-render.js";
import { escapeText, escapeToFit } from "../../src/discord/discord-text.js";
import { expectWithinDiscordLimits, sampleCard, sampleDigest, shownText } from "./sample.js";

const EPHEMERAL = 64;

describe("toDiscordPayload: story", () => {
  const digest = sampleDigest();
  const glm = sampleCard(digest, 0, 2);

  it("shows the story as an embed: title, body, links, footer date · section · id, link buttons", () => {
    const payload = toDiscordPayload({ type: "story", story: glm, alsoMatching: [] }, "en");
    expectWithinDiscordLimits(payload);
    expect(payload.flags).toBeUndefined();
    const embed = payload.embeds[0]!;
    expect(embed.title).toBe("GLM‑5 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练");
    expect(embed.description).toContain("Zhipu 发布 GLM‑5 技术报告");
    expect(embed.footer?.text).toBe("2026-02-18 · 模型与能力 · 20260218-1-3");
    expect(embed.fields?.[0]?.name).toBe("Links");
    expect(embed.fields?.[0]?.value).toContain("(https://arxiv.org/abs/2602.15763)");
    const buttons = payload.components.flatMap((r) => r.components) as { label: string; url: string; style: number }[];
    expect(buttons.map((b) => b.url)).toEqual(glm.links.map((l) => l.url));
    expect(buttons.every((b) => b.style === 5)).toBe(true);
  });

  it("labels in Chinese for zh and lists also-matching stories with their ids", () => {
    const other = sampleCard(digest, 0, 0);
    const payload = toDiscordPayload({ type: "story", story: glm, alsoMatching: [other] }, "zh");
    const fields = payload.embeds[0]!.fields!;
    expect(fields.map((f) => f.name)).toEqual(["相关链接", "其他匹配"]);
    expect(fields[1]!.value).toContain("`20260218-1-1`");
  });

  it("cuts an oversized story to the limits and drops non-http(s) links", () => {
    const huge: StoryCard = {
      ...glm,
      title: "T".repeat(400),
      text: "很长的句子。".repeat(3000),
      links: [
        { label: "evil", url: "javascript:alert(1)" },
        { label: "ftp", url: "ftp://example.com/x" },
        ...Array.from({ length: 40 }, (_, i) => ({ label: `L${i} `.repeat(40), url: `https://example.com/${i}` })),
      ],
    };
    const payload = toDiscordPayload({ type: "story", story: huge, alsoMatching: [] }, "en");
    expectWithinDiscordLimits(payload);
    expect(payload.embeds[0]!.title!.endsWith("…")).toBe(true);
    expect(payload.embeds[0]!.description!.endsWith("…")).toBe(true);
    expect(payload.components.flatMap((r) => r.components)).toHaveLength(25);
    expect(shownText(payload)).not.toMatch(/javascript:|ftp:/);
  });

  it("links and buttons only for plain http(s) URLs: no credentials disguise, no scheme tricks, normalized", () => {
    const links = [
      { label: "disguised", url: "https://www.anthropic.com@evil.example/login" },
      { label: "creds", url: "https://user:pass@example.com/" },
      { label: "relative", url: "//evil.example/x" },
      { label: "tabbed", url: " java\tscript:alert(1)" },
      { label: "data", url: "data:text/html,<script>alert(1)</script>" },
      { label: "upper", url: "HTTPS://Example.COM/a b(c)" },
      { label: "backslash", url: "https://evil.example\\@good.example/" },
    ];
    const payload = toDiscordPayload({ type: "story", story: { ...glm, links }, alsoMatching: [] }, "en");
    expectWithinDiscordLimits(payload);
    const buttons = payload.components.flatMap((r) => r.components) as { label: string; url: string }[];
    expect(buttons.map((b) => [b.label, b.url])).toEqual([
      ["upper", "https://example.com/a%20b%28c%29"],
      ["backslash", "https://evil.example/@good.example/"],
    ]);
    const field = payload.embeds[0]!.fields![0]!.value;
    expect(field).toContain("• disguised\n• creds\n• relative\n• tabbed\n• data\n");
    expect(shownText(payload)).not.toMatch(/anthropic\.com@|user:pass|\]\(\/\/|javascript|data:/);
  });
});

describe("toDiscordPayload: digest text is inert", () => {
  const card = (text: string, title = "Title"): Reply => ({
    type: "story",
    story: { id: "20260218-1-1", date: "2026-02-18", section: "S", title, body: text, text, links: [] },
    alsoMatching: [],
  });

  it("an @everyone, @here or <@id> in a digest neither pings nor renders as a mention", () => {
    const payload = toDiscordPayload(card("快看 @everyone 和 @here，还有 <@123456789012345678> 与 <@&42> <#7>", "@everyone 标题"), "zh");
    expect(payload.allowed_mentions).toEqual({ parse: [] });
    const text = shownText(payload);
    expect(text).not.toMatch(/@everyone|@here|<@\d|<@&|<#/);
    expect(text).toContain("@\u200beveryone");
  });

  it("Markdown in digest text is shown literally", () => {
    const payload = toDiscordPayload(card("**粗体** _斜体_ `code` ~~删~~ ||剧透|| [假链接](https://evil.example)\n> 引用\n# 标题"), "zh");
    const d = payload.embeds[0]!.description!;
    expect(d).toContain("\\*\\*粗体\\*\\*");
    expect(d).toContain("\\`code\\`");
    expect(d).toContain("\\[假链接]");
    expect(d).toContain("\\> 引用");
    expect(d).toContain("\\# 标题");
  });

  it("no [label](url) in digest text becomes a disguised link: not the second on a line, not one across a long text", () => {
    /** Opening brackets Discord would still read: not preceded by an escaping backslash. */
    const liveBrackets = (s: string) => s.match(/(?<!\\)(?:\\\\)*\[/g) ?? [];
    const two = escapeText("官方 [arXiv](https://arxiv.org/abs/1) 与 [点这里](https://evil.example/login)");
    expect(two).toBe("官方 \\[arXiv](https://arxiv.org/abs/1) 与 \\[点这里](https://evil.example/login)");
    // Long texts are escaped in chunks cut at spaces; a link with a space in its label once straddled a cut.
    for (let pad = 150; pad <= 260; pad++) {
      expect(liveBrackets(escapeText(`${"x".repeat(pad)} [click here to log in](https://evil.example) tail`))).toEqual([]);
    }
    const piece = fc.constantFrom("[a b](https://evil.example)", "[", "]", "(", ")", "\\", " ", "链", "x", "**", "\n");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 300 }), (pieces) => {
        expect(liveBrackets(escapeText(pieces.join("")))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("escaping never leaves a dangling escape or half a surrogate pair at a cut", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 400 }), fc.integer({ min: 2, max: 300 }), (text, max) => {
        const out = escapeToFit(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        if (escapeText(text).length <= max) expect(out).toBe(escapeText(text));
        else expect(out.endsWith("…")).toBe(true);
        expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
        expect(out).not.toMatch(/(^|[^\\])(\\\\)*\\…$/);
      }),
    );
  });
});

describe("toDiscordPayload: other replies", () => {
  it("errors and admin refusals are ephemeral; notices are public unless asked", () => {
    const refusal = toDiscordPayload({ type: "error", code: "not-admin", message: "Only admins can use /repost.", hint: "Ask an admin." }, "en");
    expect(refusal.flags).toBe(EPHEMERAL);
    expect(refusal.embeds[0]!.description).toBe("Only admins can use /repost.\nAsk an admin.");
    const notice: Reply = { type: "notice", tone: "success", text: "Subscribed" };
    expect(toDiscordPayload(notice, "en").flags).toBeUndefined();
    expect(toDiscordPayload(notice, "en", { ephemeral: true }).flags).toBe(EPHEMERAL);
  });

  it("numbers results across pages and shows the page in the footer", () => {
    const hits = Array.from({ length: 3 }, (_, i) => ({ id: `20260218-1-${i + 1}`, date: "2026-02-18", section: "模型", title: `Story ${i + 1}` }));
    const payload = toDiscordPayload({ type: "results", query: "model", filters: {}, hits, page: 3, pageCount: 3, total: 23 }, "en");
    expect(payload.embeds[0]!.title).toBe("Results for “model” (23 in all)");
    expect(payload.embeds[0]!.description!.split("\n")[0]).toBe("21. **Story 1**");
    expect(payload.embeds[0]!.footer?.text).toBe("Page 3/3");
  });

  it("pages results with ◀ Previous / Next ▶ buttons carrying the query, filters and page", () => {
    const hits = [{ id: "20260218-4-1", date: "2026-02-18", section: "政策、治理与安全", title: "Story" }];
    const reply: Reply = { type: "results", query: "agent | model", filters: { section: "政策、治理与安全", date: "2026-02-18" }, hits, page: 2, pageCount: 3, total: 21 };
    const buttons = toDiscordPayload(reply, "en").components.flatMap((r) => r.components) as { label: string; custom_id: string; style: number }[];
    expect(buttons.map((b) => b.label)).toEqual(["◀ Previous", "Next ▶"]);
    expect(buttons.map((b) => decodeSearchPage(b.custom_id))).toEqual([
      { query: "agent | model", section: "政策、治理与安全", date: "2026-02-18", page: 1 },
      { query: "agent | model", section: "政策、治理与安全", date: "2026-02-18", page: 3 },
    ]);
    expect(toDiscordPayload({ ...reply, page: 1 }, "zh").components.flatMap((r) => r.components).map((b) => (b as { label: string }).label)).toEqual(["下一页 ▶"]);
    expect(toDiscordPayload({ ...reply, page: 1, pageCount: 1, total: 1 }, "en").components).toEqual([]);
  });

  it("a query too long for a 100-character custom id gets its buttons from the searchPage option, or none", () => {
    const hits = [{ id: "20260218-1-1", date: "2026-02-18", section: "模型", title: "Story" }];
    const reply: Reply = { type: "results", query: "x".repeat(95), filters: {}, hits, page: 1, pageCount: 2, total: 11 };
    expect(toDiscordPayload(reply, "en").components).toEqual([]);
    const asked: unknown[] = [];
    const withKeys = toDiscordPayload(reply, "en", { searchPage: (r) => (asked.push(r), "S|key1") });
    expect(asked).toEqual([{ query: "x".repeat(95), page: 2 }]);
    expect(withKeys.components.flatMap((r) => r.components)).toMatchObject([{ custom_id: "S|key1", label: "Next ▶" }]);
  });

  it("counts stories in the UI language (1 story) and words the last delivery's result (已发送)", () => {
    const sections = toDiscordPayload({ type: "sections", date: "2026-02-18", sections: [{ title: "A", storyCount: 1 }, { title: "B", storyCount: 4 }] }, "en");
    expect(sections.embeds[0]!.description).toBe("1. A — 1 story\n2. B — 4 stories");
    const status = toDiscordPayload(
      {
        type: "status",
        digests: { count: 1, latest: "2026-02-18" },
        targets: [{ platform: "discord", targetId: "7", enabled: true, cron: "0 9 * * *", timezone: "UTC", lastDelivery: { date: "2026-02-18", status: "sent", at: "2026-02-18T01:00:00Z" } }],
      },
      "zh",
    );
    expect(status.embeds[0]!.fields![0]!.value).toContain("2026-02-18 · 已发送 ·");
  });

  it("shows a target's delivery options in /status with the role as a bare id and keywords unable to ping (#13)", () => {
    const status = toDiscordPayload(
      {
        type: "status",
        digests: { count: 1, latest: "2026-02-18" },
        targets: [{ platform: "discord", targetId: "7", enabled: true, cron: "0 9 * * *", timezone: "UTC", options: { mode: "thread", pingRole: "323456789012", keywords: ["@everyone"] } }],
      },
      "en",
    );
    const value = status.embeds[0]!.fields![0]!.value;
    expect(value).toContain("Options: thread mode; pings role 323456789012; only stories matching ");
    expect(value).not.toContain("@everyone");
    expect(value).not.toContain("<@&");
  });

  it("keeps a target's pin failure and nothing-matched day in /status with 20 keywords of 100 characters (field limit 1024)", () => {
    const keywords = Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(100, "k"));
    const status = toDiscordPayload(
      {
        type: "status",
        digests: { count: 1, latest: "2026-02-18" },
        targets: [
          {
            platform: "discord",
            targetId: "7",
            enabled: true,
            cron: "0 9 * * *",
            timezone: "UTC",
            options: { pin: true, keywords },
            lastDelivery: { date: "2026-02-18", status: "skipped", at: "2026-02-18T09:00:00Z", pinError: "403 Missing Permissions" },
            nothingMatched: { date: "2026-02-18", keywords },
          },
        ],
      },
      "en",
    );
    const value = status.embeds[0]!.fields![0]!.value;
    expect(value.length).toBeLessThanOrEqual(1024);
    expect(value).toContain(`only stories matching ${keywords[0]}, ${keywords[1]}… (20 in all)`);
    expect(value).toContain("not pinned: 403 Missing Permissions");
    expect(value).toContain(`no story of 2026-02-18 matched the keywords (${keywords[0]}, ${keywords[1]}… (20 in all)); nothing was sent that day`);
  });

  it("lists pending reposts and manual deliveries in /status, with the platform's error text unable to ping", () => {
    const status = toDiscordPayload(
      {
        type: "status",
        digests: { count: 1, latest: "2026-02-18" },
        targets: [],
        pending: [{ runId: "r20260218-1", kind: "repost", date: "2026-02-18", platform: "discord", targetId: "7", open: 2, parts: 2, createdAt: "2026-02-18T01:00:00Z", error: "@everyone 500" }],
      },
      "en",
    );
    const description = status.embeds[0]!.description!;
    expect(description).toContain("**Pending reposts and manual deliveries (cancel with digest-bot pending --cancel)**\nr20260218-1 · repost · 2026-02-18 → discord:7 · 2/2 messages left");
    expect(description).not.toContain("@everyone");
  });

  it("a section summary gets one Full story button per story", () => {
    const digest = sampleDigest();
    const section = digest.sections[1]!;
    const summary = {
      index: 1,
      title: section.title,
      stories: section.stories.map((s) => ({ id: s.id, title: s.title, summary: s.text.slice(0, 100) })),
    };
    const payload = toDiscordPayload({ type: "section-summary", date: digest.date, summary }, "zh");
    expectWithinDiscordLimits(payload);
    const ids = payload.components.flatMap((r) => r.components).map((b) => (b as { custom_id: string }).custom_id);
    expect(ids).toEqual(section.stories.map((s) => `digest-bot:story:${s.id}`));
  });

  it("every reply of random content stays within Discord's limits", () => {
    const text = fc.string({ unit: "grapheme", maxLength: 1500 });
    const hit = fc.record({ id: fc.constant("20260218-1-1"), date: fc.constant("2026-02-18"), section: text, title: text });
    const link = fc.record({ label: text, url: fc.oneof(fc.webUrl(), fc.string()) });
    const reply: fc.Arbitrary<Reply> = fc.oneof(
      fc.record({ type: fc.constant("story" as const), story: fc.record({ id: fc.constant("20260218-1-1"), date: fc.constant("2026-02-18"), section: text, title: text, body: text, text, links: fc.array(link, { maxLength: 30 }) }), alsoMatching: fc.array(hit, { maxLength: 30 }) }),
      fc.record({ type: fc.constant("links" as const), story: hit, links: fc.array(link, { maxLength: 30 }) }),
      fc.record({ type: fc.constant("digest-overview" as const), date: fc.constant("2026-02-18"), sections: fc.array(fc.record({ title: text, stories: fc.array(hit, { maxLength: 20 }) }), { maxLength: 30 }) }),
      fc.record({ type: fc.constant("notice" as const), tone: fc.constant("info" as const), text }),
    );
    fc.assert(
      fc.property(reply, (r) => {
        expectWithinDiscordLimits(toDiscordPayload(r, "en"));
      }),
      { numRuns: 40 },
    );
  });
});

describe("a story without spaces", () => {
  // How its rendering cost grows with its length (linear escaping, only what fits escaped) is measured by
  // bench/render-bench.ts ("growth" rows), not here.
  it("of 256 KB renders as one of 64 KB does (only what fits is shown), within Discord's limits, cut with …", () => {
    const card = (n: number): StoryCard => ({ ...sampleCard(sampleDigest(), 0, 0), body: "x".repeat(n), text: "x".repeat(n) });
    const payload = toDiscordPayload({ type: "story", story: card(256 * 1024), alsoMatching: [] }, "en");
    expect(payload).toEqual(toDiscordPayload({ type: "story", story: card(64 * 1024), alsoMatching: [] }, "en"));
    expectWithinDiscordLimits(payload);
    expect(payload.embeds[0]!.description!.endsWith("…")).toBe(true);
  });
});
