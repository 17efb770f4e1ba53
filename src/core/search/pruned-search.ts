// Top-k without scoring every posting: exact totals from bitsets, and only the blocks of stories whose score bound can still reach the page.
import type { BoundsCache } from "./list-bounds.js";
import { countAllowed, introductionGroups, matchEveryTerm, NO_GROUPS } from "./match-bitsets.js";
import { addGains, Best, offerGains, weakBound, type WeakLists } from "./pruned-loops.js";
import { gainOf, INTRODUCTION_RAISE, PageRun } from "./pruned-page.js";
import { type PrunedQuery, planSteps, type Step } from "./pruned-plan.js";
import type { QueryScratch } from "./query-scratch.js";
import type { StoryColumns } from "./story-columns.js";
import { type Candidate, popcount } from "./top-k.js";

export { CACHE_FROM_POSTINGS, type PlanEntry, type PrunedQuery } from "./pruned-plan.js";

/** Lists this short are never left out as weak (MaxScore): scoring their stories costs less than a loose bound. */
const SHORT_LIST = 256;
/** Relative slack on a score bound: it is summed in another order than the score, so rounding may differ in the last bits. */
const BOUND_SLACK = 1e-12;

/**
 * The last query's objects, kept reachable until the next one: the hidden classes of objects made per query live
 * only as long as one of them does, and a full GC that collects them throws away the optimized code of every
 * function that saw them (V8: "deoptimization, reason: weak objects"), so the next searches ran 3–10× slower.
 */
const lastQuery: { run?: PageRun; best?: Best; found?: Best; seed?: Best } = {};

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

  // 1. Every term's stories, ANDed (`all`), and those of them the other filters admit: the exact total.
  const terms = popcount(q.full);
  const heldCount = matchEveryTerm(q, steps, terms, columns, scratch);
  const all = scratch.all;
  const allowed = q.admit ? scratch.allowed : all;
  const blockHas = new Uint8Array(blocks);
  const total = countAllowed(q, heldCount, words, wordsPerBlock, scratch, allowed, blockHas);
  if (total === 0 || q.want === 0) return { total, heap: [] };

  // 2. Each scored list's bound: the most one story can get from it (largest term frequency, shortest field).
  const listBound = steps.map(boundOfList);
  const { partial, candidates } = scratch;

  // 3. The digests where an introduction may be raised: two or more stories whose headlines name every term.
  const groups = q.introductionsFirst ? introductionGroups(steps, terms, heldCount, columns, scratch) : NO_GROUPS;
  const { start: groupStart, members: groupDocs } = groups;
  const run = new PageRun(q, steps, terms, columns, scratch, allowed, groups);

  // 4. A first worst score: the stories the strongest lists give most, scored exactly. The strongest list's gains
  // go straight into the partial sums (it is never weak: no worst score exceeds every list's bound together).
  const byBound = steps.map((_, k) => k).filter((k) => steps[k]!.entry.score).sort((a, b) => listBound[b]! - listBound[a]!);
  // Partial sums for the allowed stories and for the introductions' digests (a raise may come from a story the
  // other filters leave out), in the blocks that hold any.
  const scan = blockHas.slice();
  for (let x = 0; x < groupStart[groups.count]!; x++) scan[groupDocs[x]! >>> shift] = 1;
  let count = 0;
  const strongest = byBound[0];
  let theta = 0;
  {
    const best = new Best(q.want);
    if (strongest !== undefined) {
      count = addList(steps[strongest]!, blocks, scan, all, partial, candidates, count);
      for (let i = 0; i < count; i++) if (run.isAllowed(candidates[i]!)) best.offer(partial[candidates[i]!]!, candidates[i]!);
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
    for (const doc of best.docs()) found.offer(run.exact(doc) * terms, doc);
    lastQuery.best = best;
    lastQuery.found = found;
    // Raw scores: a raise only adds, so the page's worst is at least this.
    if (found.size === q.want) theta = found.min;
  }
  if (theta === 0 && total > 4 * q.want) {
    // Nothing to bound the page with (a page deeper than the strong lists): scoring every posting costs less.
    run.clearGroups();
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
      for (let b = 0, n = Math.min(blocks, bounds.blocks); b < n; b++) if (bounds.maxTf[b]! > 0) blockGain[b] = gainOf(sc, bounds.maxTf[b]!, bounds.minLength[b]!);
      weakSet.count++;
      weakSet.words.push(words);
      weakSet.blockGain.push(blockGain);
    }
    for (const bounds of words ? (step.added ? [step.added.bounds] : []) : step.added ? [step.bounds, step.added.bounds] : [step.bounds]) {
      for (let b = 0, n = Math.min(blocks, bounds.blocks); b < n; b++) if (bounds.maxTf[b]! > 0) looseInBlock[b]! += gainOf(sc, bounds.maxTf[b]!, bounds.minLength[b]!);
    }
  }
  for (const k of byBound) if (k !== strongest && !weakLists.includes(k)) count = addList(steps[k]!, blocks, scan, all, partial, candidates, count);
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
  run.weak = weakSet;
  run.looseAll = looseAll;
  run.looseGroup = looseGroup;
  run.scale = scale;
  run.floor = theta * (1 - 1e-8);
  run.startGroups();
  const floor = run.floor;
  // The \`want\` highest tight bounds are placed first, so the page's worst hit is near its final value before the
  // others are looked at (a tight bound is worked out only when the loose one could still enter the seeds).
  // The same pass keeps, in order, the candidates that may still place and their cheap bounds: the placing pass below
  // then reads those two dense arrays, and a story only when its bound is high enough.
  const groupOf = scratch.group;
  const { survivors, survivorBounds } = scratch;
  let kept = 0;
  const seed = new Best(q.want);
  for (let i = 0; i < count; i++) {
    const doc = candidates[i]!;
    if (groupOf[doc] !== 0) {
      survivors[kept] = doc;
      survivorBounds[kept++] = Infinity;
      continue;
    }
    if (!run.isAllowed(doc)) continue;
    const loose = (partial[doc]! + looseAll[doc >>> shift]!) * scale;
    if (loose < floor) continue;
    survivors[kept] = doc;
    survivorBounds[kept++] = loose;
    if (seed.size === q.want && loose <= seed.min) continue;
    seed.offer((partial[doc]! + weakBound(weakSet, doc, shift)) * scale, doc);
  }
  for (let g = 1; g <= groups.count; g++) {
    if (looseGroup[g]! < floor || (seed.size === q.want && looseGroup[g]! <= seed.min)) continue;
    seed.offer(run.groupBound(g), groupDocs[groupStart[g - 1]!]!);
  }
  for (const at of seed.ranked()) run.tryPlace(seed.docs()[at]!);
  // Newest first (short ids follow the dates): in a run of tied scores the page keeps the newest, so the older ones
  // of the run are skipped on their date instead of each displacing the last.
  for (let j = kept - 1; j >= 0; j--) if (run.mayPlace(survivorBounds[j]!, survivors[j]!)) run.tryPlace(survivors[j]!);
  for (let g = 1; g <= groups.count; g++) run.tryPlace(groupDocs[groupStart[g - 1]!]!);
  run.clearGroups();
  for (let i = 0; i < count; i++) partial[candidates[i]!] = 0;
  lastQuery.run = run;
  lastQuery.seed = seed;
  return { total, heap: run.heap };
}

/** The most one story can get from a step's list: its largest term frequency at its shortest field (0: the headline). */
function boundOfList(step: Step): number {
  const sc = step.entry.score;
  let best = 0;
  if (!sc) return best;
  for (const bounds of step.added ? [step.bounds, step.added.bounds] : [step.bounds]) {
    for (let b = 0; b < bounds.blocks; b++) if (bounds.maxTf[b]! > 0) best = Math.max(best, gainOf(sc, bounds.maxTf[b]!, bounds.minLength[b]!));
  }
  return best;
}

/** Adds a scored step's gains (its pairs and those added since the save) to the partial sums; returns the new number of candidates. */
function addList(step: Step, blocks: number, scan: Uint8Array, all: Uint32Array, partial: Float64Array, candidates: Uint32Array, count: number): number {
  const sc = step.entry.score!;
  let n = count;
  for (const part of step.added ? [step, step.added] : [step]) {
    n = addGains(part.list.src, part.list.start, part.bounds.offsets, Math.min(blocks, part.bounds.blocks), scan, all, sc.lengths, partial, candidates, n, sc.factor, sc.base, sc.slope);
  }
  return n;
}
