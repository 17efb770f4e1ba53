// The hot loops of the pruned search (pruned-search.ts): small top-level functions over typed arrays, which V8 optimizes as a unit.
import { BM25 } from "./bm25.js";
import type { ListBounds, PairList } from "./list-bounds.js";
import { popcount } from "./top-k.js";

const K1 = BM25.k + 1;

/** The `size` largest values offered, with their stories (a small array: `size` is a page). */
export class Best {
  private readonly values: number[] = [];
  private readonly ids: number[] = [];
  min = -Infinity;
  private minAt = 0;
  constructor(private readonly capacity: number) {}
  get size(): number {
    return this.values.length;
  }
  /** Keeps the larger value of a story offered twice (it holds `size` distinct stories). */
  offer(value: number, doc: number): void {
    if (this.values.length === this.capacity && value <= this.min) return;
    const at = this.ids.indexOf(doc);
    if (at >= 0) {
      if (value > this.values[at]!) this.values[at] = value;
      if (this.values.length === this.capacity) this.findMin();
      return;
    }
    if (this.values.length < this.capacity) {
      this.values.push(value);
      this.ids.push(doc);
      if (this.values.length === this.capacity) this.findMin();
      return;
    }
    this.values[this.minAt] = value;
    this.ids[this.minAt] = doc;
    this.findMin();
  }
  docs(): number[] {
    return this.ids;
  }
  /** Indexes into \`docs()\`, highest value first. */
  ranked(): number[] {
    return this.values.map((_, i) => i).sort((a, b) => this.values[b]! - this.values[a]!);
  }
  private findMin(): void {
    this.minAt = 0;
    for (let i = 1; i < this.values.length; i++) if (this.values[i]! < this.values[this.minAt]!) this.minAt = i;
    this.min = this.values[this.minAt]!;
  }
}

/**
 * Offers to `best` each posting's own gain (`factor × (d + tf·(k+1) / (tf + base + slope·length))`) for the stories
 * of `allowed`, in the blocks `blockOn` marks (`offsets`: where each block starts in the list).
 */
export function offerGains(src: Uint32Array, start: number, offsets: Uint32Array, blocks: number, blockOn: Uint8Array, allowed: Uint32Array, lengths: Uint32Array, best: Best, factor: number, base: number, slope: number): void {
  const d = BM25.d;
  for (let b = 0; b < blocks; b++) {
    if (blockOn[b] === 0) continue;
    for (let i = start + 2 * offsets[b]!, end = start + 2 * offsets[b + 1]!; i < end; i += 2) {
      const doc = src[i]!;
      if (((allowed[doc >>> 5]! >>> (doc & 31)) & 1) === 0) continue;
      const length = lengths[doc]!;
      if (length === 0) continue;
      const tf = src[i + 1]!;
      best.offer(factor * (d + (tf * K1) / (tf + base + slope * length)), doc);
    }
  }
}

/**
 * Adds each posting's gain to `partial` for the stories of `among`, in the blocks `blockOn` marks, listing each story
 * the first time in `candidates`. Returns the new number of candidates.
 */
export function addGains(src: Uint32Array, start: number, offsets: Uint32Array, blocks: number, blockOn: Uint8Array, among: Uint32Array, lengths: Uint32Array, partial: Float64Array, candidates: Uint32Array, count: number, factor: number, base: number, slope: number): number {
  const d = BM25.d;
  let n = count;
  for (let b = 0; b < blocks; b++) {
    if (blockOn[b] === 0) continue;
    for (let i = start + 2 * offsets[b]!, end = start + 2 * offsets[b + 1]!; i < end; i += 2) {
      const doc = src[i]!;
      if (((among[doc >>> 5]! >>> (doc & 31)) & 1) === 0) continue;
      const length = lengths[doc]!;
      if (length === 0) continue;
      const tf = src[i + 1]!;
      if (partial[doc] === 0) candidates[n++] = doc;
      partial[doc] = partial[doc]! + factor * (d + (tf * K1) / (tf + base + slope * length));
    }
  }
  return n;
}

/**
 * Term frequency of `doc` in `list` (0: absent) from the list's bitset: its pair is the list's `rank`-th, the block's
 * first pair (`offsets`) plus the stories before it in the block's words (one cache line of bitset at a block of 512),
 * where a search through the list reads a cache line per step. `shift`: log2 of the block size.
 */
export function findByRank(list: PairList, bounds: ListBounds, words: Uint32Array, shift: number, doc: number): number {
  const w = doc >>> 5;
  if (w >= words.length) return 0;
  const bit = 1 << (doc & 31);
  if ((words[w]! & bit) === 0) return 0;
  let rank = bounds.offsets[doc >>> shift]! + popcount(words[w]! & (bit - 1));
  for (let x = (doc >>> shift) << (shift - 5); x < w; x++) rank += popcount(words[x]!);
  return list.src[list.start + 2 * rank + 1]!;
}

export /**
 * Term frequency of `doc` in `list` (0: absent), galloping from `cursors[at]` to it, forwards or backwards, then
 * bisecting: stories come mostly in ascending order, and a digest's stories are neighbours.
 */
function find(list: PairList, cursors: Uint32Array, at: number, doc: number): number {
  // No helper closure here: a function made per call costs more than the search (and tsx's keepNames names each).
  const { src, start, count } = list;
  if (count === 0) return 0;
  const i = Math.min(cursors[at]!, count - 1);
  // Find lo < hi with key(lo) < doc <= key(hi), key(i) = src[start + 2i] (lo = -1, hi = count as sentinels).
  let lo: number;
  let hi: number;
  if (src[start + 2 * i]! < doc) {
    lo = i;
    let step = 1;
    hi = i + 1;
    while (hi < count && src[start + 2 * hi]! < doc) {
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
    if (hi > count) hi = count;
  } else {
    hi = i;
    let step = 1;
    lo = i - 1;
    while (lo >= 0 && src[start + 2 * lo]! >= doc) {
      hi = lo;
      step *= 2;
      lo = hi - step;
    }
    if (lo < -1) lo = -1;
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (src[start + 2 * mid]! < doc) lo = mid;
    else hi = mid;
  }
  cursors[at] = Math.min(hi, count - 1);
  return hi < count && src[start + 2 * hi] === doc ? src[start + 2 * hi + 1]! : 0;
}

/**
 * The weak lists of a query (MaxScore), each with what bounds a story's gain from it: the list's bitset (a story not
 * in it gets nothing) and its per-block best gain (largest term frequency at the shortest field). A list without a
 * bitset (a plain Map, or pairs added since the save) is bounded per block whatever it holds (`looseInBlock`).
 */
export interface WeakLists {
  count: number;
  words: Uint32Array[];
  blockGain: Float64Array[];
  /** Per block: the bound of the weak gains no bitset covers. */
  looseInBlock: Float64Array;
}

/** The most `doc` can get from the weak lists: the block's best gain of each weak list holding it. */
export function weakBound(weak: WeakLists, doc: number, shift: number): number {
  const b = doc >>> shift;
  const w = doc >>> 5;
  let sum = weak.looseInBlock[b]!;
  for (let k = 0; k < weak.count; k++) {
    const words = weak.words[k]!;
    if (w < words.length && ((words[w]! >>> (doc & 31)) & 1) === 1) sum += weak.blockGain[k]![b]!;
  }
  return sum;
}
