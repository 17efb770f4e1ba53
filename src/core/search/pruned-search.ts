// Top-k without scoring every posting: exact totals from bitsets, and only the blocks of stories whose score bound can still reach the page.
import { BM25 } from "./bm25.js";
import type { BoundsCache } from "./list-bounds.js";
import { countAllowed, introductionGroups, matchEveryTerm, NO_GROUPS } from "./match-bitsets.js";
import { addGains, Best, find, offerGains, weakBound, type WeakLists } from "./pruned-loops.js";
import { type PrunedQuery, planSteps, type Score } from "./pruned-plan.js";
import type { QueryScratch } from "./query-scratch.js";
import type { StoryColumns } from "./story-columns.js";
import { type Candidate, heapPush, heapReplaceTop, popcount, tied, worse } from "./top-k.js";

export { CACHE_FROM_POSTINGS, type PlanEntry, type PrunedQuery } from "./pruned-plan.js";

/** Lists this short are never left out as weak (MaxScore): scoring their stories costs less than a loose bound. */
const SHORT_LIST = 256;
/** Relative slack on a score bound: it is summed in another order than the score, so rounding may differ in the last bits. */
const BOUND_SLACK = 1e-12;
/** The introductions-first raise (`StoryScorer.putIntroductionsFirst`: 1e-6 clears the tie tolerance). */
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
export function prunedSearch(q: PrunedQuery, columns: StoryColumns, scratch: QueryScratch, cache: BoundsCache): { total: number; heap: Candidate[] } | undefined {
  const steps = planSteps(q.plan, columns.blockSize, cache);
  if (!steps) return undefined;
  const B = columns.blockSize;
  const words = columns.capacity / 32;
  const blocks = columns.capacity / B;
  const wordsPerBlock = B / 32;
  const shift = 31 - Math.clz32(B);
  const { dates } = columns;

  // 1. Every term's stories, ANDed (`all`), and those of them the other filters admit: the exact total.
  const terms = popcount(q.full);
  const heldCount = matchEveryTerm(q, steps, terms, columns, scratch);
  const all = scratch.all;
  const allowed = q.admit ? scratch.allowed : all;
  const blockHas = new Uint8Array(blocks);
  const total = countAllowed(q, heldCount, words, wordsPerBlock, scratch, allowed, blockHas);
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
  const positions = columns.positions;
  /**
   * `StoryScorer.putIntroductionsFirst` for one digest's stories whose headlines name every term: the first of them
   * in the digest is raised to just above the best of them.
   */
  const raiseIntroduction = (docs: number[]): void => {
    let first = -1;
    let best = 0;
    let size = 0;
    for (const doc of docs) {
      if (masks[doc] !== q.full) continue;
      size++;
      if (first < 0) {
        first = doc;
        best = scores[doc]!;
        continue;
      }
      if (positions[doc]! < positions[first]!) first = doc;
      if (scores[doc]! > best) best = scores[doc]!;
    }
    if (size > 1 && scores[first]! < best) scores[first] = best * (1 + INTRODUCTION_RAISE);
  };
  const isAllowed = (doc: number) => ((allowed[doc >>> 5]! >>> (doc & 31)) & 1) === 1;

  // 3. The digests where an introduction may be raised: two or more stories whose headlines name every term.
  const groupOf = scratch.group;
  const groups = q.introductionsFirst ? introductionGroups(steps, terms, heldCount, columns, scratch) : NO_GROUPS;
  const { start: groupStart, members: groupDocs } = groups;
  const clearGroups = () => {
    for (let x = 0; x < groupStart[groups.count]!; x++) groupOf[groupDocs[x]!] = 0;
  };

  // 4. A first worst score: the stories the strongest lists give most, scored exactly. The strongest list's gains
  // go straight into the partial sums (it is never weak: no worst score exceeds every list's bound together).
  const byBound = steps.map((_, k) => k).filter((k) => steps[k]!.entry.score).sort((a, b) => listBound[b]! - listBound[a]!);
  // Partial sums for the allowed stories and for the introductions' digests (a raise may come from a story the
  // other filters leave out), in the blocks that hold any.
  const scan = blockHas.slice();
  for (let x = 0; x < groupStart[groups.count]!; x++) scan[groupDocs[x]! >>> shift] = 1;
  let count = 0;
  const addList = (k: number): void => {
    const step = steps[k]!;
    const sc = step.entry.score!;
    for (const part of step.added ? [step, step.added] : [step]) {
      count = addGains(part.list.src, part.list.start, part.bounds.offsets, Math.min(blocks, part.bounds.blocks), scan, all, sc.lengths, partial, candidates, count, sc.factor, sc.base, sc.slope);
    }
  };
  const strongest = byBound[0];
  let theta = 0;
  {
    const best = new Best(q.want);
    if (strongest !== undefined) {
      addList(strongest);
      for (let i = 0; i < count; i++) if (isAllowed(candidates[i]!)) best.offer(partial[candidates[i]!]!, candidates[i]!);
    }
    for (const k of byBound.slice(1)) {
      if (best.size === q.want) break;
      const step = steps[k]!;
      const sc = step.entry.score!;
      for (const part of step.added ? [step, step.added] : [step]) {
        offerGains(part.list.src, part.list.start, part.bounds.offsets, Math.min(blocks, part.bounds.blocks), blockHas, allowed, sc.lengths, best, sc.factor, sc.base, sc.slope);
      }
    }
    const found = new Best(q.want);
    for (const doc of best.docs()) found.offer(exact(doc) * terms, doc);
    // Raw scores: a raise only adds, so the page's worst is at least this.
    if (found.size === q.want) theta = found.min;
  }
  if (theta === 0 && total > 4 * q.want) {
    // Nothing to bound the page with (a page deeper than the strong lists): scoring every posting costs less.
    clearGroups();
    for (let i = 0; i < count; i++) partial[candidates[i]!] = 0;
    return undefined;
  }

  // 5. MaxScore: long lists whose bounds, summed from the weakest, cannot reach that worst score are "weak"; a story
  // in weak lists only cannot reach the page. The other lists give the candidates, each bounded by what those lists
  // give it plus, for each weak list holding it (its bitset), that list's best gain in its block (`weakBound`). Short
  // lists are never weak: their stories cost little.
  const ascending = [...byBound].reverse().filter((k) => k !== strongest && steps[k]!.list.count > SHORT_LIST);
  const weakLists: number[] = [];
  let weak = 0;
  for (const k of ascending) {
    const next = weak + listBound[k]!;
    if (!(theta > 0 && next * terms * (1 + BOUND_SLACK) < theta * (1 - 1e-8))) break;
    weak = next;
    weakLists.push(k);
  }
  // A weak list no longer loosens every candidate's bound by its block's best: a story gets a weak list's bound only
  // if the list holds it (its bitset, just read for the total, so still in the CPU caches), so no weak list is worth
  // reading in full.
  const weakSet: WeakLists = { count: 0, words: [], blockGain: [], looseInBlock: new Float64Array(blocks) };
  const looseInBlock = weakSet.looseInBlock;
  for (const k of weakLists) {
    const step = steps[k]!;
    const sc = step.entry.score!;
    const words = step.bounds.words;
    if (words) {
      const blockGain = new Float64Array(blocks);
      const bounds = step.bounds;
      for (let b = 0, n = Math.min(blocks, bounds.blocks); b < n; b++) if (bounds.maxTf[b]! > 0) blockGain[b] = gain(sc, bounds.maxTf[b]!, bounds.minLength[b]!);
      weakSet.count++;
      weakSet.words.push(words);
      weakSet.blockGain.push(blockGain);
    }
    for (const bounds of words ? (step.added ? [step.added.bounds] : []) : step.added ? [step.bounds, step.added.bounds] : [step.bounds]) {
      for (let b = 0, n = Math.min(blocks, bounds.blocks); b < n; b++) if (bounds.maxTf[b]! > 0) looseInBlock[b]! += gain(sc, bounds.maxTf[b]!, bounds.minLength[b]!);
    }
  }
  for (const k of byBound) if (k !== strongest && !weakLists.includes(k)) addList(k);
  const scale = terms * (1 + BOUND_SLACK);
  // Two bounds per candidate: a cheap one (every weak list's best in its block) that turns most away once the page's
  // worst hit is near its final value, and the tighter one (`weakBound`: only the weak lists holding it) for the rest.
  const looseAll = looseInBlock.slice();
  for (let i = 0; i < weakSet.count; i++) {
    const blockGain = weakSet.blockGain[i]!;
    for (let b = 0; b < blocks; b++) looseAll[b]! += blockGain[b]!;
  }
  const looseGroup = new Float64Array(groups.count + 1);
  for (let g = 1; g <= groups.count; g++) {
    let best = 0;
    for (let x = groupStart[g - 1]!; x < groupStart[g]!; x++) best = Math.max(best, (partial[groupDocs[x]!]! + looseAll[groupDocs[x]! >>> shift]!) * scale);
    looseGroup[g] = best * (1 + INTRODUCTION_RAISE);
  }
  /** A group's tight bound, computed when its loose one does not settle it (-1: not yet). */
  const tightGroup = new Float64Array(groups.count + 1).fill(-1);
  const groupBound = (g: number): number => {
    if (tightGroup[g]! < 0) {
      let best = 0;
      for (let x = groupStart[g - 1]!; x < groupStart[g]!; x++) best = Math.max(best, (partial[groupDocs[x]!]! + weakBound(weakSet, groupDocs[x]!, shift)) * scale);
      tightGroup[g] = best * (1 + INTRODUCTION_RAISE);
    }
    return tightGroup[g]!;
  };
  const doneGroup = new Uint8Array(groups.count + 1);
  // What a bound must reach to place a story: above `high` it may beat the page's worst hit on score; from `low` to
  // `high` it may only tie it (`tied`: 1e-9 relative), and a tie goes to the newer story, then the earlier in the digest.
  let low = -Infinity;
  let high = -Infinity;
  let worstDate = 0;
  /** Scores a story, or its digest's stories whose headlines name every term (then raises the introduction), and offers them. */
  const place = (doc: number): void => {
    const g = groupOf[doc]!;
    if (g === 0) {
      store(doc);
      offer(doc);
    } else {
      doneGroup[g] = 1;
      headFull.length = 0;
      for (let x = groupStart[g - 1]!; x < groupStart[g]!; x++) store(groupDocs[x]!);
      raiseIntroduction(headFull);
      for (let x = groupStart[g - 1]!; x < groupStart[g]!; x++) offer(groupDocs[x]!);
    }
    if (heap.length < q.want) return;
    const worst = heap[0]!;
    low = worst.score * (1 - 1e-8);
    high = worst.score * (1 + 5e-10);
    worstDate = worst.date;
  };
  // Below the first worst score nothing places; above it, the page's worst hit decides as the page fills.
  const floor = theta * (1 - 1e-8);
  /** Whether a story with this bound (or less) cannot place on the page as it is now. */
  const cannotPlace = (bound: number, doc: number): boolean => bound < floor || (bound <= high && (bound < low || dates[doc]! < worstDate));
  // The \`want\` highest tight bounds are placed first, so the page's worst hit is near its final value before the
  // others are looked at (a tight bound is worked out only when the loose one could still enter the seeds).
  const seed = new Best(q.want);
  for (let i = 0; i < count; i++) {
    const doc = candidates[i]!;
    if (groupOf[doc] !== 0 || !isAllowed(doc)) continue;
    const loose = (partial[doc]! + looseAll[doc >>> shift]!) * scale;
    if (loose < floor || (seed.size === q.want && loose <= seed.min)) continue;
    seed.offer((partial[doc]! + weakBound(weakSet, doc, shift)) * scale, doc);
  }
  for (let g = 1; g <= groups.count; g++) {
    if (looseGroup[g]! < floor || (seed.size === q.want && looseGroup[g]! <= seed.min)) continue;
    seed.offer(groupBound(g), groupDocs[groupStart[g - 1]!]!);
  }
  const tryPlace = (doc: number): void => {
    const g = groupOf[doc]!;
    if (g !== 0) {
      if (doneGroup[g] || cannotPlace(looseGroup[g]!, doc) || cannotPlace(groupBound(g), doc)) return;
    } else {
      if (masks[doc] !== 0 || !isAllowed(doc)) return;
      if (cannotPlace((partial[doc]! + looseAll[doc >>> shift]!) * scale, doc)) return;
      if (cannotPlace((partial[doc]! + weakBound(weakSet, doc, shift)) * scale, doc)) return;
    }
    place(doc);
  };
  for (const at of seed.ranked()) tryPlace(seed.docs()[at]!);
  // Newest first (short ids follow the dates): in a run of tied scores the page keeps the newest, so the older ones
  // of the run are skipped on their date instead of each displacing the last.
  for (let i = count - 1; i >= 0; i--) tryPlace(candidates[i]!);
  for (let g = 1; g <= groups.count; g++) tryPlace(groupDocs[groupStart[g - 1]!]!);
  clearGroups();
  for (let i = 0; i < count; i++) partial[candidates[i]!] = 0;
  return { total, heap };
}
