// Relevance of story search on the sample and fixture digests: recall@1 ≥ 0.95 and every wanted story in the top 3.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import { createStorySearch, type SearchService } from "../../src/core/search.js";
import { createMemoryArchive, loadRelevanceDigests } from "./search-relevance-archive.js";
import { RELEVANCE_SET } from "./search-relevance-set.js";

let search: SearchService;

beforeAll(async () => {
  search = await createStorySearch({ archive: createMemoryArchive(loadRelevanceDigests()), logger: createLogger({ level: "silent" }) });
  await search.ready;
});
afterAll(() => search.close());

describe("search relevance set", () => {
  it("has at least 40 queries of every kind", () => {
    expect(RELEVANCE_SET.length).toBeGreaterThanOrEqual(40);
    const kinds = new Set(RELEVANCE_SET.map((c) => c.kind));
    for (const k of ["han-word", "latin-name", "spelling", "typo", "traditional", "mixed", "filter"]) expect(kinds).toContain(k);
  });

  it("puts the wanted story first for at least 95% of the queries", () => {
    const misses = RELEVANCE_SET.filter((c) => search.search(c.query, { ...c.options, limit: 1 })[0]?.id !== c.want);
    const recallAt1 = 1 - misses.length / RELEVANCE_SET.length;
    expect(recallAt1, `missed at rank 1: ${misses.map((m) => m.query).join(", ")}`).toBeGreaterThanOrEqual(0.95);
  });

  it.each(RELEVANCE_SET.map((c) => [c.query, c] as const))("%s → wanted story in the top 3", (_q, c) => {
    const top3 = search.search(c.query, { ...c.options, limit: 3 }).map((h) => h.id);
    expect(top3).toContain(c.want);
  });
});
