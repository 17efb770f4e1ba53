// Top-k BM25 scoring straight on MiniSearch's postings: MiniSearch builds a result object per matching story, ~5 µs each; this does not.
import type MiniSearch from "minisearch";
import { parseStoryId } from "../digest/model.js";
import type { SearchHit } from "../search.js";
import { eachPosting, LazyPostings } from "./lazy-postings.js";
import { type FieldTermData, internalsOf, type MiniSearchInternals } from "./minisearch-internals.js";
import { FIELD_BOOSTS, type StoryDoc } from "./index-options.js";
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
  private scores = new Float64Array(0);
  private masks = new Uint32Array(0);
  /** Stories touched by the current query (a typed array: `number[]` emptied with `length = 0` made the hot loop 10× slower). */
  private touched = new Uint32Array(0);
  private touchedCount = 0;
  /** Query terms (bits) each story's headline names; set only on stories already touched. */
  private headMasks = new Uint32Array(0);
  /** Stories whose headline names every query term (usually a handful), gathered while scoring. */
  private headFull: number[] = [];
  private readonly fields: { id: number; boost: number }[];
  /** Field id of the unscored `headline` field; `undefined` on an index built without it. */
  private readonly headlineField: number | undefined;

  constructor(private readonly index: MiniSearch<StoryDoc>) {
    const internals = internalsOf(index);
    this.fields = Object.entries(FIELD_BOOSTS).map(([name, boost]) => ({ id: internals._fieldIds[name]!, boost }));
    this.headlineField = internals._fieldIds.headline;
  }

  /** The best hits, best first (see `searchPage`). */
  search(query: string, options: ScoreOptions = {}): SearchHit[] {
    return this.searchPage(query, options).hits;
  }

  /**
   * The hits from `offset` to `offset + limit` (default: all), best first, and the exact total: the matching stories
   * are counted while only the best `offset + limit` are kept in a heap.
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
    this.headFull.length = 0;
    this.accumulate(ix, terms, options.prefix === true, day(options.from, 0), day(options.to, 99999999), full);
    if (options.introductionsFirst !== false) this.putIntroductionsFirst(full);
    let page = this.collect(ix, full, options);
    if (page.total === 0 && terms.length > 1 && options.requireAll !== true) page = this.collect(ix, 0, options);
    for (let i = 0; i < this.touchedCount; i++) {
      const doc = this.touched[i]!;
      this.scores[doc] = 0;
      this.masks[doc] = 0;
      this.headMasks[doc] = 0;
    }
    this.touchedCount = 0;
    return page;
  }

  /**
   * Field lengths as dense arrays by short id (0 = no such story): a Map lookup per posting was half the cost of a
   * query on a common word. Kept up to date in O(change): stories added since the last query are read from the index
   * (`_nextId` grows), removed ones are zeroed by `forget`; a count that does not add up rebuilds them all.
   */
  private lengths: Uint32Array[] = [];
  /** Story date as the number YYYYMMDD, by short id. */
  private dates = new Uint32Array(0);
  /** Story position in its digest (section × 1000 + story, 0-based), by short id. */
  private positions = new Uint32Array(0);
  /** Story section title, interned (`titleIds`), by short id. */
  private sectionIds = new Uint32Array(0);
  /** Section titles seen, numbered from 1 (a few hundred over an archive: digests repeat their sections). */
  private readonly titleIds = new Map<string, number>();
  /** Short ids below this have been read; stories the arrays hold. */
  private knownNextId = -1;
  private knownCount = 0;

  /**
   * Tells the scorer that the story with this short id is about to leave the index (MiniSearch `remove`/`discard`),
   * so it stops counting at once. Without it the next query rebuilds the arrays (O(archive)).
   */
  forget(shortId: number): void {
    if (shortId >= this.knownNextId || this.dates[shortId] === 0) return;
    for (const field of this.fields) this.lengths[field.id]![shortId] = 0;
    this.dates[shortId] = 0;
    this.knownCount--;
  }

  private readStory(ix: Internals, doc: number): boolean {
    const lengths = ix._fieldLength.get(doc);
    const stored = ix._storedFields.get(doc);
    if (!lengths || !stored) return false;
    // A story's field of length 0 holds no terms, so 0 can mean "absent" without loss.
    for (const field of this.fields) this.lengths[field.id]![doc] = lengths[field.id] ?? 0;
    this.dates[doc] = Number(String(stored.date).replaceAll("-", ""));
    const at = parseStoryId(String(stored.id));
    // Stable ids carry no position; a digest's stories are indexed in digest order, so the document number is it.
    this.positions[doc] = at ? at.sectionIndex * 1000 + at.storyIndex : doc;
    this.sectionIds[doc] = this.titleId(String(stored.section));
    return true;
  }

  private titleId(title: string): number {
    let id = this.titleIds.get(title);
    if (id === undefined) {
      id = this.titleIds.size + 1;
      this.titleIds.set(title, id);
    }
    return id;
  }

  private grow(size: number): void {
    if (this.dates.length >= size) return;
    const capacity = Math.max(size, Math.ceil(this.dates.length * 1.5), 1024);
    const bigger = (a: Uint32Array) => {
      const b = new Uint32Array(capacity);
      b.set(a);
      return b;
    };
    for (const field of this.fields) this.lengths[field.id] = bigger(this.lengths[field.id] ?? new Uint32Array(0));
    this.dates = bigger(this.dates);
    this.positions = bigger(this.positions);
    this.sectionIds = bigger(this.sectionIds);
    this.scores = new Float64Array(capacity);
    this.masks = new Uint32Array(capacity);
    this.touched = new Uint32Array(capacity);
    this.headMasks = new Uint32Array(capacity);
  }

  private refreshLengths(ix: Internals): void {
    if (this.knownNextId === ix._nextId && this.knownCount === ix._documentCount) return;
    this.grow(ix._nextId + 1);
    if (this.knownNextId >= 0 && this.knownNextId <= ix._nextId) {
      for (let doc = this.knownNextId; doc < ix._nextId; doc++) if (this.readStory(ix, doc)) this.knownCount++;
      this.knownNextId = ix._nextId;
      if (this.knownCount === ix._documentCount) return;
    }
    for (const field of this.fields) this.lengths[field.id]!.fill(0);
    this.dates.fill(0);
    this.positions.fill(0);
    this.sectionIds.fill(0);
    this.knownCount = 0;
    ix._fieldLength.forEach((_, doc) => {
      if (this.readStory(ix, doc)) this.knownCount++;
    });
    this.knownNextId = ix._nextId;
  }

  private lengthsOf(_ix: Internals, fieldId: number): Uint32Array {
    return this.lengths[fieldId]!;
  }

  private accumulate(ix: Internals, terms: string[], autocomplete: boolean, from: number, to: number, full: number): void {
    this.refreshLengths(ix);
    const dated = from > 0 || to < 99999999;
    const dates = this.dates;
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
          const lengths = this.lengthsOf(ix, field.id);
          const k1 = BM25.k + 1;
          const base = BM25.k * (1 - BM25.b);
          const slope = (BM25.k * BM25.b) / avg;
          const scores = this.scores;
          const masks = this.masks;
          const touched = this.touched;
          const d = BM25.d;
          let count = this.touchedCount;
          // One adder for the postings added since load and for a live index's Map, so the BM25 step is written once.
          const add = (doc: number, tf: number): void => {
            const length = lengths[doc];
            if (!length) return;
            if (dated && (dates[doc]! < from || dates[doc]! > to)) return;
            if (masks[doc] === 0) touched[count++] = doc;
            scores[doc]! += factor * (d + (tf * k1) / (tf + base + slope * length));
            masks[doc]! |= bit;
          };
          if (postings instanceof LazyPostings) {
            // Stories removed since load stay in the slice but have length 0, so the slice plus the additions is exact.
            count = addPostings(postings.source, postings.start, postings.count, lengths, dated ? dates : undefined, from, to, touched, count, scores, masks, bit, factor, base, slope);
            if (!postings.pristine) postings.eachAdded(add);
          } else {
            postings.forEach((tf, doc) => add(doc, tf));
          }
          this.touchedCount = count;
        }
        // After the title: a story whose headline has the term has it in its title, so it is touched already
        // (and passed the date filter) exactly when its mask has this term's bit.
        const headline = this.headlineField === undefined ? undefined : data.get(this.headlineField);
        if (headline) {
          const masks = this.masks;
          const headMasks = this.headMasks;
          const headFull = this.headFull;
          eachPosting(headline, (doc) => {
            if ((masks[doc]! & bit) === 0 || (headMasks[doc]! & bit) !== 0) return;
            headMasks[doc] = headMasks[doc]! | bit;
            if (headMasks[doc] === full) headFull.push(doc);
          });
        }
      }
    });
  }

  /**
   * Among the stories of one digest whose headlines name every query term, raises the first one in the digest
   * to just above the best of them (the rule in the class comment).
   */
  private putIntroductionsFirst(full: number): void {
    const groups = new Map<number, { first: number; best: number; size: number }>();
    const { scores, masks, positions, dates } = this;
    for (const doc of this.headFull) {
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

  /** Candidates whose mask covers `required` (0 = any), filtered: their exact count, and the page asked for in rank order. */
  private collect(ix: Internals, required: number, options: ScoreOptions): ScoredPage {
    const offset = Math.max(0, options.offset ?? 0);
    const limit = options.limit ?? Infinity;
    const want = limit <= 0 ? 0 : offset + limit;
    const heap: Candidate[] = []; // the worst kept candidate at heap[0]
    const { scores, masks, dates, positions, sectionIds } = this;
    const { keep, sectionTitle } = options;
    const stored = keep ? internalsOf(this.index)._storedFields : undefined;
    // The wanted section of the last date seen: a date's stories have neighbouring short ids, so this rarely changes.
    let titleDay = -1;
    let titleWanted = 0;
    let total = 0;
    for (let i = 0; i < this.touchedCount; i++) {
      const doc = this.touched[i]!;
      const mask = masks[doc]!;
      if ((mask & required) !== required) continue;
      if (sectionTitle) {
        if (dates[doc] !== titleDay) {
          titleDay = dates[doc]!;
          const title = sectionTitle(titleDay);
          // -1 matches no story: no section that day, or a title no story has.
          titleWanted = title === undefined ? -1 : (this.titleIds.get(title) ?? -1);
        }
        if (sectionIds[doc] !== titleWanted) continue;
      }
      if (keep && !keep(dates[doc]!, stored!.get(doc) ?? {})) continue;
      total++;
      if (want === 0) continue;
      const score = scores[doc]! * popcount(mask);
      // Most stories of a common word lose on score alone.
      if (heap.length >= want && score < heap[0]!.score && !tied(score, heap[0]!.score)) continue;
      const candidate: Candidate = { doc, score, date: dates[doc]!, pos: positions[doc]! };
      if (heap.length < want) heapPush(heap, candidate);
      else if (worse(candidate, heap[0]!) < 0) heapReplaceTop(heap, candidate);
    }
    const hits = heap
      .sort(worse)
      .slice(offset)
      .map((c) => {
        const stored = ix._storedFields.get(c.doc)!;
        return { id: String(stored.id), date: String(stored.date), section: String(stored.section), title: String(stored.title), score: c.score };
      });
    return { hits, total };
  }
}
