// Packs an index's postings into one typed array (for the saved file and for compaction), in steps that can yield to the event loop.
import type { FieldTermData, MiniSearchInternals } from "./minisearch-internals.js";
import { eachPosting, LazyPostings } from "./lazy-postings.js";

/**
 * The postings of every term, packed: per term `fieldCount, (fieldId, docCount, (shortId, freq)*)*` as u32s, in
 * pieces (a term never straddles two) cut from blocks of 32 MiB.
 */
export interface PackedPostings {
  terms: string[];
  /** Arrays, or with `copy: false` also terms to encode when written. */
  pieces: (Uint32Array | DeferredRecord)[];
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
 * A term changed since the last pack, in a save that does not compact: captured as it was (the overlays of its
 * postings copied, their slices shared: slices are never written to) and encoded only as the file is written,
 * into the writer's buffer. Packing such terms into arrays in the snapshot cost native memory per save (fresh
 * arrays: garbage V8 frees one full GC later, ~64 MiB of external memory on, whose high-water mark the allocator
 * kept as RSS; a reused arena instead: ~20 MiB of RSS held at 3 years for the few seconds a save takes a day).
 */
export class DeferredRecord {
  constructor(
    private readonly postings: readonly [fieldId: number, postings: LazyPostings | Uint32Array][],
    /** Length of the record in u32 words. */
    readonly words: number,
  ) {}

  /** Captures `termFields` as it is now (plain Maps, from terms new since the pack, as sorted pairs). */
  static of(termFields: FieldTermData): DeferredRecord {
    const fields: [number, LazyPostings | Uint32Array][] = [];
    let words = 1;
    for (const [fieldId, postings] of termFields) {
      words += 2 + 2 * postings.size;
      if (postings instanceof LazyPostings) fields.push([fieldId, postings.frozen()]);
      else {
        const pairs = new Uint32Array(2 * postings.size);
        let p = 0;
        let sorted = true;
        let last = -1;
        for (const [doc, freq] of postings) {
          if (doc <= last) sorted = false;
          last = doc;
          pairs[p++] = doc;
          pairs[p++] = freq;
        }
        if (!sorted) sortPairs(pairs, 0, p);
        fields.push([fieldId, pairs]);
      }
    }
    return new DeferredRecord(fields, words);
  }

  /** Writes the record at `out[at]` onwards (`words` of them). */
  encode(out: Uint32Array, at: number): void {
    let p = at;
    out[p++] = this.postings.length;
    for (const [fieldId, postings] of this.postings) {
      out[p++] = fieldId;
      if (postings instanceof Uint32Array) {
        out[p++] = postings.length / 2;
        out.set(postings, p);
        p += postings.length;
      } else {
        out[p++] = postings.size;
        postings.eachPosting((doc, freq) => {
          out[p++] = doc;
          out[p++] = freq;
        });
      }
    }
  }
}

/**
 * Packs the postings of `ix`; a generator that yields every few thousand terms so a caller can spread the work
 * over event-loop turns (`runInSlices`) or run it at once (`runNow`). The index must not change until it returns.
 * Postings come out sorted by short id (what `LazyPostings` needs). With `copy: false` (a save that does not
 * compact), terms unchanged since the last pack are not copied: the pieces are views of the arrays they live in,
 * and the changed terms are `DeferredRecord`s, encoded as they are written, so a save allocates in proportion to
 * the changes since the last pack.
 */
export function* packPostings(ix: MiniSearchInternals, options: { copy?: boolean } = {}): Generator<void, PackedPostings> {
  const copy = options.copy ?? true;
  const terms: string[] = [];
  const fields: FieldTermData[] = [];
  const pieces: (Uint32Array | DeferredRecord)[] = [];
  let data = new Uint32Array(copy ? PIECE_WORDS : 0);
  let p = 0;
  let mark = 0;
  const flush = () => {
    if (p > mark) pieces.push(data.subarray(mark, p));
    mark = p;
  };
  const pushView = (view: Uint32Array) => {
    flush();
    const last = pieces.at(-1);
    if (last instanceof Uint32Array && last.buffer === view.buffer && last.byteOffset + last.byteLength === view.byteOffset) {
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
    } else if (!copy) {
      flush();
      pieces.push(DeferredRecord.of(termFields));
    } else {
      let size = 1;
      for (const postings of termFields.values()) size += 2 + 2 * postings.size;
      if (p + size > data.length) {
        flush();
        data = new Uint32Array(Math.max(PIECE_WORDS, size));
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
    if (!(data instanceof Uint32Array)) throw new Error("attachPacked: the postings were not copied (packPostings with copy: false)");
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
