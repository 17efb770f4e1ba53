// The top-k scorer ranks exactly as MiniSearch's own search would, also on a loaded index whose postings are lazy.
import { describe, expect, it } from "vitest";
import type { Digest } from "../../src/core/digest/model.js";
import { createIndex, digestToDocs, headlineOf, queryOptions } from "../../src/core/search/index-options.js";
import { LazyPostings } from "../../src/core/search/lazy-postings.js";
import { fuzzinessRule, StoryScorer } from "../../src/core/search/scorer.js";
import { HAN_CHAR_LENGTH, isHanTerm, tokenizeQuery } from "../../src/core/search/tokenize.js";
import { loadRelevanceDigests } from "./search-relevance-archive.js";
import { RELEVANCE_SET } from "./search-relevance-set.js";
import { builtAndLoaded } from "./search-saved-index-fixture.js";

const digests = loadRelevanceDigests();

const unfiltered = RELEVANCE_SET.filter((c) => !c.options).map((c) => c.query);
/** Queries where the scorer and MiniSearch see the same terms (the scorer drops a lone Han character beside words). */
const comparable = unfiltered.filter((q) => !tokenizeQuery(q).some((t) => t.length === HAN_CHAR_LENGTH && isHanTerm(t)));

describe("StoryScorer", () => {
  it("gives the same stories and scores as MiniSearch#search with the same options", () => {
    const index = createIndex();
    index.addAll(digests.flatMap(digestToDocs));
    const scorer = new StoryScorer(index);
    expect(comparable.length).toBeGreaterThan(40);
    for (const query of [...comparable, "agent", "开源", "sonnet", "claude opus"]) {
      const theirs = index.search(query, { ...queryOptions(false, fuzzinessRule(index)), combineWith: "AND" });
      if (theirs.length === 0) continue;
      const ours = scorer.search(query, { introductionsFirst: false });
      expect(ours.map((h) => h.id).sort(), query).toEqual(theirs.map((r) => String(r.id)).sort());
      const byId = new Map(theirs.map((r) => [String(r.id), r.score]));
      for (const hit of ours) expect(hit.score, `${query} ${hit.id}`).toBeCloseTo(byId.get(hit.id)!, 9);
    }
  });

  it("keeps only the top `limit`, best first", () => {
    const index = createIndex();
    index.addAll(digests.flatMap(digestToDocs));
    const scorer = new StoryScorer(index);
    const all = scorer.search("agent");
    expect(all.length).toBeGreaterThan(5);
    expect(scorer.search("agent", { limit: 3 })).toEqual(all.slice(0, 3));
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.score).toBeGreaterThanOrEqual(all[i]!.score);
  });
});

describe("saved index with lazy postings", () => {
  it("loads to the same results, and stays right through adds, discards and a vacuum", async () => {
    const { built, loaded: index } = await builtAndLoaded(digests);
    const terms = (index as unknown as { _index: Iterable<[string, Map<number, Map<number, number>>]> })._index;
    const first = [...terms][0]![1].values().next().value;
    expect(first).toBeInstanceOf(LazyPostings);

    const fresh = new StoryScorer(built);
    const lazy = new StoryScorer(index);
    for (const q of unfiltered) expect(lazy.search(q), q).toEqual(fresh.search(q));

    // Re-index one digest on the loaded index (MiniSearch writes into lazy postings), then vacuum.
    const sample = digests.find((d) => d.date === "2026-02-18")!;
    const docs = digestToDocs(sample);
    for (const d of docs) index.discard(d.id);
    expect(lazy.search("glm-5").map((h) => h.id)).not.toContain("20260218-1-3");
    index.addAll(docs.map((d) => (d.id === "20260218-1-3" ? { ...d, title: "GLM‑6 技术报告" } : d)));
    expect(lazy.search("glm-6").map((h) => h.id)).toEqual(["20260218-1-3"]);
    await index.vacuum();
    expect(lazy.search("glm-6").map((h) => h.id)).toEqual(["20260218-1-3"]);
    expect(lazy.search("阿里 开源 MoE")[0]?.id).toBe("20260218-1-2");
    expect(lazy.search("gemma 4")[0]?.id).toBe("20260219-1-1");
  });
});

describe("introductions first", () => {
  /** One digest: a launch story, an unrelated one, then a follow-up that BM25 alone prefers (shorter, name repeated). */
  const digest: Digest = {
    date: "2026-03-01",
    sections: [
      {
        title: "模型",
        stories: [
          story("20260301-1-1", "Zeta 公司推出 Nova 7：长上下文，价格不变，评测领先", "Zeta 发布 Nova 7，提供长上下文与更低延迟，面向编码与 Agent 任务，价格与上一代相同，多个第三方评测显示领先。", ["官方发布：Nova 7", "评测汇总"]),
          story("20260301-1-2", "GLM 技术报告：强调异步 RL 与 Nova 式训练", "报告介绍了训练方法。", []),
        ],
      },
      {
        title: "产品",
        stories: [
          story("20260301-2-1", "Nova 7 快速铺货：各家工具上线", "Nova 7 一天内上线多个工具，Nova 7 成为主力。", ["A 上线 Nova 7", "B 支持 Nova 7", "C 接入 Nova 7"]),
        ],
      },
    ],
  };
  /** The follow-up again, a day later: introductions are per digest, so it keeps its own rank. */
  const later: Digest = {
    date: "2026-03-02",
    sections: [{ title: "产品", stories: [story("20260302-1-1", "Nova 7 快速铺货：更多工具上线", "Nova 7 继续上线，Nova 7 更多。", ["D 上线 Nova 7"])] }],
  };

  function story(id: string, title: string, text: string, labels: string[]): Digest["sections"][number]["stories"][number] {
    return { id, title, body: text, text, links: labels.map((label, i) => ({ label, url: `https://example.com/${id}/${i}` })) };
  }

  const index = createIndex();
  index.addAll([...digestToDocs(digest), ...digestToDocs(later)]);
  const scorer = new StoryScorer(index);

  it("ranks the story that introduces the subject above the same digest's follow-up", () => {
    const plain = scorer.search("nova 7", { introductionsFirst: false, to: "2026-03-01" }).map((h) => h.id);
    expect(plain.slice(0, 2), "the case only matters if BM25 alone puts the follow-up first").toEqual(["20260301-2-1", "20260301-1-1"]);
    const hits = scorer.search("nova 7", { to: "2026-03-01" });
    expect(hits.map((h) => h.id).slice(0, 2)).toEqual(["20260301-1-1", "20260301-2-1"]);
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
    expect(scorer.search("nova", { limit: 1, to: "2026-03-01" })[0]?.id).toBe("20260301-1-1");
    // A typo reaches the same stories through its expansion, and the same rule applies.
    expect(scorer.search("novva 7", { limit: 1, to: "2026-03-01" })[0]?.id).toBe("20260301-1-1");
  });

  it("moves nothing when the word is not in both headlines, or the stories are on different days", () => {
    // "Nova" is only in the detail part of 1-2's title, so it is no introduction; 1-2 keeps its BM25 rank.
    expect(scorer.search("nova 训练")).toEqual(scorer.search("nova 训练", { introductionsFirst: false }));
    // 3-02's follow-up has no introduction that day, so it keeps its BM25 score.
    const plain = scorer.search("nova 7", { introductionsFirst: false }).find((h) => h.id === "20260302-1-1");
    expect(scorer.search("nova 7").find((h) => h.id === "20260302-1-1")).toEqual(plain);
 
    // Titles without a `headline：details` split say too much to tell what they are about: BM25 decides alone.
    const english = createIndex();
    english.addAll(
      digestToDocs({
        date: "2026-03-03",
        sections: [
          { title: "Models", stories: [story("20260303-1-1", "Labs race to ship agent features", "Several labs shipped features.", [])] },
          { title: "Tools", stories: [story("20260303-2-1", "Agent frameworks compared", "An agent benchmark of agent frameworks.", [])] },
        ],
      }),
    );
    const plainEnglish = new StoryScorer(english).search("agent", { introductionsFirst: false });
    expect(plainEnglish.map((h) => h.id)).toEqual(["20260303-2-1", "20260303-1-1"]);
    expect(new StoryScorer(english).search("agent")).toEqual(plainEnglish);
  });

  it("takes the headline from the title up to its first colon; a title without one has none", () => {
    expect(headlineOf("Sonnet 4.6 快速铺货：Cursor、Perplexity 全上线")).toBe("Sonnet 4.6 快速铺货");
    expect(headlineOf("Gemma 4: ships with 1M context")).toBe("Gemma 4");
    expect(headlineOf("arXiv:2602.15763 revisited")).toBe("");
    expect(headlineOf("No colon here, so no headline")).toBe("");
    expect(headlineOf("：leading colon")).toBe("");
  });
});
