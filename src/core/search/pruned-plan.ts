// The pruned search's input: the query plan (one entry per postings list), what the query asks besides its terms, and each list as sorted pairs with its block bounds.
import { LazyPostings } from "./lazy-postings.js";
import { type BoundsCache, computeBounds, type ListBounds, type PairList, pairsOf, sortedPairs } from "./list-bounds.js";

/** One postings list of a query, in scoring order: a scored field of one expansion of a term, or its headline. */
export interface PlanEntry {
  /** The query term's bit. */
  bit: number;
  postings: Map<number, number>;
  /** Absent for the headline (it marks stories, it does not score them). */
  score?: { factor: number; base: number; slope: number; lengths: Uint32Array };
}

/** What a query asks besides its terms (`ScoreOptions`, resolved). */
export interface PrunedQuery {
  plan: PlanEntry[];
  /** Bits of every term. */
  full: number;
  /** Date range as YYYYMMDD numbers; `dated` when it excludes anything. */
  from: number;
  to: number;
  dated: boolean;
  /** Best hits to keep (offset + limit). */
  want: number;
  introductionsFirst: boolean;
  /** The story passes the other filters (section, `keep`); exact, checked on matches only. */
  admit: ((doc: number) => boolean) | undefined;
}

/** The scoring terms of a scored plan entry (BM25 factor, length normalization, field lengths). */
export type Score = NonNullable<PlanEntry["score"]>;

/** One plan entry ready to search: its postings as sorted pairs and their bounds, and the pairs added since the list was saved. */
export interface Step {
  entry: PlanEntry;
  list: PairList;
  bounds: ListBounds;
  added: { list: PairList; bounds: ListBounds } | undefined;
}

/** Lists this long or longer keep their bounds between queries (`BoundsCache`); shorter ones are bounded per query. */
export const CACHE_FROM_POSTINGS = 256;
/** A plain Map this long (a built index before its first compaction) is not copied into pairs: the full scoring runs instead. */
const MAX_MAP_COPY = 4096;

/** Each plan entry as a `Step`, or `undefined` when the pruned search does not apply (a long list held in a plain Map). */
export function planSteps(plan: PlanEntry[], blockSize: number, cache: BoundsCache): Step[] | undefined {
  const B = blockSize;
  const steps: Step[] = [];
  for (const entry of plan) {
    const postings = entry.postings;
    const lengths = entry.score?.lengths;
    if (postings instanceof LazyPostings) {
      const list = pairsOf(postings);
      const bounds = list.count >= CACHE_FROM_POSTINGS ? cache.get(postings, lengths, B) : computeBounds(list, lengths, B, false);
      let added: Step["added"];
      if (!postings.pristine) {
        const extra = sortedPairs((fn) => postings.eachAdded(fn));
        if (extra.count > 0) added = { list: extra, bounds: computeBounds(extra, lengths, B, false) };
      }
      steps.push({ entry, list, bounds, added });
    } else {
      if (postings.size > MAX_MAP_COPY) return undefined;
      const list = pairsOf(postings);
      steps.push({ entry, list, bounds: computeBounds(list, lengths, B, false), added: undefined });
    }
  }
  return steps;
}
