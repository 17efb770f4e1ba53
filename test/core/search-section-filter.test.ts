// The `section:` filter of search: same hits and totals as filtering every match through the archive, across sections sharing a title and edits.
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import type { Digest } from "../../src/core/digest/model.js";
import { createStorySearch, type SearchService } from "../../src/core/search.js";
import { matchSection } from "../../src/core/section-match.js";
import { createMemoryArchive, loadRelevanceDigests, type MemoryArchive } from "./search-relevance-archive.js";

const logger = createLogger({ level: "silent" });

/** A digest with these sections (title → story titles), positional ids as the parser gives them. */
function digestOf(date: string, sections: [string, string[]][]): Digest {
  const compact = date.replaceAll("-", "");
  return {
    date,
    sections: sections.map(([title, stories], si) => ({
      title,
      stories: stories.map((t, i) => ({ id: `${compact}-${si + 1}-${i + 1}`, title: t, body: t, text: t, links: [] })),
    })),
  };
}

/** What the filter must answer: every match (no limit), kept when the archive puts the story in the named section. */
function reference(s: SearchService, archive: MemoryArchive, query: string, section: string, offset: number, limit: number) {
  const all = s.searchPage(query, {}).hits.filter((hit) => {
    const digest = archive.get(hit.date);
    const wanted = digest && matchSection(digest, section);
    return wanted !== undefined && archive.findStory(hit.id)?.sectionIndex === wanted;
  });
  return { hits: all.slice(offset, offset + limit), total: all.length };
}

describe("search section filter", () => {
  let search: SearchService | undefined;
  afterEach(async () => {
    await search?.close();
    search = undefined;
  });

  const extra = [
    // Two sections with the same title: `section:2` is the second one only, `section:新闻` the first.
    digestOf("2030-01-01", [["新闻", ["Sonnet 发布 一"]], ["新闻", ["Sonnet 发布 二"]], ["安全", ["Sonnet 安全评测"]]]),
    // `agent` means another section here than in the sample digest.
    digestOf("2030-01-02", [["Agent 工具", ["Sonnet 用作 agent"]], ["模型", ["Sonnet 模型更新"]]]),
  ];

  it("gives the same page and total as filtering every match through the archive", async () => {
    const archive = createMemoryArchive([...loadRelevanceDigests(), ...extra]);
    search = await createStorySearch({ archive, logger });
    await search.ready;
    const cases: [string, string][] = [
      ["sonnet", "新闻"], ["sonnet", "2"], ["sonnet", "安全"], ["sonnet", "agent"], ["sonnet", "模型"], ["agent", "agent"],
      ["模型", "模型"], ["开源", "模型"], ["上下文", "模型"], ["封号", "安全"], ["sonnet", "天气"], ["发布", "3"],
    ];
    let nonEmpty = 0;
    for (const [query, section] of cases) {
      for (const offset of [0, 3]) {
        const want = reference(search, archive, query, section, offset, 5);
        const got = search.searchPage(query, { section, offset, limit: 5 });
        expect({ query, section, offset, ...got }).toEqual({ query, section, offset, ...want });
        if (want.total > 0) nonEmpty++;
      }
    }
    expect(nonEmpty).toBeGreaterThan(12);
    expect(search.search("sonnet", { section: "2", date: "2030-01-01" }).map((h) => h.id)).toEqual(["20300101-2-1"]);
    expect(search.search("sonnet", { section: "新闻", date: "2030-01-01" }).map((h) => h.id)).toEqual(["20300101-1-1"]);
  });

  it("follows an edit that renames and reorders a digest's sections", async () => {
    const archive = createMemoryArchive([...extra]);
    search = await createStorySearch({ archive, logger });
    await search.ready;
    expect(search.search("sonnet", { section: "agent" }).map((h) => h.id)).toEqual(["20300102-1-1"]);
    // The same query once (cached meaning), then the digest changes under it.
    archive.upsert(digestOf("2030-01-02", [["模型", ["Sonnet 模型更新"]], ["Agent 与工具链", ["Sonnet 用作 agent", "Sonnet 第二个 agent"]]]));
    await search.settled();
    const got = search.searchPage("sonnet", { section: "agent" });
    expect(got.hits.map((h) => h.id).sort()).toEqual(["20300102-2-1", "20300102-2-2"]);
    expect(got.total).toBe(2);
    archive.upsert(digestOf("2030-01-02", [["模型", ["Sonnet 模型更新", "Sonnet 用作 agent"]]]));
    await search.settled();
    expect(search.searchPage("sonnet", { section: "agent" })).toEqual({ hits: [], total: 0 });
    expect(search.searchPage("sonnet", { section: "模型", date: "2030-01-02" }).total).toBe(2);
  });
});
