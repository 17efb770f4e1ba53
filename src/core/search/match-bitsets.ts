// The stories matching every term, as bitsets: the exact total of the pruned search, and the digests where an introduction may be raised.
import type { PairList } from "./list-bounds.js";
import type { PrunedQuery, Step } from "./pruned-plan.js";
import type { QueryScratch } from "./query-scratch.js";
import type { StoryColumns } from "./story-columns.js";
import { popcount } from "./top-k.js";

// The per-word helpers are top-level functions with their state passed in, not closures made per query: under tsx
// such closures made pages several times slower.

/** Sets the bits of a list's stories in `bits` (`on`), or clears their whole words again. */
function setBits(bits: Uint32Array, list: PairList, on: boolean): void {
  const { src, start, count } = list;
  if (on) for (let i = start, end = start + 2 * count; i < end; i += 2) bits[src[i]! >>> 5]! |= 1 << (src[i]! & 31);
  else for (let i = start, end = start + 2 * count; i < end; i += 2) bits[src[i]! >>> 5] = 0;
}

/** Sets the bits of the term's short lists in `term` (`on`), or clears them again (`term` is zero between uses). */
function shortBits(term: Uint32Array, termSteps: Step[], on: boolean): void {
  for (const step of termSteps) {
    if (!step.bounds.words) setBits(term, step.list, on);
    if (step.added) setBits(term, step.added.list, on);
  }
}

/** The term's stories in word `w`: its short lists' bits (set in `term`) and its long lists' cached bitsets. */
function wordOf(term: Uint32Array, termSteps: Step[], w: number): number {
  let x = term[w]!;
  for (const step of termSteps) {
    const cached = step.bounds.words;
    if (cached && w < cached.length) x |= cached[w]!;
  }
  return x;
}

/** The steps of term `t`: its scored lists, or its headline lists. */
function stepsOf(steps: Step[], t: number, headline: boolean): Step[] {
  return steps.filter((s) => s.entry.bit === 1 << t && (s.entry.score === undefined) === headline);
}

/**
 * Every term's stories, ANDed, live and in the date range: written to `scratch.all`, the words holding any listed
 * in `scratch.held`; returns how many. The term with the fewest postings first; after it, only the words of `all`
 * still holding stories (`held`) are read, so a rare word next to a common one costs little.
 */
export function matchEveryTerm(q: PrunedQuery, steps: Step[], terms: number, columns: StoryColumns, scratch: QueryScratch): number {
  const words = columns.capacity / 32;
  const wordsPerBlock = columns.blockSize / 32;
  const { all, term, held } = scratch;
  const { dates, live } = columns;
  const postingsOf = (t: number) => stepsOf(steps, t, false).reduce((n, s) => n + s.list.count, 0);
  const termOrder = Array.from({ length: terms }, (_, t) => t).sort((a, b) => postingsOf(a) - postingsOf(b));
  let heldCount = 0;
  {
    const first = stepsOf(steps, termOrder[0]!, false);
    shortBits(term, first, true);
    for (let w = 0; w < words; w++) {
      const x = wordOf(term, first, w) & live[w]!;
      all[w] = x;
      if (x !== 0) held[heldCount++] = w;
    }
    shortBits(term, first, false);
  }
  for (let i = 1; i < terms; i++) {
    const termSteps = stepsOf(steps, termOrder[i]!, false);
    shortBits(term, termSteps, true);
    let kept = 0;
    for (let k = 0; k < heldCount; k++) {
      const w = held[k]!;
      const x = all[w]! & wordOf(term, termSteps, w);
      all[w] = x;
      if (x !== 0) held[kept++] = w;
    }
    heldCount = kept;
    shortBits(term, termSteps, false);
  }
  if (q.dated) {
    let kept = 0;
    for (let k = 0; k < heldCount; k++) {
      const w = held[k]!;
      const b = Math.floor(w / wordsPerBlock);
      const lo = columns.blockMinDate[b]!;
      const hi = columns.blockMaxDate[b]!;
      if (hi < q.from || lo > q.to) all[w] = 0;
      else if (lo < q.from || hi > q.to) {
        for (let x = all[w]!; x !== 0; x &= x - 1) {
          const doc = w * 32 + (31 - Math.clz32(x & -x));
          if (dates[doc]! < q.from || dates[doc]! > q.to) all[w]! &= ~(x & -x);
        }
      }
      if (all[w] !== 0) held[kept++] = w;
    }
    heldCount = kept;
  }
  return heldCount;
}

/**
 * The exact total: the matches that pass the other filters too (`q.admit`), written to `allowed` (`scratch.allowed`
 * when there are filters, else `all` itself, left as is); marks the blocks holding any in `blockHas`. `all` stays
 * whole for the introductions (a digest's best story raises its introduction whatever section either is in).
 */
export function countAllowed(q: PrunedQuery, heldCount: number, words: number, wordsPerBlock: number, scratch: QueryScratch, allowed: Uint32Array, blockHas: Uint8Array): number {
  const { all, held } = scratch;
  if (q.admit) allowed.fill(0, 0, words);
  let total = 0;
  for (let k = 0; k < heldCount; k++) {
    const w = held[k]!;
    if (q.admit) {
      let kept = 0;
      for (let y = all[w]!; y !== 0; y &= y - 1) if (q.admit(w * 32 + (31 - Math.clz32(y & -y)))) kept |= y & -y;
      allowed[w] = kept;
    }
    if (allowed[w] === 0) continue;
    total += popcount(allowed[w]!);
    blockHas[Math.floor(w / wordsPerBlock)] = 1;
  }
  return total;
}

/** The digests where an introduction may be raised: group g (from 1) is `members[start[g - 1]]` to `members[start[g] - 1]`. */
export interface Groups {
  count: number;
  start: Uint32Array;
  members: Uint32Array;
}

export const NO_GROUPS: Groups = { count: 0, start: new Uint32Array(1), members: new Uint32Array(0) };

/**
 * The digests where an introduction may be raised: two or more matching stories of one date whose headlines name
 * every term. Each group's number (from 1) is written to `scratch.group` for its stories; the caller zeroes it again.
 * The members are written to `scratch.groupDocs` (typed arrays: an array per group cost more than the search).
 */
export function introductionGroups(steps: Step[], terms: number, heldCount: number, columns: StoryColumns, scratch: QueryScratch): Groups {
  const { all, term, head, held } = scratch;
  const dates = columns.dates;
  const groupOf = scratch.group;
  // Only the words of `all` that hold stories are written, and read.
  for (let t = 0; t < terms; t++) {
    const termSteps = stepsOf(steps, t, true);
    shortBits(term, termSteps, true);
    for (let k = 0; k < heldCount; k++) {
      const w = held[k]!;
      head[w] = (t === 0 ? all[w]! : head[w]!) & wordOf(term, termSteps, w);
    }
    shortBits(term, termSteps, false);
  }
  // Short ids follow the archive's order, so the dates usually come sorted already; when not (an old digest
  // edited), by date then short id, as numbers (date × 2^24 + id is exact in a double).
  const docs = scratch.groupDocs;
  let n = 0;
  let sorted = true;
  for (let k = 0; k < heldCount; k++) {
    const w = held[k]!;
    for (let x = head[w]!; x !== 0; x &= x - 1) {
      const doc = w * 32 + (31 - Math.clz32(x & -x));
      if (n > 0 && dates[docs[n - 1]!]! > dates[doc]!) sorted = false;
      docs[n++] = doc;
    }
  }
  if (!sorted) {
    const keys = Float64Array.from(docs.subarray(0, n), (doc) => dates[doc]! * 2 ** 24 + doc).sort();
    keys.forEach((key, i) => (docs[i] = key % 2 ** 24));
  }
  // Groups are compacted in place (a group's members never move forward of where they were read).
  const start = new Uint32Array((n >> 1) + 2);
  let count = 0;
  let m = 0;
  for (let i = 0; i < n; ) {
    const date = dates[docs[i]!]!;
    let j = i + 1;
    while (j < n && dates[docs[j]!] === date) j++;
    if (j - i > 1) {
      start[count++] = m;
      for (let k = i; k < j; k++) {
        groupOf[docs[k]!] = count;
        docs[m++] = docs[k]!;
      }
    }
    i = j;
  }
  start[count] = m;
  return { count, start, members: docs };
}
