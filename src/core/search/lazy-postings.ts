// Postings kept in one shared typed array (compact, ~8 bytes a posting), editable in place without becoming Maps.
/**
 * A `Map<shortId, termFrequency>` whose entries live in a slice of a `Uint32Array` (`shortId, freq` pairs sorted by
 * short id), plus a small overlay of changes. MiniSearch reads and writes it through the Map API (`get`, `set`,
 * `delete`, `size`, iteration) when it adds or removes a story; those go to the overlay, so editing a digest touches
 * only that digest's postings and never copies a common term's tens of thousands of entries into a real Map
 * (that cost +67–81 MiB on the first new digest of a day). The scorer reads the slice straight from the array
 * (`source`, `start`, `count`) and the overlay's additions with `eachAdded`.
 *
 * Not a `Map` subclass, though it has a Map's API: a subclass carried an empty Map's hash table per instance, one
 * per term and field, that nothing ever filled (~155 bytes each: 7 of the 16 MiB of heap a loaded 1-year index held).
 *
 * Invariants: short ids in the slice are ascending; ids added later are larger than any in the slice (MiniSearch
 * never reuses a short id), so iteration (slice, then additions) stays in ascending id order.
 */
export class LazyPostings implements Map<number, number> {
  /** The typed array holding the pairs; read directly by the scorer's hot loop. */
  readonly source: Uint32Array;
  readonly start: number;
  readonly count: number;
  /** Slice entries changed (freq) or removed (0), and entries added (ids not in the slice), by short id. */
  private overlay: Map<number, number> | undefined;
  /** Entries of the slice removed through the overlay. */
  private removedFromSlice = 0;
  /** Entries in the overlay that are not in the slice. */
  private addedCount = 0;

  constructor(source: Uint32Array, start: number, count: number) {
    this.source = source;
    this.start = start;
    this.count = count;
  }

  /** Index of `doc` in the slice's pairs (`source[i]`), or -1. */
  private find(doc: number): number {
    let lo = 0;
    let hi = this.count - 1;
    const src = this.source;
    const base = this.start;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = src[base + 2 * mid]!;
      if (at === doc) return base + 2 * mid;
      if (at < doc) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** True when no change was made since load: the slice alone is the postings. */
  get pristine(): boolean {
    return this.overlay === undefined;
  }

  /**
   * Calls `fn(shortId, freq)` for each entry added after load (not in the slice). The scorer reads the slice
   * itself and skips removed stories by their zero field length, so it needs only these besides.
   */
  eachAdded(fn: (doc: number, freq: number) => void): void {
    if (!this.overlay) return;
    for (const [doc, freq] of this.overlay) if (freq > 0 && this.find(doc) < 0) fn(doc, freq);
  }

  /** Calls `fn(shortId, freq)` for every live posting, in ascending short-id order, without copying. */
  eachPosting(fn: (doc: number, freq: number) => void): void {
    const src = this.source;
    const overlay = this.overlay;
    for (let i = this.start, end = this.start + 2 * this.count; i < end; i += 2) {
      const doc = src[i]!;
      const changed = overlay?.get(doc);
      if (changed === undefined) fn(doc, src[i + 1]!);
      else if (changed > 0) fn(doc, changed);
    }
    if (overlay && this.addedCount > 0) this.eachAdded(fn);
  }

  get [Symbol.toStringTag](): string {
    return "LazyPostings";
  }
  get size(): number {
    return this.count - this.removedFromSlice + this.addedCount;
  }
  get(key: number): number | undefined {
    const changed = this.overlay?.get(key);
    if (changed !== undefined) return changed > 0 ? changed : undefined;
    const i = this.find(key);
    return i < 0 ? undefined : this.source[i + 1];
  }
  has(key: number): boolean {
    return this.get(key) !== undefined;
  }
  set(key: number, value: number): this {
    if (!(value > 0)) throw new RangeError(`postings: term frequency must be positive, got ${value}`);
    const overlay = (this.overlay ??= new Map());
    const before = overlay.get(key);
    const inSlice = this.find(key) >= 0;
    if (inSlice && before === 0) this.removedFromSlice--;
    if (!inSlice && before === undefined) this.addedCount++;
    overlay.set(key, value);
    return this;
  }
  delete(key: number): boolean {
    const overlay = this.overlay;
    const before = overlay?.get(key);
    if (this.find(key) >= 0) {
      if (before === 0) return false;
      (this.overlay ??= new Map()).set(key, 0);
      this.removedFromSlice++;
      return true;
    }
    if (before === undefined) return false;
    overlay!.delete(key);
    this.addedCount--;
    return true;
  }
  clear(): void {
    for (const key of [...this.keys()]) this.delete(key);
  }
  forEach(fn: (value: number, key: number, map: Map<number, number>) => void, thisArg?: unknown): void {
    this.eachPosting((doc, freq) => fn.call(thisArg, freq, doc, this));
  }
  /** A copy as a plain Map, for iteration (rare: MiniSearch's own search, tests); the postings stay compact. */
  private copy(): Map<number, number> {
    const copy = new Map<number, number>();
    this.eachPosting((doc, freq) => copy.set(doc, freq));
    return copy;
  }
  entries(): MapIterator<[number, number]> {
    return this.copy().entries();
  }
  keys(): MapIterator<number> {
    return this.copy().keys();
  }
  values(): MapIterator<number> {
    return this.copy().values();
  }
  [Symbol.iterator](): MapIterator<[number, number]> {
    return this.entries();
  }
}

/** Calls `fn(shortId, freq)` for each posting of a plain or lazy postings Map. */
export function eachPosting(postings: Map<number, number>, fn: (doc: number, freq: number) => void): void {
  if (postings instanceof LazyPostings) postings.eachPosting(fn);
  else postings.forEach((freq, doc) => fn(doc, freq));
}
