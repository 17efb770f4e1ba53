// Packs an index's postings into one typed array (for the saved file and for compaction), in steps that can yield to the event loop.
import type { FieldTermData, MiniSearchInternals } from "./minisearch-internals.js";
import { eachPosting, LazyPostings } from "./lazy-postings.js";

/**
 * The postings of every term, packed: per term `fieldCount, (fieldId, docCount, (shortId, freq)*)*` as u32s, in
 * pieces (a term never straddles two) cut from blocks of 32 MiB.
 */
export interface PackedPostings {
  terms: string[];
  pieces: Uint32Array[];
  /** Each term's field map, in `terms` order, so compaction can swap in packed postings without a tree walk. */
  fields: FieldTermData[];
}

/**
 * Words (u32) per block of a compaction: 32 MiB, the size from which glibc's malloc always maps a block of its own
 * (its mmap threshold rises with every mapped block freed below that, up to 32 MiB). Smaller blocks ended up in
 * the heap once an earlier free had raised the threshold, where a compaction's blocks, freed one GC later, left
 * holes the allocator keeps as RSS. A mapped block is returned whole when freed, and only the pages written count
 * as RSS, so the unused end of the last block costs nothing.
 */
const PIECE_WORDS = 8 << 20;
/** Terms packed between two checks of the time budget. */
const TERMS_PER_STEP = 2000;

/**
 * The record of a term that is still exactly as packed (every field's postings pristine and contiguous in one
 * array, in the map's order): a view of it, so a save need not copy it.
 */
function packedRecord(termFields: FieldTermData): Uint32Array | undefined {
  let first: LazyPostings | undefined;
  let end = -1;
  for (const [fieldId, postings] of termFields) {
    if (!(postings instanceof LazyPostings) || !postings.pristine) return undefined;
    if (!first) {
      first = postings;
      if (postings.start < 3 || postings.source[postings.start - 3] !== termFields.size) return undefined;
    } else if (postings.source !== first.source || postings.start !== end + 2) return undefined;
    if (postings.source[postings.start - 2] !== fieldId || postings.source[postings.start - 1] !== postings.count) return undefined;
    end = postings.start + 2 * postings.count;
  }
  return first && first.source.subarray(first.start - 3, end);
}

/**
 * Storage reused by the saves that do not compact, for the records of the terms changed since the last pack. Fresh
 * arrays for them on every save were garbage that V8 frees only at its next full collection (~64 MiB of external
 * memory later), and the allocator kept that high-water mark as RSS (+80–180 MiB over 100 edits of one digest).
 * At least a block of `PIECE_WORDS` (see there), so it is mapped on its own and only the part a save has used
 * counts as RSS (~16 MiB at 3 years); growing it by doubling through smaller sizes left holes in the heap instead.
 * A save's pieces live in it until the next save packs, so saves using one arena must not overlap.
 */
export class PackArena {
  private words = new Uint32Array(0);
  /** Storage for a save's changed records: the arena's array, or a bigger one that replaces it (kept for next time). */
  take(minWords: number, previous?: Uint32Array): Uint32Array {
    if (previous === undefined && this.words.length >= minWords) return this.words;
    this.words = new Uint32Array(Math.max(minWords, 2 * this.words.length, PIECE_WORDS));
    return this.words;
  }
}

/**
 * Packs the postings of `ix`; a generator that yields every few thousand terms so a caller can spread the work
 * over event-loop turns (`runInSlices`) or run it at once (`runNow`). The index must not change until it returns.
 * Postings come out sorted by short id (what `LazyPostings` needs). With `copy: false` (a save that does not
 * compact), terms unchanged since the last pack are not copied: the pieces are views of the arrays they live in,
 * and the changed terms are packed into `arena` (valid until the arena's next pack), so a save allocates nothing
 * once the arena has grown to what an edit changes.
 */
export function* packPostings(ix: MiniSearchInternals, options: { copy?: boolean; arena?: PackArena } = {}): Generator<void, PackedPostings> {
  const copy = options.copy ?? true;
  const arena = copy ? undefined : (options.arena ?? new PackArena());
  const terms: string[] = [];
  const fields: FieldTermData[] = [];
  const pieces: Uint32Array[] = [];
  let data = arena ? arena.take(0) : new Uint32Array(PIECE_WORDS);
  let p = 0;
  let mark = 0;
  const flush = () => {
    if (p > mark) pieces.push(data.subarray(mark, p));
    mark = p;
  };
  const pushView = (view: Uint32Array) => {
    flush();
    const last = pieces.at(-1);
    if (last && last.buffer === view.buffer && last.byteOffset + last.byteLength === view.byteOffset) {
      pieces[pieces.length - 1] = new Uint32Array(view.buffer, last.byteOffset, last.length + view.length);
    } else pieces.push(view);
  };
  let sinceYield = 0;
  for (const [term, termFields] of ix._index) {
    terms.push(term);
    fields.push(termFields);
    const view = copy ? undefined : packedRecord(termFields);
    if (view) {
      pushView(view);
    } else {
      let size = 1;
      for (const postings of termFields.values()) size += 2 + 2 * postings.size;
      if (p + size > data.length) {
        flush();
        data = arena ? arena.take(size, data) : new Uint32Array(Math.max(PIECE_WORDS, size));
        p = 0;
        mark = 0;
      }
      data[p++] = termFields.size;
      for (const [fieldId, postings] of termFields) {
        data[p++] = fieldId;
        data[p++] = postings.size;
        const from = p;
        let sorted = true;
        let last = -1;
        eachPosting(postings, (doc, freq) => {
          if (doc <= last) sorted = false;
          last = doc;
          data[p++] = doc;
          data[p++] = freq;
        });
        if (!sorted) sortPairs(data, from, p);
      }
    }
    if (++sinceYield >= TERMS_PER_STEP) {
      sinceYield = 0;
      yield;
    }
  }
  flush();
  return { terms, fields, pieces };
}

function sortPairs(data: Uint32Array, from: number, to: number): void {
  const pairs: [number, number][] = [];
  for (let i = from; i < to; i += 2) pairs.push([data[i]!, data[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  pairs.forEach(([doc, freq], k) => {
    data[from + 2 * k] = doc;
    data[from + 2 * k + 1] = freq;
  });
}

/**
 * Points every term's field postings into `packed.data` (compact `LazyPostings`), dropping the Maps and overlays
 * they had: after a build this leaves the same heap as a loaded index, after edits it folds the overlays in.
 * Yields like `packPostings`; the index must not change in between.
 */
export function* attachPacked(packed: PackedPostings): Generator<void, void> {
  let t = 0;
  for (const data of packed.pieces) {
    let p = 0;
    while (p < data.length) {
      const termFields = packed.fields[t++]!;
      for (let f = data[p++]!; f > 0; f--) {
        const fieldId = data[p++]!;
        const n = data[p++]!;
        termFields.set(fieldId, new LazyPostings(data, p, n));
        p += 2 * n;
      }
      if (t % TERMS_PER_STEP === 0) yield;
    }
  }
}

/** Runs a step generator to completion at once. */
export function runNow<T>(steps: Generator<void, T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * Runs a step generator in slices of about `sliceMs`, yielding to the event loop in between, so a big index is
 * packed without blocking commands (a 10-year index takes a few hundred ms of work). It yields before the first
 * slice too: the caller's turn has often done a slice of other work already (the last change applied, the previous
 * phase of a snapshot), and the two together were the longest turns of a save.
 */
export async function runInSlices<T>(steps: Generator<void, T>, sliceMs = 10): Promise<T> {
  for (;;) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const until = performance.now() + sliceMs;
    for (;;) {
      const next = steps.next();
      if (next.done) return next.value;
      if (performance.now() >= until) break;
    }
  }
}
