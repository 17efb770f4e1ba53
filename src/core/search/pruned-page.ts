// The per-story steps of the pruned search's page (exact score, offer, bounds, placing) as methods of one object per query: closures made per query cost ~20 % of a common word's search under tsx (keepNames names each).
import { BM25 } from "./bm25.js";
import type { Groups } from "./match-bitsets.js";
import { find, findByRank, weakBound, type WeakLists } from "./pruned-loops.js";
import type { PrunedQuery, Score, Step } from "./pruned-plan.js";
import type { QueryScratch } from "./query-scratch.js";
import type { StoryColumns } from "./story-columns.js";
import { type Candidate, heapPush, heapReplaceTop, tied, worse } from "./top-k.js";

const K1 = BM25.k + 1;
/** The introductions-first raise (`StoryScorer.putIntroductionsFirst`: 1e-6 clears the tie tolerance). */
export const INTRODUCTION_RAISE = 1e-6;

/** What one posting with term frequency `tf` in a field of `length` adds to a story's score. */
export function gainOf(sc: Score, tf: number, length: number): number {
  return sc.factor * (BM25.d + (tf * K1) / (tf + sc.base + sc.slope * length));
}

const NO_WEAK: WeakLists = { count: 0, words: [], blockGain: [], looseInBlock: new Float64Array(0) };

/**
 * One query's page: the heap of the best `want` stories and the steps that score, bound and place a story. The
 * bounds (`weak`, `looseAll`, `looseGroup`, `scale`, `floor`) are set by the pruned search once the weak lists are known.
 */
export class PageRun {
  readonly heap: Candidate[] = [];
  private readonly cursors: Uint32Array;
  private exactMask = 0;
  private exactHead = 0;
  private readonly shift: number;
  weak: WeakLists = NO_WEAK;
  /** Per block: every weak list's best gain there (the cheap bound). */
  looseAll = new Float64Array(0);
  /** Per group: the cheap bound of its best story, raised; the tight one once worked out (-1: not yet); done groups. */
  looseGroup = new Float64Array(0);
  private tightGroup = new Float64Array(0);
  private doneGroup = new Uint8Array(0);
  scale = 1;
  /** Below the first worst score nothing places; above it, the page's worst hit decides as the page fills. */
  floor = 0;
  // What a bound must reach to place a story: above `high` it may beat the page's worst hit on score; from `low` to
  // `high` it may only tie it (`tied`: 1e-9 relative), and a tie goes to the newer story, then the earlier in the digest.
  private low = -Infinity;
  private high = -Infinity;
  private worstDate = 0;

  constructor(
    private readonly q: PrunedQuery,
    private readonly steps: Step[],
    private readonly terms: number,
    private readonly columns: StoryColumns,
    private readonly scratch: QueryScratch,
    private readonly allowed: Uint32Array,
    readonly groups: Groups,
  ) {
    this.cursors = new Uint32Array(2 * steps.length);
    this.shift = 31 - Math.clz32(columns.blockSize);
  }

  /** Sizes the per-group bounds (after `looseGroup` is filled). */
  startGroups(): void {
    this.tightGroup = new Float64Array(this.groups.count + 1).fill(-1);
    this.doneGroup = new Uint8Array(this.groups.count + 1);
  }

  isAllowed(doc: number): boolean {
    return ((this.allowed[doc >>> 5]! >>> (doc & 31)) & 1) === 1;
  }

  /** Exact score of one story: its postings found in each list, summed in plan order (the very sum the full scoring makes). */
  exact(doc: number): number {
    const steps = this.steps;
    const cursors = this.cursors;
    let sum = 0;
    let mask = 0;
    let headMask = 0;
    for (let k = 0; k < steps.length; k++) {
      const step = steps[k]!;
      const words = step.bounds.words;
      let tf = words ? findByRank(step.list, step.bounds, words, this.shift, doc) : find(step.list, cursors, 2 * k, doc);
      if (tf === 0 && step.added) tf = find(step.added.list, cursors, 2 * k + 1, doc);
      if (tf === 0) continue;
      const { bit, score } = step.entry;
      if (score) {
        const length = score.lengths[doc]!;
        if (length === 0) continue;
        sum = sum + score.factor * (BM25.d + (tf * K1) / (tf + score.base + score.slope * length));
        mask |= bit;
      } else if ((mask & bit) !== 0) {
        headMask |= bit;
      }
    }
    this.exactMask = mask;
    this.exactHead = headMask;
    return sum;
  }

  private store(doc: number): void {
    const scratch = this.scratch;
    scratch.scores[doc] = this.exact(doc);
    scratch.masks[doc] = this.exactMask;
    scratch.headMasks[doc] = this.exactHead;
    scratch.touched[scratch.touchedCount++] = doc;
    if (this.exactHead === this.q.full) scratch.headFull.push(doc);
  }

  private offer(doc: number): void {
    if (!this.isAllowed(doc)) return;
    const heap = this.heap;
    const want = this.q.want;
    const score = this.scratch.scores[doc]! * this.terms;
    if (heap.length >= want && score < heap[0]!.score && !tied(score, heap[0]!.score)) return;
    const candidate: Candidate = { doc, score, date: this.columns.dates[doc]!, pos: this.columns.positions[doc]! };
    if (heap.length < want) heapPush(heap, candidate);
    else if (worse(candidate, heap[0]!) < 0) heapReplaceTop(heap, candidate);
  }

  /**
   * `StoryScorer.putIntroductionsFirst` for one digest's stories whose headlines name every term: the first of them
   * in the digest is raised to just above the best of them.
   */
  private raiseIntroduction(docs: number[]): void {
    const { scores, masks } = this.scratch;
    const positions = this.columns.positions;
    let first = -1;
    let best = 0;
    let size = 0;
    for (const doc of docs) {
      if (masks[doc] !== this.q.full) continue;
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
  }

  /** Zeroes the stories' group numbers again. */
  clearGroups(): void {
    const { start, members, count } = this.groups;
    const groupOf = this.scratch.group;
    for (let x = 0; x < start[count]!; x++) groupOf[members[x]!] = 0;
  }

  /** A group's tight bound, computed when its loose one does not settle it. */
  groupBound(g: number): number {
    if (this.tightGroup[g]! < 0) {
      const { start, members } = this.groups;
      const partial = this.scratch.partial;
      let best = 0;
      for (let x = start[g - 1]!; x < start[g]!; x++) best = Math.max(best, (partial[members[x]!]! + weakBound(this.weak, members[x]!, this.shift)) * this.scale);
      this.tightGroup[g] = best * (1 + INTRODUCTION_RAISE);
    }
    return this.tightGroup[g]!;
  }

  /** Scores a story, or its digest's stories whose headlines name every term (then raises the introduction), and offers them. */
  private place(doc: number): void {
    const g = this.scratch.group[doc]!;
    if (g === 0) {
      this.store(doc);
      this.offer(doc);
    } else {
      const { start, members } = this.groups;
      this.doneGroup[g] = 1;
      const headFull = this.scratch.headFull;
      headFull.length = 0;
      for (let x = start[g - 1]!; x < start[g]!; x++) this.store(members[x]!);
      this.raiseIntroduction(headFull);
      for (let x = start[g - 1]!; x < start[g]!; x++) this.offer(members[x]!);
    }
    if (this.heap.length < this.q.want) return;
    const worst = this.heap[0]!;
    this.low = worst.score * (1 - 1e-8);
    this.high = worst.score * (1 + 5e-10);
    this.worstDate = worst.date;
  }

  /** Whether a story with this bound (or less) cannot place on the page as it is now. */
  private cannotPlace(bound: number, doc: number): boolean {
    return bound < this.floor || (bound <= this.high && (bound < this.low || this.columns.dates[doc]! < this.worstDate));
  }

  /** Whether a story whose bound is `bound` may still place (`tryPlace` then decides); Infinity: always. */
  mayPlace(bound: number, doc: number): boolean {
    return !this.cannotPlace(bound, doc);
  }

  /** Places the story (or its group) unless a bound, the cheap one first, says it cannot reach the page. */
  tryPlace(doc: number): void {
    const g = this.scratch.group[doc]!;
    if (g !== 0) {
      if (this.doneGroup[g] || this.cannotPlace(this.looseGroup[g]!, doc) || this.cannotPlace(this.groupBound(g), doc)) return;
    } else {
      if (this.scratch.masks[doc] !== 0 || !this.isAllowed(doc)) return;
      const partial = this.scratch.partial[doc]!;
      if (this.cannotPlace((partial + this.looseAll[doc >>> this.shift]!) * this.scale, doc)) return;
      if (this.cannotPlace((partial + weakBound(this.weak, doc, this.shift)) * this.scale, doc)) return;
    }
    this.place(doc);
  }
}
