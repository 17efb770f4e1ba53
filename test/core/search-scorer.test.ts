// The top-k scorer ranks exactly as MiniSearch's own search would, also on a loaded index whose postings are lazy.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createIndex, digestToDocs, queryOptions } from "../../src/core/search/index-options.js";
import { LazyPostings } from "../../src/core/search/lazy-postings.js";
import { loadSavedIndex, saveIndex } from "../../src/core/search/saved-index.js";
import { fuzzinessRule, StoryScorer } from "../../src/core/search/scorer.js";
import { HAN_CHAR_LENGTH, isHanTerm, tokenizeQuery } from "../../src/core/search/tokenize.js";
import { loadRelevanceDigests } from "./search-relevance-archive.js";
import { RELEVANCE_SET } from "./search-relevance-set.js";

const digests = loadRelevanceDigests();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

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
      const ours = scorer.search(query);
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
    const dir = mkdtempSync(join(tmpdir(), "digest-scorer-"));
    dirs.push(dir);
    const built = createIndex();
    built.addAll(digests.flatMap(digestToDocs));
    await saveIndex(dir, digests, built);
    const loaded = await loadSavedIndex(dir);
    if (!loaded.index) throw new Error(`not loaded: ${loaded.reason}`);
    const index = loaded.index;
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
