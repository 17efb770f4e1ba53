// Postings of a loaded index that stay in the saved file's typed array until MiniSearch needs a real Map.
/**
 * A `Map<shortId, termFrequency>` whose entries live in a slice of a `Uint32Array` (`shortId, freq` pairs) until
 * something reads or writes it as a Map; then it copies them in once and behaves as a plain Map.
 * Loading a 34k-story index builds ~3.6 M Map entries otherwise (~0.75 s and ~150 MB); most terms are never
 * queried. The scorer reads unmaterialized postings straight from the array (`eachPosting`).
 */
export class LazyPostings extends Map<number, number> {
  /** The typed array holding the pairs while not materialized; read directly by the scorer's hot loop. */
  source: Uint32Array | undefined;
  readonly start: number;
  readonly count: number;

  constructor(source: Uint32Array, start: number, count: number) {
    super();
    this.source = source;
    this.start = start;
    this.count = count;
  }

  private materialize(): void {
    const src = this.source;
    if (!src) return;
    this.source = undefined;
    for (let i = this.start, end = this.start + 2 * this.count; i < end; i += 2) super.set(src[i]!, src[i + 1]!);
  }

  /** Calls `fn(shortId, freq)` for every posting without turning this into a Map. */
  eachPosting(fn: (doc: number, freq: number) => void): void {
    const src = this.source;
    if (!src) {
      super.forEach((freq, doc) => fn(doc, freq));
      return;
    }
    for (let i = this.start, end = this.start + 2 * this.count; i < end; i += 2) fn(src[i]!, src[i + 1]!);
  }

  override get size(): number {
    return this.source ? this.count : super.size;
  }
  override get(key: number): number | undefined {
    this.materialize();
    return super.get(key);
  }
  override has(key: number): boolean {
    this.materialize();
    return super.has(key);
  }
  override set(key: number, value: number): this {
    this.materialize();
    return super.set(key, value);
  }
  override delete(key: number): boolean {
    this.materialize();
    return super.delete(key);
  }
  override clear(): void {
    this.source = undefined;
    super.clear();
  }
  override forEach(fn: (value: number, key: number, map: Map<number, number>) => void, thisArg?: unknown): void {
    this.materialize();
    super.forEach(fn, thisArg);
  }
  override keys(): MapIterator<number> {
    this.materialize();
    return super.keys();
  }
  override values(): MapIterator<number> {
    this.materialize();
    return super.values();
  }
  override entries(): MapIterator<[number, number]> {
    this.materialize();
    return super.entries();
  }
  override [Symbol.iterator](): MapIterator<[number, number]> {
    return this.entries();
  }
}

/** Calls `fn(shortId, freq)` for each posting of a plain or lazy postings Map. */
export function eachPosting(postings: Map<number, number>, fn: (doc: number, freq: number) => void): void {
  if (postings instanceof LazyPostings) postings.eachPosting(fn);
  else postings.forEach((freq, doc) => fn(doc, freq));
}
