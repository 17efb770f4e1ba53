// A saved index's term tree built lazily: each node of MiniSearch's radix tree fills itself from the saved term list when first used.
//
// Building the whole tree of a saved index (`fillTermTree`: 65k terms at 3 years, ~65k Maps and as many postings
// objects) was ~0.1 s of CPU of every warm start and much of its garbage, before the first answer; a query reads a
// handful of nodes. Here the root gets its edges at load and every other node is a `LazyTermNode`: a Map that knows
// the range of saved terms below it and builds its own level (edges to lazy children, the leaf value) on its first
// read or write. Saving, purging or compacting iterate the tree and so fill all of it, as before.

import { measureTermEdge } from "./term-edge.js";

/** The private tree of a MiniSearch `SearchableMap`: edge label → child node, `""` → the value of the path's term. */
type Node = Map<string, unknown>;
const LEAF = "";

/** The saved terms, in the order the tree iterates them, and how to make the value of the `t`-th one. */
interface TermSource {
  readonly terms: readonly string[];
  valueOf(t: number): unknown;
}

/**
 * True when `terms` are in an order a tree iterates, so that every node can be built on its own: no term listed
 * twice, and for every prefix the terms that start with it are listed together (a prefix left is never seen again).
 * One pass, no allocation per term; `fillTermTree` finds the same orders valid while building.
 */
export function isTreeOrder(terms: readonly string[]): boolean {
  // For each depth d along the previous term: code units that followed its first d code units in terms already
  // left behind, and whether the prefix itself was a term. Both are reset when a deeper prefix starts.
  const closed: (Set<number> | undefined)[] = [];
  const leaf: boolean[] = [];
  let prev = "";
  for (let i = 0; i < terms.length; i++) {
    const term = terms[i] as string;
    let l = 0;
    if (i > 0) {
      const max = Math.min(prev.length, term.length);
      while (l < max && prev.charCodeAt(l) === term.charCodeAt(l)) l++;
      if (l === prev.length && l === term.length) return false;
      // Everything under prev's branch at depth l is left for good.
      if (prev.length > l) (closed[l] ??= new Set()).add(prev.charCodeAt(l));
    }
    if (term.length === l) {
      if (i > 0 && leaf[l]) return false;
      leaf[l] = true;
    } else if (closed[l]?.has(term.charCodeAt(l))) {
      return false;
    }
    for (let d = l + 1; d <= term.length; d++) {
      closed[d] = undefined;
      leaf[d] = false;
    }
    leaf[term.length] = true;
    prev = term;
  }
  return true;
}

/** Builds one level of the node of terms `lo`..`hi` (sharing their first `depth` code units) into `node` via `put`. */
function fillLevel(put: (label: string, child: unknown) => void, source: TermSource, lo: number, hi: number, depth: number): void {
  const { terms } = source;
  const labels: string[] = [];
  const children: unknown[] = [];
  let i = lo;
  while (i < hi) {
    const term = terms[i] as string;
    if (term.length === depth) {
      labels.push(LEAF);
      children.push(source.valueOf(i));
      i++;
      continue;
    }
    const { label, next } = measureTermEdge(terms, i, hi, depth);
    labels.push(label);
    children.push(new LazyTermNode(source, i, next, depth + label.length));
    i = next;
  }
  // The tree iterates a node's entries from the last inserted to the first.
  for (let k = labels.length - 1; k >= 0; k--) put(labels[k] as string, children[k]);
}

/** A node of the term tree that builds its level from the saved terms the first time any Map method is used. */
export class LazyTermNode extends Map<string, unknown> {
  private source: TermSource | undefined;
  private readonly lo: number;
  private readonly hi: number;
  private readonly depth: number;

  constructor(source: TermSource, lo: number, hi: number, depth: number) {
    super();
    this.source = source;
    this.lo = lo;
    this.hi = hi;
    this.depth = depth;
  }

  /** True until the node's level is built. */
  get pending(): boolean {
    return this.source !== undefined;
  }

  private fill(): void {
    const source = this.source;
    if (source === undefined) return;
    this.source = undefined;
    fillLevel((label, child) => super.set(label, child), source, this.lo, this.hi, this.depth);
  }

  override get size(): number {
    this.fill();
    return super.size;
  }
  override get(key: string): unknown {
    this.fill();
    return super.get(key);
  }
  override has(key: string): boolean {
    this.fill();
    return super.has(key);
  }
  override set(key: string, value: unknown): this {
    this.fill();
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    this.fill();
    return super.delete(key);
  }
  override clear(): void {
    this.source = undefined;
    super.clear();
  }
  override keys(): MapIterator<string> {
    this.fill();
    return super.keys();
  }
  override values(): MapIterator<unknown> {
    this.fill();
    return super.values();
  }
  override entries(): MapIterator<[string, unknown]> {
    this.fill();
    return super.entries();
  }
  override forEach(fn: (value: unknown, key: string, map: Map<string, unknown>) => void, thisArg?: unknown): void {
    this.fill();
    super.forEach(fn, thisArg);
  }
  override [Symbol.iterator](): MapIterator<[string, unknown]> {
    this.fill();
    return super[Symbol.iterator]();
  }
}

/**
 * Fills the empty `root` with the first level of the tree of `terms` (value of `terms[t]`: `valueOf(t)`), the
 * rest built on use, so that the tree is exactly the one `SearchableMap#set` builds once it is all read. Returns
 * false, leaving `root` empty, when the terms are not in an order a tree iterates (see `isTreeOrder`): the caller
 * then inserts them one by one.
 */
export function fillLazyTermTree(root: Node, terms: readonly string[], valueOf: (t: number) => unknown): boolean {
  if (root.size !== 0 || !isTreeOrder(terms)) return false;
  fillLevel((label, child) => root.set(label, child), { terms, valueOf }, 0, terms.length, 0);
  return true;
}
