// Top-k BM25 scoring straight on MiniSearch's postings: MiniSearch builds a result object per matching story, ~5 µs each; this does not.
import type MiniSearch from "minisearch";
import type { SearchHit } from "../search.js";
import { eachPosting, LazyPostings } from "./lazy-postings.js";
import { BoundsCache } from "./list-bounds.js";
import { type FieldTermData, internalsOf, type MiniSearchInternals } from "./minisearch-internals.js";
import { FIELD_BOOSTS, type StoryDoc } from "./index-options.js";
import { type PlanEntry, prunedSearch } from "./pruned-search.js";
import { QueryScratch } from "./query-scratch.js";
import { clearMarks, markRarestTerm } from "./rarest-term.js";
import { DEFAULT_BLOCK_SIZE, StoryColumns } from "./story-columns.js";
import { type Candidate, heapPush, heapReplaceTop, popcount, tied, worse } from "./top-k.js";
import { addPostings, BM25, fuzzinessIn, FUZZY_WEIGHT, PREFIX_WEIGHT } from "./bm25.js";
import { HAN_CHAR_LENGTH, isHanTerm, tokenizeQuery, usePrefixFor } from "./tokenize.js";

export { FUZZY_ONLY_BELOW_DF, fuzzinessRule } from "./bm25.js";

const isLoneHanChar = (term: string) => term.length === HAN_CHAR_LENGTH && isHanTerm(term);

/** Query terms beyond this are ignored (each term is one bit of a 32-bit match mask). */
export const MAX_QUERY_TERMS = 32;

type Internals = MiniSearchInternals;

export interface ScoreOptions {
  limit?: number;
  /** Skip this many of the best hits (a later page); the page costs `offset + limit`, not the number of matches. */
  offset?: number;
  /** Autocomplete: the last term is a prefix. */
  prefix?: boolean;
  /** Only stories dated in this inclusive range (YYYY-MM-DD); checked per posting, before any scoring. */
  from?: string;
  to?: string;
  /**
   * Keeps a matching story or not (other filters, e.g. the section), given its date (`YYYYMMDD` as a number) and
   * its stored fields (`id`, `section`, …). Called once per matching story, so the total stays exact.
   */
  keep?: (date: number, stored: Record<string, unknown>) => boolean;
  /**
   * The section title a matching story of this date (`YYYYMMDD` as a number) must have; `undefined`: none of that
   * date passes. Checked before `keep`, on an interned title per story (no stored-fields lookup), once per date run.
   */
  sectionTitle?: (date: number) => string | undefined;
  /** Whether `keep` must be asked for the stories of this date that pass `sectionTitle` (default: always). */
  keepOn?: (date: number) => boolean;
  /**
   * Rank the story that introduces the query's subject in a digest above that digest's follow-ups on it
   * (see {@link StoryScorer}). Default `true`; `false` gives plain BM25, exactly as `MiniSearch#search` ranks.
   */
  introductionsFirst?: boolean;
  /**
   * Only stories with every query term: no fallback to stories with some of them when none has all. A filter (a
   * subscription's keywords) needs this; a search ranks partial matches rather than answering nothing.
   */
  requireAll?: boolean;
}

/** Tuning of `StoryScorer` (tests use small values to exercise the pruned path on small archives). */
export interface ScorerOptions {
  /** Short ids per block of the pruned search (a multiple of 32). */
  blockSize?: number;
  /** A query whose scored lists hold this many postings or more takes the pruned path. */
  prunedFromPostings?: number;
  /** Most bytes of cached list bounds. */
  boundsCacheBytes?: number;
  /** Score only the rarest term's stories first when every posting is scored (default true; tests compare with false). */
  rarestTermFirst?: boolean;
}

/** Below this many postings, scoring them all costs less than the pruned path's bitsets (~1 µs per 1,000 words). */
export const PRUNED_FROM_POSTINGS = 2048;
/** The cached bounds of long lists: ~5 KiB a list at 3 years, ~15 KiB at 10 (mostly its bitset). */
const BOUNDS_CACHE_BYTES = 8 * 2 ** 20;

/**
 * A query over more lists than this (prefix and typo expansions: `卡` expands to every bigram it starts) is scored
 * in full: the pruned path's bitsets cost a pass over the short ids per list.
 */
export const PRUNED_MAX_LISTS = 24;

/** A page of hits and the exact number of stories that match (counted, not sorted). */
export interface ScoredPage {
  hits: SearchHit[];
  total: number;
}

/**
 * Scores a query against a MiniSearch index the way `MiniSearch#search` would with our options (BM25+ per field,
 * field boosts, prefix/fuzzy expansions with MiniSearch's weights, score × number of query terms matched), but
 * accumulates into flat arrays and keeps only the top `limit` in a heap. AND over the query terms first; if no
 * story has them all, OR.
 *
 * One rule goes beyond BM25: **introductions first**. A digest tells a subject once and then follows it up
 * (`Anthropic 推出 Claude Sonnet 4.6：…` in the models section, `Sonnet 4.6 快速铺货：…` in the products section).
 * Term statistics cannot tell the two apart — the follow-up, shorter and repeating the name in every link label,
 * even scores higher. So when the headlines (title before its colon, see `headlineOf`) of several stories of
 * one digest name every query term, the first of them in the digest ranks first among them: its score is raised
 * to just above the best of them. Stories whose headline does not name the subject (`GLM‑5 技术报告：…与 Agent 训练`
 * for `agent`) are never moved, so generic words rank by BM25 alone.
 */
export class StoryScorer {
  private readonly scratch = new QueryScratch();
  private readonly columns: StoryColumns;
  private readonly bounds: BoundsCache;
  private readonly fields: { id: number; boost: number }[];
  /** Field id of the unscored `headline` field; `undefined` on an index built without it. */
  private readonly headlineField: number | undefined;
  private readonly prunedFrom: number;
  private readonly rarestFirst: boolean;

  constructor(
    private readonly index: MiniSearch<StoryDoc>,
    options: ScorerOptions = {},
  ) {
    const internals = internalsOf(index);
    this.fields = Object.entries(FIELD_BOOSTS).map(([name, boost]) => ({ id: internals._fieldIds[name]!, boost }));
    this.headlineField = internals._fieldIds.headline;
    this.columns = new StoryColumns(
      this.fields.map((f) => f.id),
      options.blockSize ?? DEFAULT_BLOCK_SIZE,
    );
    this.columns.onGrow = (capacity) => this.scratch.grow(capacity);
    this.bounds = new BoundsCache(options.boundsCacheBytes ?? BOUNDS_CACHE_BYTES);
    this.prunedFrom = options.prunedFromPostings ?? PRUNED_FROM_POSTINGS;
    this.rarestFirst = options.rarestTermFirst !== false;
  }

  /** Queries answered by the pruned path so far (tests check that it is taken). */
  prunedQueries = 0;

  /** Bytes held by the cached bounds of long postings lists (bitsets and per-block bounds). */
  get boundsBytes(): number {
    return this.bounds.size.bytes;
  }

  /** The best hits, best first (see `searchPage`). */
  search(query: string, options: ScoreOptions = {}): SearchHit[] {
    return this.searchPage(query, options).hits;
  }

  /**
   * The hits from `offset` to `offset + limit` (default: all), best first, and the exact total: the matching stories
   * are counted while only the best `offset + limit` are kept in a heap. A query whose lists hold many postings takes
   * the pruned path (`prunedSearch`: bitsets for the total, only the blocks that can reach the page scored); the
   * others, and the fallback to partial matches, score every posting. Both give the same page.
   */
  searchPage(query: string, options: ScoreOptions = {}): ScoredPage {
    const all = [...new Set(tokenizeQuery(query))];
    // A lone Han character next to real words (`封号 多 agent`) is as weak as a stop word and expands to
    // every bigram it starts; it only counts when the query has nothing else.
    const words = all.filter((t) => !isLoneHanChar(t));
    const terms = (words.length > 0 ? words : all).slice(0, MAX_QUERY_TERMS);
    if (terms.length === 0) return { hits: [], total: 0 };
    const ix = internalsOf(this.index);
    const day = (d: string | undefined, fallback: number) => (d === undefined ? fallback : Number(d.replaceAll("-", "")) || fallback);
    const full = terms.length === 32 ? 0xffffffff : (1 << terms.length) - 1;
    const from = day(options.from, 0);
    const to = day(options.to, 99999999);
    this.columns.refresh(ix);
    const plan = this.plan(ix, terms, options.prefix === true);
    const introductionsFirst = options.introductionsFirst !== false;
    const limit = options.limit ?? Infinity;
    const offset = Math.max(0, options.offset ?? 0);
    const want = limit <= 0 ? 0 : offset + limit;
    let postings = 0;
    let lists = 0;
    for (const entry of plan) if (entry.score) (postings += entry.postings.size), lists++;
    let andOnly = terms.length > 1 && this.rarestFirst;
    try {
      if (postings >= this.prunedFrom && lists <= PRUNED_MAX_LISTS && Number.isFinite(want)) {
        const dated = from > 0 || to < 99999999;
        const admit = this.admitter(options);
        const pruned = prunedSearch({ plan, full, from, to, dated, want, introductionsFirst, admit }, this.columns, this.scratch, this.bounds);
        if (pruned) this.prunedQueries++;
        if (pruned && (pruned.total > 0 || terms.length === 1 || options.requireAll === true)) return { hits: this.hitsOf(ix, pruned.heap, offset), total: pruned.total };
        this.scratch.reset();
        // The pruned path found no story with every term: only the partial matches are left to rank.
        if (pruned) andOnly = false;
      }
      // Stories with every term first: only the stories of the rarest term are scored (`开源 mo`: mo's 2k stories,
      // not 开源's 11k), each the same sum in the same order. The partial matches need every score: when no story
      // has every term, the postings are scored again in full.
      const among = andOnly ? markRarestTerm(plan, terms.length, this.scratch.term) : undefined;
      if (!among) andOnly = false;
      this.accumulate(plan, from, to, full, among);
      if (among) clearMarks(among, this.scratch.term);
      if (introductionsFirst) this.putIntroductionsFirst(full, this.scratch.headFull);
      let page = this.collect(ix, full, options);
      if (page.total === 0 && terms.length > 1 && options.requireAll !== true) {
        if (andOnly) {
          this.scratch.reset();
          this.accumulate(plan, from, to, full, undefined);
          if (introductionsFirst) this.putIntroductionsFirst(full, this.scratch.headFull);
        }
        page = this.collect(ix, 0, options);
      }
      return page;
    } finally {
      this.scratch.reset();
    }
  }

  /**
   * Tells the scorer that the story with this short id is about to leave the index (MiniSearch `remove`/`discard`),
   * so it stops counting at once. Without it the next query rebuilds the arrays (O(archive)).
   */
  forget(shortId: number): void {
    this.columns.forget(shortId);
  }

  /**
   * The query's postings lists in scoring order — term by term, each term's expansions (itself, prefix and typo
   * expansions with MiniSearch's weights), each expansion's scored fields then its headline — with their BM25 factors.
   */
  private plan(ix: Internals, terms: string[], autocomplete: boolean): PlanEntry[] {
    const plan: PlanEntry[] = [];
    const total = ix._documentCount;
    terms.forEach((term, t) => {
      const bit = 1 << t;
      const expansions = new Map<string, { data: FieldTermData; weight: number }>();
      const exact = ix._index.get(term);
      if (exact) expansions.set(term, { data: exact, weight: 1 });
      if (usePrefixFor(term, t, terms, autocomplete)) {
        for (const [derived, data] of ix._index.atPrefix(term)) {
          const distance = derived.length - term.length;
          if (distance > 0) expansions.set(derived, { data, weight: (PREFIX_WEIGHT * derived.length) / (derived.length + 0.3 * distance) });
        }
      }
      const fuzziness = fuzzinessIn(ix, term, exact);
      if (fuzziness > 0) {
        for (const [derived, [data, distance]] of ix._index.fuzzyGet(term, fuzziness)) {
          if (distance > 0 && !expansions.has(derived)) expansions.set(derived, { data, weight: (FUZZY_WEIGHT * derived.length) / (derived.length + distance) });
        }
      }
      for (const { data, weight } of expansions.values()) {
        for (const field of this.fields) {
          const postings = data.get(field.id);
          if (!postings) continue;
          const avg = ix._avgFieldLength[field.id]!;
          const idf = Math.log(1 + (total - postings.size + 0.5) / (postings.size + 0.5));
          const factor = weight * field.boost * idf;
          const base = BM25.k * (1 - BM25.b);
          const slope = (BM25.k * BM25.b) / avg;
          plan.push({ bit, postings, score: { factor, base, slope, lengths: this.columns.lengths[field.id]! } });
        }
        const headline = this.headlineField === undefined ? undefined : data.get(this.headlineField);
        if (headline) plan.push({ bit, postings: headline });
      }
    });
    return plan;
  }

  /**
   * Scores every posting of the plan; with `among`, only those of the stories in the bitset `scratch.term` (the
   * stories of one term: the scores of the stories with every term are the same sums, in the same order).
   */
  private accumulate(plan: PlanEntry[], from: number, to: number, full: number, among: PlanEntry[] | undefined): void {
    const filter = among ? this.scratch.term : undefined;
    const dated = from > 0 || to < 99999999;
    const dates = this.columns.dates;
    const { scores, masks, touched, headMasks, headFull } = this.scratch;
    for (const { bit, postings, score } of plan) {
      if (!score) {
        // After the title: a story whose headline has the term has it in its title, so it is touched already
        // (and passed the date filter) exactly when its mask has this term's bit.
        eachPosting(postings, (doc) => {
          if ((masks[doc]! & bit) === 0 || (headMasks[doc]! & bit) !== 0) return;
          headMasks[doc] = headMasks[doc]! | bit;
          if (headMasks[doc] === full) headFull.push(doc);
        });
        continue;
      }
      const { factor, base, slope, lengths } = score;
      const k1 = BM25.k + 1;
      const d = BM25.d;
      let count = this.scratch.touchedCount;
      if (postings instanceof LazyPostings) {
        // Stories removed since load stay in the slice but have length 0, so the slice plus the additions is exact.
        count = addPostings(postings.source, postings.start, postings.count, lengths, dated ? dates : undefined, from, to, touched, count, scores, masks, bit, filter, factor, base, slope);
        // No closure for a list with nothing added (most): `卡` plans a list per bigram it starts, hundreds of them.
        if (postings.pristine) {
          this.scratch.touchedCount = count;
          continue;
        }
      }
      // One adder for the postings added since load and for a live index's Map, so the BM25 step is written once.
      const add = (doc: number, tf: number): void => {
        if (filter && ((filter[doc >>> 5]! >>> (doc & 31)) & 1) === 0) return;
        const length = lengths[doc];
        if (!length) return;
        if (dated && (dates[doc]! < from || dates[doc]! > to)) return;
        if (masks[doc] === 0) touched[count++] = doc;
        scores[doc]! += factor * (d + (tf * k1) / (tf + base + slope * length));
        masks[doc]! |= bit;
      };
      if (postings instanceof LazyPostings) postings.eachAdded(add);
      else postings.forEach((tf, doc) => add(doc, tf));
      this.scratch.touchedCount = count;
    }
  }

  /**
   * Among the stories of one digest whose headlines name every query term, raises the first one in the digest
   * to just above the best of them (the rule in the class comment). `docs`: stories whose headline names every term.
   */
  private putIntroductionsFirst(full: number, docs: number[]): void {
    const groups = new Map<number, { first: number; best: number; size: number }>();
    const { scores, masks } = this.scratch;
    const { positions, dates } = this.columns;
    for (const doc of docs) {
      if (masks[doc] !== full) continue;
      const group = groups.get(dates[doc]!);
      if (!group) {
        groups.set(dates[doc]!, { first: doc, best: scores[doc]!, size: 1 });
        continue;
      }
      group.size++;
      if (positions[doc]! < positions[group.first]!) group.first = doc;
      if (scores[doc]! > group.best) group.best = scores[doc]!;
    }
    for (const { first, best, size } of groups.values()) {
      // 1e-6 clears the tie tolerance, so the follow-up cannot come first on the recency/position tie-break.
      if (size > 1 && scores[first]! < best) scores[first] = best * (1 + 1e-6);
    }
  }

  /** The section and `keep` filters as one test on a short id; `undefined` when there are none. */
  private admitter(options: ScoreOptions): ((doc: number) => boolean) | undefined {
    const { keep, sectionTitle, keepOn } = options;
    if (!keep && !sectionTitle) return undefined;
    const { dates, sectionIds } = this.columns;
    const titleIds = this.columns.titleIds;
    const stored = keep ? internalsOf(this.index)._storedFields : undefined;
    // The wanted section of the last date seen: a date's stories have neighbouring short ids, so this rarely changes.
    let titleDay = -1;
    let titleWanted = 0;
    let keepDay = -1;
    let keepAsked = true;
    return (doc) => {
      const day = dates[doc]!;
      if (sectionTitle) {
        if (day !== titleDay) {
          titleDay = day;
          const title = sectionTitle(titleDay);
          // -1 matches no story: no section that day, or a title no story has.
          titleWanted = title === undefined ? -1 : (titleIds.get(title) ?? -1);
        }
        if (sectionIds[doc] !== titleWanted) return false;
      }
      if (!keep) return true;
      if (keepOn && day !== keepDay) {
        keepDay = day;
        keepAsked = keepOn(day);
      }
      return !keepAsked || keep(day, stored!.get(doc) ?? {});
    };
  }

  /** Candidates whose mask covers `required` (0 = any), filtered: their exact count, and the page asked for in rank order. */
  private collect(ix: Internals, required: number, options: ScoreOptions): ScoredPage {
    const offset = Math.max(0, options.offset ?? 0);
    const limit = options.limit ?? Infinity;
    const want = limit <= 0 ? 0 : offset + limit;
    const heap: Candidate[] = []; // the worst kept candidate at heap[0]
    const { scores, masks, touched } = this.scratch;
    const { dates, positions } = this.columns;
    const admit = this.admitter(options);
    let total = 0;
    for (let i = 0; i < this.scratch.touchedCount; i++) {
      const doc = touched[i]!;
      const mask = masks[doc]!;
      if ((mask & required) !== required) continue;
      if (admit && !admit(doc)) continue;
      total++;
      if (want === 0) continue;
      const score = scores[doc]! * popcount(mask);
      // Most stories of a common word lose on score alone.
      if (heap.length >= want && score < heap[0]!.score && !tied(score, heap[0]!.score)) continue;
      const candidate: Candidate = { doc, score, date: dates[doc]!, pos: positions[doc]! };
      if (heap.length < want) heapPush(heap, candidate);
      else if (worse(candidate, heap[0]!) < 0) heapReplaceTop(heap, candidate);
    }
    return { hits: this.hitsOf(ix, heap, offset), total };
  }

  private hitsOf(ix: Internals, heap: Candidate[], offset: number): SearchHit[] {
    return heap
      .sort(worse)
      .slice(offset)
      .map((c) => {
        const stored = ix._storedFields.get(c.doc)!;
        return { id: String(stored.id), date: String(stored.date), section: String(stored.section), title: String(stored.title), score: c.score };
      });
  }
}
