// The top-k part of a query: a bounded heap of the best candidates, ordered by score, recency and digest order.

/** Score differences below this (relative) count as ties, which are then broken by recency. */
const TIE_EPSILON = 1e-9;

export interface Candidate {
  doc: number;
  score: number;
  /** YYYYMMDD and position in the digest (section × 1000 + story), from the scorer's arrays: no id parsing. */
  date: number;
  pos: number;
}

export const tied = (a: number, b: number): boolean => Math.abs(a - b) <= TIE_EPSILON * Math.max(Math.abs(a), Math.abs(b), 1e-12);

/** Positive when `a` ranks below `b`: lower score, then older, then later in the digest. */
export function worse(a: Candidate, b: Candidate): number {
  if (!tied(a.score, b.score)) return b.score - a.score;
  if (a.date !== b.date) return b.date - a.date;
  return a.pos - b.pos || a.doc - b.doc;
}

export function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

// A binary heap ordered so that the worst-ranked candidate is on top.
export function heapPush(heap: Candidate[], c: Candidate): void {
  heap.push(c);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (worse(heap[i]!, heap[parent]!) <= 0) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

export function heapReplaceTop(heap: Candidate[], c: Candidate): void {
  heap[0] = c;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let top = i;
    if (l < heap.length && worse(heap[l]!, heap[top]!) > 0) top = l;
    if (r < heap.length && worse(heap[r]!, heap[top]!) > 0) top = r;
    if (top === i) return;
    [heap[i], heap[top]] = [heap[top]!, heap[i]!];
    i = top;
  }
}
