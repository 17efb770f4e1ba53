// BM25+ as MiniSearch scores it, over typed arrays: the parameters, the typo rule and the hot loop of the scorer (scorer.ts).
import type MiniSearch from "minisearch";
import type { StoryDoc } from "./index-options.js";
import { internalsOf, type MiniSearchInternals } from "./minisearch-internals.js";
import { fuzzinessFor } from "./tokenize.js";

type Internals = MiniSearchInternals;

/** BM25+ parameters, MiniSearch's defaults. */
export const BM25 = { k: 1.2, b: 0.7, d: 0.5 };
/** Weight of a prefix / fuzzy expansion relative to an exact match (MiniSearch's defaults and formulas). */
export const PREFIX_WEIGHT = 0.375;
export const FUZZY_WEIGHT = 0.45;
/**
 * A Latin word found in at least this many stories is taken as spelt right and not expanded by typos:
 * walking the term tree for edit-distance matches is most of the cost of a query on a common word, and a
 * typo is rarely this frequent.
 */
export const FUZZY_ONLY_BELOW_DF = 5;
/**
 * Edit distance used for `term` in this index. `fuzzinessFor` gives the most a word may get (1, or 2 from
 * 8 letters); here a word found in 5+ stories gets none, and 2 is used only when the word is not in the index
 * and nothing is 1 edit away (`langchian`): a distance-2 walk of the term tree costs ~90 µs, a distance-1 walk ~10.
 */
export function fuzzinessIn(ix: Internals, term: string, exact = ix._index.get(term)): number {
  const most = fuzzinessFor(term);
  if (most === 0) return 0;
  if (exact) {
    let df = 0;
    for (const postings of exact.values()) df = Math.max(df, postings.size);
    if (df >= FUZZY_ONLY_BELOW_DF) return 0;
  }
  if (most === 1 || exact) return 1;
  for (const [, [, distance]] of ix._index.fuzzyGet(term, 1)) if (distance > 0) return 1;
  return 2;
}

/** The fuzziness rule of the scorer for `index`, for use as MiniSearch's `fuzzy` option (tests compare the two). */
export function fuzzinessRule(index: MiniSearch<StoryDoc>): (term: string) => number {
  const ix = internalsOf(index);
  return (term) => fuzzinessIn(ix, term);
}

/**
 * The hot loop of a query on a common word (tens of thousands of postings): a small top-level function over
 * typed arrays only; `among`: only the stories in this bitset. Returns the new count of touched stories.
 */
export function addPostings(
  src: Uint32Array,
  start: number,
  count: number,
  lengths: Uint32Array,
  dates: Uint32Array | undefined,
  from: number,
  to: number,
  touched: Uint32Array,
  touchedCount: number,
  scores: Float64Array,
  masks: Uint32Array,
  bit: number,
  among: Uint32Array | undefined,
  factor: number,
  base: number,
  slope: number,
): number {
  let n = touchedCount;
  const k1 = BM25.k + 1;
  const d = BM25.d;
  for (let i = start, end = start + 2 * count; i < end; i += 2) {
    const doc = src[i]!;
    // The rarest term's bitset first: it stays in the CPU caches, and most postings of a common word stop there
    // before their story's length (an array over the whole archive) is read.
    if (among !== undefined && ((among[doc >>> 5]! >>> (doc & 31)) & 1) === 0) continue; // lacks the rarest term
    const length = lengths[doc]!;
    if (length === 0) continue; // discarded (not yet vacuumed)
    if (dates !== undefined && (dates[doc]! < from || dates[doc]! > to)) continue;
    const tf = src[i + 1]!;
    if (masks[doc] === 0) touched[n++] = doc;
    scores[doc] = scores[doc]! + factor * (d + (tf * k1) / (tf + base + slope * length));
    masks[doc] = masks[doc]! | bit;
  }
  return n;
}
