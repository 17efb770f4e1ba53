// Packs an index's postings into one typed array (for the saved file and for compaction), in steps that can yield to the event loop.
import type { FieldTermData, MiniSearchInternals } from "./minisearch-internals.js";
import { eachPosting, LazyPostings } from "./lazy-postings.js";

/** The postings of every term, packed: per term `fieldCount, (fieldId, docCount, (shortId, freq)*)*` as u32s. */
export interface PackedPostings {
  terms: string[];
  data: Uint32Array;
  /** Each term's field map, in `terms` order, so compaction can swap in packed postings without a tree walk. */
  fields: FieldTermData[];
}

/** Terms packed between two checks of the time budget. */
const TERMS_PER_STEP = 2000;

/**
 * Packs the postings of `ix`; a generator that yields every few thousand terms so a caller can spread the work
 * over event-loop turns (`runInSlices`) or run it at once (`runNow`). The index must not change until it returns.
 * Postings come out sorted by short id (what `LazyPostings` needs).
 */
export function* packPostings(ix: MiniSearchInternals): Generator<void, PackedPostings> {
  const terms: string[] = [];
  const fields: FieldTermData[] = [];
  let data = new Uint32Array(1 << 16);
  let p = 0;
  const room = (words: number) => {
    if (p + words <= data.length) return;
    let size = data.length * 2;
    while (size < p + words) size *= 2;
    const bigger = new Uint32Array(size);
    bigger.set(data.subarray(0, p));
    data = bigger;
  };
  let sinceYield = 0;
  for (const [term, termFields] of ix._index) {
    terms.push(term);
    fields.push(termFields);
    room(1);
    data[p++] = termFields.size;
    for (const [fieldId, postings] of termFields) {
      room(2 + 2 * postings.size);
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
    if (++sinceYield >= TERMS_PER_STEP) {
      sinceYield = 0;
      yield;
    }
  }
  return { terms, fields, data: data.subarray(0, p) };
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
  const { data, fields } = packed;
  let p = 0;
  for (let t = 0; t < fields.length; t++) {
    const termFields = fields[t]!;
    for (let f = data[p++]!; f > 0; f--) {
      const fieldId = data[p++]!;
      const n = data[p++]!;
      termFields.set(fieldId, new LazyPostings(data, p, n));
      p += 2 * n;
    }
    if (t % TERMS_PER_STEP === TERMS_PER_STEP - 1) yield;
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
 * packed without blocking commands (a 10-year index takes a few hundred ms of work).
 */
export async function runInSlices<T>(steps: Generator<void, T>, sliceMs = 10): Promise<T> {
  for (;;) {
    const until = performance.now() + sliceMs;
    for (;;) {
      const next = steps.next();
      if (next.done) return next.value;
      if (performance.now() >= until) break;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
