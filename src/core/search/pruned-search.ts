// Top-k without scoring every posting: exact totals from bitsets, and only the blocks of stories whose score bound can still reach the page.
import { addPostings, BM25 } from "./bm25.js";
import { LazyPostings } from "./lazy-postings.js";
import { type BoundsCache, computeBounds, type ListBounds, type PairList, pairsOf, sortedPairs } from "./list-bounds.js";
import type { QueryScratch } from "./query-scratch.js";
import type { StoryColumns } from "./story-columns.js";
import { type Candidate, heapPush, heapReplaceTop, popcount, tied, worse } from "./top-k.js";

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

type Score = NonNullable<PlanEntry["score"]>;

interface Step {
  entry: PlanEntry;
  list: PairList;
  bounds: ListBounds;
  added: { list: PairList; bounds: ListBounds } | undefined;
}

/** Lists this long or longer keep their bounds between queries (`BoundsCache`); shorter ones are bounded per query. */
export const CACHE_FROM_POSTINGS = 256;
/** A plain Map this long (a built index before its first compaction) is not copied into pairs: the full scoring runs instead. */
const MAX_MAP_COPY = 4096;
/** Lists this short are never left out as weak (MaxScore): scoring their stories costs less than a loose bound. */
const SHORT_LIST = 256;
/** Relative slack on a score bound: it is summed in another order than the score, so rounding may differ in the last bits. */
const BOUND_SLACK = 1e-12;
/** The introductions-first raise (`StoryScorer.putIntroductionsFirst`). */
const INTRODUCTION_RAISE = 1e-6;

/**
 * The pruned search over the stories matching every term (AND). Returns `undefined` when it does not apply (a long
 * list held in a plain Map); otherwise the exact total and the best `want` candidates, ranked exactly as scoring
 * every posting would rank them (same sums in the same order, same tie rules):
 *
 * 1. The total: each term's stories as a bitset (the OR of its lists' cached bitsets), ANDed over the terms, the
 *    date range applied per block (whole blocks by their date range), the other filters on the matches.
 * 2. The page: the stories are cut into blocks of short ids. A block's bound is the sum over the query's lists of
 *    the best a story there can score (largest term frequency, shortest field). Blocks are scored (all their
 *    postings, in the same order as the full scoring) best bound first, and a block is skipped once the page's
 *    worst hit beats its bound — or ties it and is newer than any story of the block (ties rank newer first).
 *    A story that introduces the subject may be raised to just above its digest's best (see the scorer), so the
 *    blocks of the stories whose headlines name every term are scored together with their digest's, and bounded
 *    by that digest's best block.
 */
export function prunedSearch(q: PrunedQuery, columns: StoryColumns, scratch: QueryScratch, cache: BoundsCache, putIntroductionsFirst: (docs: number[]) => void): { total: number; heap: Candidate[] } | undefined {
  const B = columns.blockSize;
  const steps: Step[] = [];
  for (const entry of q.plan) {
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
  const words = columns.capacity / 32;
  const blocks = columns.capacity / B;
  const wordsPerBlock = B / 32;
  const shift = 31 - Math.clz32(B);
  const { all, term, head } = scratch;
  const { dates, live } = columns;

  // 1. Every term's stories, ANDed: `all`.
  const setBits = (bits: Uint32Array, list: PairList) => {
    const { src, start, count } = list;
    for (let i = start, end = start + 2 * count; i < end; i += 2) bits[src[i]! >>> 5]! |= 1 << (src[i]! & 31);
  };
  const termBits = (bit: number, headline: boolean): void => {
    term.fill(0, 0, words);
    for (const step of steps) {
      if (step.entry.bit !== bit || (step.entry.score === undefined) !== headline) continue;
      const cached = step.bounds.words;
      if (cached) for (let w = 0, n = Math.min(words, cached.length); w < n; w++) term[w]! |= cached[w]!;
      else setBits(term, step.list);
      if (step.added) setBits(term, step.added.list);
    }
  };
  const terms = popcount(q.full);
  for (let t = 0; t < terms; t++) {
    termBits(1 << t, false);
    const base = t === 0 ? live : all;
    for (let w = 0; w < words; w++) all[w] = base[w]! & term[w]!;
  }
  if (q.dated) {
    for (let b = 0; b < blocks; b++) {
      const lo = columns.blockMinDate[b]!;
      const hi = columns.blockMaxDate[b]!;
      if (lo >= q.from && hi <= q.to) continue;
      for (let w = b * wordsPerBlock, end = w + wordsPerBlock; w < end; w++) {
        if (hi < q.from || lo > q.to) all[w] = 0;
        for (let x = all[w]!; x !== 0; x &= x - 1) {
          const doc = w * 32 + (31 - Math.clz32(x & -x));
          if (dates[doc]! < q.from || dates[doc]! > q.to) all[w]! &= ~(x & -x);
        }
      }
    }
  }
  // The page's stories pass the other filters too; `all` stays whole for the introductions (a digest's best story
  // raises its introduction whatever section either is in).
  const allowed = q.admit ? scratch.allowed : all;
  let total = 0;
  const blockHas = new Uint8Array(blocks);
  for (let b = 0; b < blocks; b++) {
    for (let w = b * wordsPerBlock, end = w + wordsPerBlock; w < end; w++) {
      const x = all[w]!;
      if (q.admit) {
        let kept = 0;
        for (let y = x; y !== 0; y &= y - 1) if (q.admit(w * 32 + (31 - Math.clz32(y & -y)))) kept |= y & -y;
        allowed[w] = kept;
      }
      if (allowed[w] === 0) continue;
      total += popcount(allowed[w]!);
      blockHas[b] = 1;
    }
  }
  if (total === 0 || q.want === 0) return { total, heap: [] };

  // 2. Each scored list's bound: the most one story can get from it (largest term frequency, shortest field).
  const k1 = BM25.k + 1;
  const gain = (sc: Score, tf: number, length: number) => sc.factor * (BM25.d + (tf * k1) / (tf + sc.base + sc.slope * length));
  const listBound = steps.map((step) => {
    const sc = step.entry.score;
    let best = 0;
    if (!sc) return best;
    for (const bounds of step.added ? [step.bounds, step.added.bounds] : [step.bounds]) {
      for (let b = 0; b < bounds.blocks; b++) if (bounds.maxTf[b]! > 0) best = Math.max(best, gain(sc, bounds.maxTf[b]!, bounds.minLength[b]!));
    }
    return best;
  });
  const { scores, masks, headMasks, touched, partial, candidates } = scratch;
  const headFull = scratch.headFull;
  const cursors = new Uint32Array(2 * steps.length);
  let exactMask = 0;
  let exactHead = 0;
  /** Exact score of one story: its postings found in each list, summed in plan order (the very sum the full scoring makes). */
  const exact = (doc: number): number => {
    let sum = 0;
    let mask = 0;
    let headMask = 0;
    for (let k = 0; k < steps.length; k++) {
      const step = steps[k]!;
      let tf = find(step.list, cursors, 2 * k, doc);
      if (tf === 0 && step.added) tf = find(step.added.list, cursors, 2 * k + 1, doc);
      if (tf === 0) continue;
      const { bit, score } = step.entry;
      if (score) {
        const length = score.lengths[doc]!;
        if (length === 0) continue;
        sum = sum + score.factor * (BM25.d + (tf * k1) / (tf + score.base + score.slope * length));
        mask |= bit;
      } else if ((mask & bit) !== 0) {
        headMask |= bit;
      }
    }
    exactMask = mask;
    exactHead = headMask;
    return sum;
  };
  const store = (doc: number): void => {
    scores[doc] = exact(doc);
    masks[doc] = exactMask;
    headMasks[doc] = exactHead;
    touched[scratch.touchedCount++] = doc;
    if (exactHead === q.full) headFull.push(doc);
  };
  const heap: Candidate[] = [];
  const offer = (doc: number): void => {
    if (!isAllowed(doc)) return;
    const score = scores[doc]! * terms;
    if (heap.length >= q.want && score < heap[0]!.score && !tied(score, heap[0]!.score)) return;
    const candidate: Candidate = { doc, score, date: dates[doc]!, pos: columns.positions[doc]! };
    if (heap.length < q.want) heapPush(heap, candidate);
    else if (worse(candidate, heap[0]!) < 0) heapReplaceTop(heap, candidate);
  };
  const isAllowed = (doc: number) => ((allowed[doc >>> 5]! >>> (doc & 31)) & 1) === 1;
  /** Calls `fn` with each posting of the step in a block holding allowed stories (the others cannot place). */
  const inBlocks = (step: Step, blockOn: Uint8Array, fn: (doc: number, tf: number) => void): void => {
    for (const part of step.added ? [step, step.added] : [step]) {
      const { src, start } = part.list;
      const { offsets } = part.bounds;
      for (let b = 0, n = Math.min(blocks, part.bounds.blocks); b < n; b++) {
        if (!blockOn[b]) continue;
        for (let i = start + 2 * offsets[b]!, end = start + 2 * offsets[b + 1]!; i < end; i += 2) fn(src[i]!, src[i + 1]!);
      }
    }
  };

  // 3. The digests where an introduction may be raised: two or more stories whose headlines name every term.
  const groups: number[][] = [];
  const groupOf = scratch.group;
  if (q.introductionsFirst) {
    for (let t = 0; t < terms; t++) {
      termBits(1 << t, true);
      const base = t === 0 ? all : head;
      for (let w = 0; w < words; w++) head[w] = base[w]! & term[w]!;
    }
    // By date then short id, as numbers (date × 2^24 + id is exact in a double): no Map per query.
    let n = 0;
    for (let w = 0; w < words; w++) if (head[w] !== 0) n += popcount(head[w]!);
    const keys = new Float64Array(n);
    n = 0;
    for (let w = 0; w < words; w++) {
      for (let x = head[w]!; x !== 0; x &= x - 1) {
        const doc = w * 32 + (31 - Math.clz32(x & -x));
        keys[n++] = dates[doc]! * 2 ** 24 + doc;
      }
    }
    // Short ids follow the archive's order, so the dates usually come sorted already (not after an old digest's edit).
    let sorted = true;
    for (let i = 1; i < n && sorted; i++) sorted = keys[i - 1]! <= keys[i]!;
    if (!sorted) keys.sort();
    for (let i = 0; i < n; ) {
      const date = Math.floor(keys[i]! / 2 ** 24);
      let j = i + 1;
      while (j < n && Math.floor(keys[j]! / 2 ** 24) === date) j++;
      if (j - i > 1) {
        const members: number[] = [];
        for (let k = i; k < j; k++) members.push(keys[k]! - date * 2 ** 24);
        groups.push(members);
        for (const doc of members) groupOf[doc] = groups.length;
      }
      i = j;
    }
  }

  // 4. A first worst score: the stories the strongest lists give most, scored exactly.
  const byBound = steps.map((_, k) => k).filter((k) => steps[k]!.entry.score).sort((a, b) => listBound[b]! - listBound[a]!);
  let theta = 0;
  {
    const best = new Best(q.want);
    for (const k of byBound) {
      const step = steps[k]!;
      const sc = step.entry.score!;
      const lengths = sc.lengths;
      inBlocks(step, blockHas, (doc, tf) => {
        if (isAllowed(doc) && lengths[doc] !== 0) best.offer(gain(sc, tf, lengths[doc]!), doc);
      });
      if (best.size === q.want) break;
    }
    const found = new Best(q.want);
    for (const doc of new Set(best.docs())) found.offer(exact(doc) * terms, doc);
    // Raw scores: a raise only adds, so the page's worst is at least this.
    if (found.size === q.want) theta = found.min;
  }

  // 5. MaxScore: long lists whose bounds, summed from the weakest, cannot reach that worst score are "weak"; a story
  // in weak lists only cannot reach the page. The other lists give the candidates, each bounded by what those lists
  // give it plus the weak lists' bounds in its block. Short lists are never weak: their stories cost little.
  const ascending = [...byBound].reverse().filter((k) => steps[k]!.list.count > SHORT_LIST);
  const weakLists: number[] = [];
  let weak = 0;
  for (const k of ascending) {
    const next = weak + listBound[k]!;
    if (!(theta > 0 && next * terms * (1 + BOUND_SLACK) < theta * (1 - 1e-8))) break;
    weak = next;
    weakLists.push(k);
  }
  const weakInBlock = new Float64Array(blocks);
  for (const k of weakLists) {
    const step = steps[k]!;
    const sc = step.entry.score!;
    for (const bounds of step.added ? [step.bounds, step.added.bounds] : [step.bounds]) {
      for (let b = 0, n = Math.min(blocks, bounds.blocks); b < n; b++) if (bounds.maxTf[b]! > 0) weakInBlock[b]! += gain(sc, bounds.maxTf[b]!, bounds.minLength[b]!);
    }
  }
  const strong = byBound.filter((k) => !weakLists.includes(k));
  let count = 0;
  // Partial sums for the allowed stories and for the introductions' digests (a raise may come from a story the
  // other filters leave out), in the blocks that hold any.
  const scan = blockHas.slice();
  for (const members of groups) for (const doc of members) scan[doc >>> shift] = 1;
  const inAll = (doc: number) => ((all[doc >>> 5]! >>> (doc & 31)) & 1) === 1;
  for (const k of strong) {
    const sc = steps[k]!.entry.score!;
    const lengths = sc.lengths;
    inBlocks(steps[k]!, scan, (doc, tf) => {
      if (!inAll(doc) || lengths[doc] === 0) return;
      if (partial[doc] === 0) candidates[count++] = doc;
      partial[doc] = partial[doc]! + gain(sc, tf, lengths[doc]!);
    });
  }
  const scale = terms * (1 + BOUND_SLACK);
  const boundOf = (doc: number) => (partial[doc]! + weakInBlock[doc >>> shift]!) * scale;
  const groupBounds = new Float64Array(groups.length + 1);
  for (let g = 1; g <= groups.length; g++) {
    let best = 0;
    for (const doc of groups[g - 1]!) best = Math.max(best, boundOf(doc));
    groupBounds[g] = best * (1 + INTRODUCTION_RAISE);
  }
  const doneGroup = new Uint8Array(groups.length + 1);
  const mayPlace = (bound: number, date: number): boolean => {
    if (heap.length < q.want) return true;
    const worst = heap[0]!;
    // Above this a story could beat the worst hit on score; up to it, only tie with it (`tied`: 1e-9 relative).
    if (bound > worst.score * (1 + 5e-10)) return true;
    // A tie goes to the newer story, then the earlier one in the digest.
    return bound >= worst.score * (1 - 1e-8) && date >= worst.date;
  };
  /** Scores a story, or its digest's stories whose headlines name every term (then raises the introduction), and offers them. */
  const place = (doc: number): void => {
    const g = groupOf[doc]!;
    if (g === 0) {
      if (masks[doc] !== 0) return;
      store(doc);
      offer(doc);
      return;
    }
    if (doneGroup[g]) return;
    doneGroup[g] = 1;
    headFull.length = 0;
    for (const member of groups[g - 1]!) store(member);
    putIntroductionsFirst(headFull);
    for (const member of groups[g - 1]!) offer(member);
  };
  const boundOfUnit = (doc: number): number => {
    const g = groupOf[doc]!;
    return g === 0 ? boundOf(doc) : groupBounds[g]!;
  };
  // The most promising first (a high worst score early skips most of the rest), then whatever can still place.
  const first = new Best(q.want);
  for (let i = 0; i < count; i++) {
    const doc = candidates[i]!;
    if (isAllowed(doc) || groupOf[doc] !== 0) first.offer(boundOfUnit(doc), doc);
  }
  for (const doc of first.docs()) place(doc);
  for (let i = 0; i < count; i++) {
    const doc = candidates[i]!;
    const g = groupOf[doc]!;
    if ((g === 0 ? masks[doc] === 0 && isAllowed(doc) : !doneGroup[g]) && mayPlace(boundOfUnit(doc), dates[doc]!)) place(doc);
  }
  for (let g = 1; g <= groups.length; g++) if (!doneGroup[g] && mayPlace(groupBounds[g]!, dates[groups[g - 1]![0]!]!)) place(groups[g - 1]![0]!);
  for (const members of groups) for (const doc of members) groupOf[doc] = 0;
  for (let i = 0; i < count; i++) partial[candidates[i]!] = 0;
  return { total, heap };
}

/** The `size` largest values offered, with their stories (a small array: `size` is a page). */
class Best {
  private readonly values: number[] = [];
  private readonly ids: number[] = [];
  min = -Infinity;
  private minAt = 0;
  constructor(private readonly capacity: number) {}
  get size(): number {
    return this.values.length;
  }
  offer(value: number, doc: number): void {
    if (this.values.length < this.capacity) {
      this.values.push(value);
      this.ids.push(doc);
      if (this.values.length === this.capacity) this.findMin();
      return;
    }
    if (value <= this.min) return;
    this.values[this.minAt] = value;
    this.ids[this.minAt] = doc;
    this.findMin();
  }
  docs(): number[] {
    return this.ids;
  }
  private findMin(): void {
    this.minAt = 0;
    for (let i = 1; i < this.values.length; i++) if (this.values[i]! < this.values[this.minAt]!) this.minAt = i;
    this.min = this.values[this.minAt]!;
  }
}

/** Term frequency of `doc` in `list` (0: absent), seeking from `cursors[at]` (galloping: stories mostly come in ascending order). */
function find(list: PairList, cursors: Uint32Array, at: number, doc: number): number {
  const { src, start, count } = list;
  let lo = cursors[at]!;
  // Stories come in ascending order within a pass; a story before the cursor starts the search over.
  if (lo > 0 && (lo >= count || src[start + 2 * lo]! > doc) && src[start + 2 * (lo - 1)]! >= doc) lo = 0;
  if (lo >= count) return 0;
  if (src[start + 2 * lo]! < doc) {
    // Gallop, then bisect: src[lo] < doc <= src[hi] (or hi = count).
    let step = 1;
    let hi = lo + 1;
    while (hi < count && src[start + 2 * hi]! < doc) {
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
    if (hi > count) hi = count;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (src[start + 2 * mid]! < doc) lo = mid;
      else hi = mid;
    }
    lo = hi;
  }
  cursors[at] = lo;
  return lo < count && src[start + 2 * lo] === doc ? src[start + 2 * lo + 1]! : 0;
}
