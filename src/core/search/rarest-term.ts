// The full scoring's filter for a many-word query: the stories of its rarest word, as a bitset (only they can have every word).
import { eachPosting } from "./lazy-postings.js";
import type { PlanEntry } from "./pruned-plan.js";

/**
 * Sets in `bits` the stories of the term with the fewest postings and returns its plan entries (to clear the bits
 * again with `clearMarks`); `undefined` when a term has no postings (then no story has every term).
 */
export function markRarestTerm(plan: PlanEntry[], terms: number, bits: Uint32Array): PlanEntry[] | undefined {
  let rarest = -1;
  let fewest = Infinity;
  for (let t = 0; t < terms; t++) {
    let n = 0;
    for (const e of plan) if (e.score && e.bit === 1 << t) n += e.postings.size;
    if (n === 0) return undefined;
    if (n < fewest) (fewest = n), (rarest = t);
  }
  const entries = plan.filter((e) => e.score && e.bit === 1 << rarest);
  for (const e of entries) eachPosting(e.postings, (doc) => void (bits[doc >>> 5]! |= 1 << (doc & 31)));
  return entries;
}

/** Zeroes the words `markRarestTerm` set (`bits` is zero between uses). */
export function clearMarks(entries: PlanEntry[], bits: Uint32Array): void {
  for (const e of entries) eachPosting(e.postings, (doc) => void (bits[doc >>> 5] = 0));
}
