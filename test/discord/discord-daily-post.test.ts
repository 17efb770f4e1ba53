// Daily posts planned as Discord messages: every story once, in order, with its Full story button, within every limit.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildDailyPost, type DailyPost } from "../../src/core/summaries.js";
import { planDiscordDailyPost } from "../../src/discord/discord-daily-post.js";
import type { DiscordMessagePayload } from "../../src/discord/discord-render.js";
import { expectWithinDiscordLimits, sampleDigest, shownText } from "./sample.js";

function buttonsOf(messages: DiscordMessagePayload[]) {
  return messages.flatMap((m) => m.components.flatMap((r) => r.components)) as { custom_id: string; label: string }[];
}

/** Story ids in the order they are shown (each story line ends with its id in backticks). */
function shownIds(messages: DiscordMessagePayload[]): string[] {
  return messages.flatMap((m) => m.embeds.flatMap((e) => [...(e.description ?? "").matchAll(/`(\d{8}-\d+-\d+)`/g)].map((x) => x[1]!)));
}

describe("planDiscordDailyPost", () => {
  const digest = sampleDigest();

  it("packs the sample into few messages within every Discord limit, every story once, in order", () => {
    const post = buildDailyPost(digest);
    const messages = planDiscordDailyPost(post, "zh");
    expect(messages.length).toBeLessThanOrEqual(2);
    for (const m of messages) expectWithinDiscordLimits(m);
    const ids = digest.sections.flatMap((s) => s.stories.map((st) => st.id));
    expect(shownIds(messages)).toEqual(ids);
    expect(buttonsOf(messages).map((b) => b.custom_id)).toEqual(ids.map((id) => `digest-bot:story:${id}`));
    expect(buttonsOf(messages)[0]!.label).toBe(`全文 · ${digest.sections[0]!.stories[0]!.title}`);
  });

  it("starts with a header listing every section and its story count, then one embed per section", () => {
    const messages = planDiscordDailyPost(buildDailyPost(digest), "en");
    const header = messages[0]!.embeds[0]!;
    expect(header.title).toBe("AI digest · 2026-02-18");
    expect(header.description!.split("\n")).toEqual(digest.sections.map((s, i) => `${i + 1}. ${s.title} — ${s.stories.length} stories`));
    const sectionTitles = messages.flatMap((m) => m.embeds.slice(0).map((e) => e.title)).filter((t) => t && !t.startsWith("AI digest"));
    expect(sectionTitles).toEqual(digest.sections.map((s, i) => `${i + 1} · ${s.title}`));
    expect(messages.at(-1)!.embeds.at(-1)!.footer?.text).toBe(messages.length > 1 ? `2026-02-18 · ${messages.length}/${messages.length}` : "2026-02-18");
  });

  it("a section filter carries only that section, but the header still lists all", () => {
    const messages = planDiscordDailyPost(buildDailyPost(digest, [2]), "zh");
    expect(messages).toHaveLength(1);
    expect(shownIds(messages)).toEqual(digest.sections[2]!.stories.map((s) => s.id));
    expect(messages[0]!.embeds[0]!.description!.split("\n")).toHaveLength(digest.sections.length);
  });

  it("an @everyone in a digest never pings and Markdown in it stays literal", () => {
    const post = buildDailyPost(digest);
    const first = post.sections[0]!.stories[0]!;
    first.title = "@everyone **免费** <@&1234>";
    first.summary = "点这里 @here [钓鱼](https://evil.example) `x`";
    const messages = planDiscordDailyPost(post, "zh");
    const text = messages.map(shownText).join("\n");
    expect(text).not.toMatch(/@everyone|@here|<@&/);
    expect(text).toContain("\\*\\*免费\\*\\*");
    expect(text).toContain("\\[钓鱼]");
    for (const m of messages) expect(m.allowed_mentions).toEqual({ parse: [] });
  });

  it("splits a story only when it alone exceeds a message, keeping one button per story", () => {
    const post: DailyPost = {
      date: "2026-03-01",
      header: [{ title: "巨大", storyCount: 3 }],
      sections: [
        {
          index: 0,
          title: "巨大",
          stories: [
            { id: "20260301-1-1", title: "小", summary: "短。" },
            { id: "20260301-1-2", title: "大", summary: "这是一句很长的话。".repeat(1200) },
            { id: "20260301-1-3", title: "又小", summary: "短。" },
          ],
        },
      ],
    };
    const messages = planDiscordDailyPost(post, "zh");
    for (const m of messages) expectWithinDiscordLimits(m);
    expect(messages.length).toBeGreaterThan(2);
    expect(buttonsOf(messages).map((b) => b.custom_id)).toEqual(post.sections[0]!.stories.map((s) => `digest-bot:story:${s.id}`));
    const all = messages.flatMap((m) => m.embeds.map((e) => e.description ?? "")).join("");
    expect(all.split("这是一句很长的话。").length - 1).toBe(1200);
  });

  it("stays within every limit for generated posts, with every story exactly once", () => {
    const text = fc.string({ unit: "grapheme", minLength: 1, maxLength: 400 });
    const post = fc
      .array(fc.array(fc.record({ title: text, summary: fc.string({ unit: "grapheme", maxLength: 900 }), url: fc.option(fc.webUrl()) }), { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 8 })
      .map((sections): DailyPost => ({
        date: "2026-03-02",
        header: sections.map((s, i) => ({ title: `S${i}`, storyCount: s.length })),
        sections: sections.map((stories, si) => ({
          index: si,
          title: `Section ${si} *`,
          stories: stories.map((s, i) => ({
            id: `20260302-${si + 1}-${i + 1}`,
            title: s.title,
            summary: s.summary,
            ...(s.url ? { link: { label: s.title, url: s.url } } : {}),
          })),
        })),
      }));
    fc.assert(
      fc.property(post, (p) => {
        const messages = planDiscordDailyPost(p, "en");
        for (const m of messages) expectWithinDiscordLimits(m);
        const ids = p.sections.flatMap((s) => s.stories.map((st) => st.id));
        expect(buttonsOf(messages).map((b) => b.custom_id)).toEqual(ids.map((id) => `digest-bot:story:${id}`));
        expect(shownIds(messages)).toEqual(ids);
      }),
      { numRuns: 15 },
    );
  });

  it("cuts a header listing more sections than an embed description holds at a whole line, with …; every section still follows", () => {
    const sections = Array.from({ length: 80 }, (_, i) => ({ index: i, title: `Section ${i + 1} on a fairly long topic name`, stories: [{ id: `20260301-${i + 1}-1`, title: "t", summary: "s." }] }));
    const post: DailyPost = { date: "2026-03-01", header: sections.map((s) => ({ title: s.title, storyCount: 1 })), sections };
    const messages = planDiscordDailyPost(post, "en");
    for (const m of messages) expectWithinDiscordLimits(m);
    const lines = messages[0]!.embeds[0]!.description!.split("\n");
    expect(lines.at(-1)).toBe("…");
    expect(lines.slice(0, -1)).toEqual(sections.slice(0, lines.length - 1).map((s, i) => `${i + 1}. ${s.title} — 1 story`));
    expect(shownIds(messages)).toEqual(sections.map((s) => s.stories[0]!.id));
  });
});
