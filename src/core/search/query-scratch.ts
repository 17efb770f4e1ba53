// The per-query arrays of the scorer (scores, match masks, touched stories, bitsets), allocated once and reset after each query.

/** Per-query state by short id, sized with the story columns; every query leaves it zeroed. */
export class QueryScratch {
  scores = new Float64Array(0);
  masks = new Uint32Array(0);
  /** Stories touched by the current query (a typed array: `number[]` emptied with `length = 0` made the hot loop 10× slower). */
  touched = new Uint32Array(0);
  touchedCount = 0;
  /** Query terms (bits) each story's headline names; set only on stories already touched. */
  headMasks = new Uint32Array(0);
  /** Stories whose headline names every query term (usually a handful), gathered while scoring. */
  headFull: number[] = [];
  /** Bitsets over short ids for the pruned search: the stories with every term, one term's stories (also the full scoring's rarest term), the headline matches. */
  all = new Uint32Array(0);
  term = new Uint32Array(0);
  head = new Uint32Array(0);
  /** Indexes of the words of `all` that hold stories. */
  held = new Uint32Array(0);
  /** Of `all`, the stories that pass the other filters (section, `keep`). */
  allowed = new Uint32Array(0);
  /** The pruned search's partial sums (a bound per candidate story), and its candidates. */
  partial = new Float64Array(0);
  candidates = new Uint32Array(0);
  /**
   * The pruned search's candidates that a bound does not turn away before the page fills, newest last, with their
   * cheap bounds (Infinity: a group's story, bounded by its group): read in order, so the pass that places stories
   * reads one dense array instead of four arrays indexed by story.
   */
  survivors = new Uint32Array(0);
  survivorBounds = new Float64Array(0);
  /** The pruned search's digest group of a story (1-based; 0 = none). */
  group = new Int32Array(0);
  /** The pruned search's digest groups' members (`introductionGroups`). */
  groupDocs = new Uint32Array(0);

  grow(capacity: number): void {
    this.scores = new Float64Array(capacity);
    this.masks = new Uint32Array(capacity);
    this.touched = new Uint32Array(capacity);
    this.headMasks = new Uint32Array(capacity);
    const words = Math.ceil(capacity / 32);
    this.all = new Uint32Array(words);
    this.term = new Uint32Array(words);
    this.head = new Uint32Array(words);
    this.allowed = new Uint32Array(words);
    this.held = new Uint32Array(words);
    this.partial = new Float64Array(capacity);
    this.candidates = new Uint32Array(capacity);
    this.survivors = new Uint32Array(capacity);
    this.survivorBounds = new Float64Array(capacity);
    this.group = new Int32Array(capacity);
    this.groupDocs = new Uint32Array(capacity);
  }

  /** Zeroes what the query touched (the bitsets are cleared by their users). */
  reset(): void {
    for (let i = 0; i < this.touchedCount; i++) {
      const doc = this.touched[i]!;
      this.scores[doc] = 0;
      this.masks[doc] = 0;
      this.headMasks[doc] = 0;
    }
    this.touchedCount = 0;
    this.headFull.length = 0;
  }
}
