// Scoring every posting only for the rarest term's stories gives the very pages, scores and totals of scoring them all, also after edits.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { generateSyntheticDigests, mulberry32 } from "../../bench/synthetic-archive.js";
import type { Digest } from "../../src/core/digest/model.js";
import { createIndex, digestToDocs } from "../../src/core/search/index-options.js";
import { LiveIndex } from "../../src/core/search/live-index.js";
import { loadSavedIndex, saveIndex } from "../../src/core/search/saved-index.js";
import { type ScoreOptions, StoryScorer } from "../../src/core/search/scorer.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SAMPLE = join(ROOT, "test/fixtures/sample/2026-02-18.md");
const digests = generateSyntheticDigests({ samplePath: SAMPLE, days: 30 });
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});


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
    const dir = mkdtempSync(join(tmpdir(), "digest-rarest-"));
    dirs.push(dir);
    const built = createIndex();
    built.addAll(digests.flatMap(digestToDocs));
    await saveIndex(dir, digests, built);
    const loaded = await loadSavedIndex(dir);
    if (!loaded.index) throw new Error(`not loaded: ${loaded.reason}`);
    const live = new LiveIndex(loaded.index);
    for (const d of digests) live.adopt(d.date, d, "");
    // Both score every posting (no pruned path); one of them only the rarest term's stories first.
    const all = new StoryScorer(live.index, { prunedFromPostings: Infinity, rarestTermFirst: false });
    const rarest = new StoryScorer(live.index, { prunedFromPostings: Infinity });
    const before = compare(all, rarest, digests, 11, 400);
    expect(before.matched, "queries with stories that have every term").toBeGreaterThan(100);
    expect(before.fallback, "queries answered by partial matches").toBeGreaterThan(20);

    // An edited digest (new short ids, its old stories dead, postings added since the save), a removed one, a new day.
    const current = new Map(digests.map((d) => [d.date, d]));
    const edited = structuredClone(digests[5]!);
    for (const s of edited.sections.flatMap((x) => x.stories)) s.text = `${s.text} 修订 ${s.title}`;
    live.apply({ type: "upsert", digest: edited, file: edited.date });
    current.set(edited.date, edited);
    live.apply({ type: "remove", date: digests[12]!.date, file: digests[12]!.date });
    current.delete(digests[12]!.date);
    const [next] = generateSyntheticDigests({ samplePath: SAMPLE, days: 1, endDate: "2026-02-18", seed: 9 });
    live.apply({ type: "upsert", digest: next!, file: next!.date });
    current.set(next!.date, next!);
    const after = compare(all, rarest, [...current.values()], 12, 300);
    expect(after.matched).toBeGreaterThan(70);
  });
});
