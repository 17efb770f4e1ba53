// The pruned search (bitset totals, only the blocks that can reach the page scored) gives the very page and total of scoring every posting.
import { describe, expect, it } from "vitest";
import { generateSyntheticDigests, mulberry32 } from "../../bench/synthetic-archive.js";
import { type Digest, makeStoryId } from "../../src/core/digest/model.js";
import { type ScoreOptions, StoryScorer } from "../../src/core/search/scorer.js";
import { SectionFilters } from "../../src/core/search/section-filter.js";
import { createMemoryArchive } from "./search-relevance-archive.js";
import { editLiveIndex, loadedLiveIndex, SAMPLE } from "./search-saved-index-fixture.js";

/**
 * 45 synthetic days, every third one also carrying a copy of the first day's first section: stories with the very
 * same text score exactly alike, so pages end inside runs of ties (ranked newest first).
 */
const digests = generateSyntheticDigests({ samplePath: SAMPLE, days: 45 }).map((d, i) => {
  if (i === 0 || i % 3 !== 0) return d;
  const copy = structuredClone(d);
  const repeated = structuredClone(d.sections[0]!);
  const at = copy.sections.length;
  repeated.title = "转载";
  repeated.stories = structuredClone(generateSyntheticDigests({ samplePath: SAMPLE, days: 45 })[0]!.sections[0]!.stories).map((s, k) => ({ ...s, id: makeStoryId(d.date, at, k) }));
  copy.sections.push(repeated);
  return copy;
});


/** A random query: 1–3 words cut from the archive's stories (common bigrams, names, versions, rare runs), sometimes a typo or a prefix. */
function randomQuery(rand: () => number, archive: readonly Digest[]): { query: string; options: ScoreOptions; section?: string } {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const words: string[] = [];
  for (let n = 1 + Math.floor(rand() * 3); words.length < n; ) {
    const story = pick(pick(pick(archive).sections).stories);
    const text = rand() < 0.5 ? story.title : story.text;
    const pieces = text.split(/[\s：:，。；、]+/u).filter((p) => p.length > 0);
    const piece = pick(pieces.length > 0 ? pieces : ["agent"]);
    const start = Math.floor(rand() * Math.max(1, piece.length - 1));
    let word = /^[\p{Script=Han}]/u.test(piece.slice(start)) ? piece.slice(start, start + 2 + Math.floor(rand() * 3)) : piece;
    if (rand() < 0.1 && word.length >= 6) word = word.slice(0, 2) + word.slice(3); // a typo
    words.push(word);
  }
  const options: ScoreOptions = {};
  const r = rand();
  if (r < 0.15) options.limit = 1;
  else if (r < 0.8) options.limit = 10;
  else if (r < 0.9) options.limit = 3 + Math.floor(rand() * 20);
  if (rand() < 0.2) options.offset = Math.floor(rand() * 30);
  if (rand() < 0.1) options.prefix = true;
  if (rand() < 0.15) {
    const a = pick(archive).date;
    const b = pick(archive).date;
    options.from = a < b ? a : b;
    options.to = a < b ? b : a;
  }
  if (rand() < 0.1) options.introductionsFirst = false;
  if (rand() < 0.1) options.requireAll = true;
  return { query: words.join(" "), options, ...(rand() < 0.15 ? { section: pick(["模型", "产品", "安全", "2", "研究"]) } : {}) };
}

/** Runs `count` random queries through both scorers; returns how many took the pruned path. */
function compare(plain: StoryScorer, pruned: StoryScorer, archive: readonly Digest[], seed: number, count: number): number {
  const rand = mulberry32(seed);
  const sections = new SectionFilters(createMemoryArchive(archive));
  const before = pruned.prunedQueries;
  for (let i = 0; i < count; i++) {
    const { query, options, section } = randomQuery(rand, archive);
    const opts = { ...options, ...(section !== undefined ? sections.filter(section) : {}) };
    const label = `${query} ${JSON.stringify(options)} ${section ?? ""}`;
    expect(pruned.searchPage(query, opts), label).toEqual(plain.searchPage(query, opts));
  }
  return pruned.prunedQueries - before;
}

describe("pruned search", () => {
  it("gives the same hits, scores, order and totals as scoring every posting, on random queries over a loaded and then edited archive", async () => {
    const live = await loadedLiveIndex(digests);
    const plain = new StoryScorer(live.index, { prunedFromPostings: Infinity });
    const pruned = new StoryScorer(live.index, { blockSize: 32, prunedFromPostings: 0, boundsCacheBytes: 64 * 1024 });
    expect(compare(plain, pruned, digests, 1, 400), "most queries take the pruned path").toBeGreaterThan(300);
    // Blocks of several bitset words: a story's pair is found by its rank over the words of its block.
    const wide = new StoryScorer(live.index, { blockSize: 128, prunedFromPostings: 0 });
    expect(compare(plain, wide, digests, 3, 200)).toBeGreaterThan(150);

    // Edits: a digest replaced (its stories get new short ids, the old ones die), one removed, a new day added.
    const after = editLiveIndex(live, digests, { edit: 10, remove: 20, seed: 7 }).sort((a, b) => a.date.localeCompare(b.date));
    expect(compare(plain, pruned, after, 2, 300)).toBeGreaterThan(200);
  });
});
