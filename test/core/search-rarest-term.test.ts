// Scoring every posting only for the rarest term's stories gives the very pages, scores and totals of scoring them all, also after edits.
import { describe, expect, it } from "vitest";
import { generateSyntheticDigests, mulberry32 } from "../../bench/synthetic-archive.js";
import type { Digest } from "../../src/core/digest/model.js";
import { type ScoreOptions, StoryScorer } from "../../src/core/search/scorer.js";
import { editLiveIndex, loadedLiveIndex, SAMPLE } from "./search-saved-index-fixture.js";

const digests = generateSyntheticDigests({ samplePath: SAMPLE, days: 30 });

/**
 * 2–3 words: pieces of titles and texts (common and rare), short prefixes (many expansions), typos, words found
 * nowhere (no story has every term: the partial matches are ranked), with filters now and then.
 */
function randomQuery(rand: () => number, archive: readonly Digest[]): { query: string; options: ScoreOptions } {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const words: string[] = [];
  for (let n = 2 + Math.floor(rand() * 2); words.length < n; ) {
    const r = rand();
    if (r < 0.04) {
      words.push(pick(["zzqx", "无此词语", "flurbo"]));
      continue;
    }
    const story = pick(pick(pick(archive).sections).stories);
    const pieces = (rand() < 0.5 ? story.title : story.text).split(/[\s：:，。；、]+/u).filter((p) => p.length > 0);
    const piece = pick(pieces.length > 0 ? pieces : ["agent"]);
    const start = Math.floor(rand() * Math.max(1, piece.length - 1));
    let word = /^[\p{Script=Han}]/u.test(piece.slice(start)) ? piece.slice(start, start + 2 + Math.floor(rand() * 3)) : piece;
    if (r < 0.15 && /^[a-z]/i.test(word)) word = word.slice(0, 2); // a short prefix: many expansions
    else if (r < 0.25 && word.length >= 6) word = word.slice(0, 2) + word.slice(3); // a typo
    words.push(word);
  }
  const options: ScoreOptions = { limit: rand() < 0.2 ? 1 : 10, prefix: rand() < 0.5 };
  if (rand() < 0.2) options.offset = Math.floor(rand() * 20);
  if (rand() < 0.15) {
    const a = pick(archive).date;
    const b = pick(archive).date;
    options.from = a < b ? a : b;
    options.to = a < b ? b : a;
  }
  if (rand() < 0.1) options.introductionsFirst = false;
  if (rand() < 0.1) options.requireAll = true;
  return { query: words.join(" "), options };
}

function compare(all: StoryScorer, rarest: StoryScorer, archive: readonly Digest[], seed: number, count: number): { matched: number; fallback: number } {
  const rand = mulberry32(seed);
  let matched = 0;
  let fallback = 0;
  for (let i = 0; i < count; i++) {
    const { query, options } = randomQuery(rand, archive);
    const expected = all.searchPage(query, options);
    expect(rarest.searchPage(query, options), `${query} ${JSON.stringify(options)}`).toEqual(expected);
    const every = all.searchPage(query, { ...options, requireAll: true }).total;
    if (every > 0) matched++;
    else if (expected.total > 0) fallback++;
  }
  return { matched, fallback };
}

describe("full scoring, rarest term first", () => {
  it("gives the same hits, scores, order and totals as scoring every posting, on random many-word queries before and after edits", async () => {
    const live = await loadedLiveIndex(digests);
    // Both score every posting (no pruned path); one of them only the rarest term's stories first.
    const all = new StoryScorer(live.index, { prunedFromPostings: Infinity, rarestTermFirst: false });
    const rarest = new StoryScorer(live.index, { prunedFromPostings: Infinity });
    const before = compare(all, rarest, digests, 11, 400);
    expect(before.matched, "queries with stories that have every term").toBeGreaterThan(100);
    expect(before.fallback, "queries answered by partial matches").toBeGreaterThan(20);

    // An edited digest, a removed one, a new day.
    const current = editLiveIndex(live, digests, { edit: 5, remove: 12, seed: 9 });
    const after = compare(all, rarest, current, 12, 300);
    expect(after.matched).toBeGreaterThan(70);
  });
});
