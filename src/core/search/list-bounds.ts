// Per-block bounds of one postings list (where each block of short ids starts, its largest term frequency and shortest field) and its bitset, cached for long lists.
import { LazyPostings } from "./lazy-postings.js";

/** One postings list as sorted `shortId, freq` pairs in a typed array. */
export interface PairList {
  src: Uint32Array;
  /** Array index of the first pair. */
  start: number;
  /** Number of pairs. */
  count: number;
}

/**
 * What the pruned search needs of one postings list, per block of `blockSize` short ids: the pair index where the
 * block starts (`offsets[b]`, `offsets[blocks] = count`), the largest term frequency and the shortest field length
 * of its stories (over the stories live when computed: a story never comes back, and a new one gets a new id, so
 * they stay bounds of what is left), and the bitset of the list's stories (dead ones included).
 */
export interface ListBounds {
  blocks: number;
  offsets: Uint32Array;
  maxTf: Uint32Array;
  minLength: Uint32Array;
  words: Uint32Array | undefined;
}

/** Computes the bounds of `list` (pairs sorted by short id); `withWords` also builds its bitset; no `lengths`: offsets only. */
export function computeBounds(list: PairList, lengths: Uint32Array | undefined, blockSize: number, withWords: boolean): ListBounds {
  const { src, start, count } = list;
  const blocks = count === 0 ? 0 : Math.floor(src[start + 2 * (count - 1)]! / blockSize) + 1;
  const offsets = new Uint32Array(blocks + 1);
  const maxTf = new Uint32Array(blocks);
  const minLength = new Uint32Array(blocks).fill(0xffffffff);
  const words = withWords ? new Uint32Array(Math.ceil((blocks * blockSize) / 32)) : undefined;
  let block = -1;
  for (let i = 0; i < count; i++) {
    const doc = src[start + 2 * i]!;
    const b = Math.floor(doc / blockSize);
    while (block < b) offsets[++block] = i;
    if (words) words[doc >>> 5]! |= 1 << (doc & 31);
    if (!lengths) continue; // the headline: not scored
    const length = lengths[doc]!;
    if (length === 0) continue; // a removed story: it scores nothing
    const tf = src[start + 2 * i + 1]!;
    if (tf > maxTf[b]!) maxTf[b] = tf;
    if (length < minLength[b]!) minLength[b] = length;
  }
  offsets[blocks] = count;
  return { blocks, offsets, maxTf, minLength, words };
}

const bytesOf = (b: ListBounds) => 4 * (b.offsets.length + 2 * b.blocks + (b.words?.length ?? 0));

/**
 * Bounds of the long lists of a loaded index, computed on a list's first query and kept while the list lives
 * (weakly: compaction replaces the lists, and the old ones go with their bounds), at most `maxBytes` in all
 * (oldest dropped first). A list's slice never changes (edits go to its overlay), so its bounds never go stale.
 */
export class BoundsCache {
  private readonly byList = new WeakMap<LazyPostings, ListBounds>();
  private readonly order: { list: WeakRef<LazyPostings>; bytes: number }[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get size(): { lists: number; bytes: number } {
    return { lists: this.order.length, bytes: this.bytes };
  }

  get(list: LazyPostings, lengths: Uint32Array | undefined, blockSize: number): ListBounds {
    let bounds = this.byList.get(list);
    if (bounds) return bounds;
    bounds = computeBounds(pairsOf(list), lengths, blockSize, true);
    const bytes = bytesOf(bounds);
    this.byList.set(list, bounds);
    this.order.push({ list: new WeakRef(list), bytes });
    this.bytes += bytes;
    while (this.bytes > this.maxBytes && this.order.length > 1) {
      const oldest = this.order.shift()!;
      const key = oldest.list.deref();
      if (key) this.byList.delete(key);
      this.bytes -= oldest.bytes;
    }
    return bounds;
  }
}

/** A list's slice as pairs (`LazyPostings`), or the pairs of a plain Map's entries sorted by short id. */
export function pairsOf(postings: Map<number, number>): PairList {
  if (postings instanceof LazyPostings) return { src: postings.source, start: postings.start, count: postings.count };
  return sortedPairs((fn) => postings.forEach((tf, doc) => fn(doc, tf)));
}

/** The pairs `each` calls back with, sorted by short id. */
export function sortedPairs(each: (fn: (doc: number, tf: number) => void) => void): PairList {
  const docs: number[] = [];
  const tfs = new Map<number, number>();
  each((doc, tf) => {
    docs.push(doc);
    tfs.set(doc, tf);
  });
  docs.sort((a, b) => a - b);
  const src = new Uint32Array(2 * docs.length);
  docs.forEach((doc, i) => {
    src[2 * i] = doc;
    src[2 * i + 1] = tfs.get(doc)!;
  });
  return { src, start: 0, count: docs.length };
}
