// Builds MiniSearch's term tree in one pass from terms listed in the tree's own order (a saved index), instead of inserting them one by one.
//
// MiniSearch 7.2 keeps terms in a radix tree of nested Maps (edge label → child node, "" → the term's value) and
// inserts a term by scanning the children of each node it passes; the root of a CJK index has thousands of
// children, so inserting 65k terms one by one took ~100–200 ms of a warm start. A saved index lists its terms in
// the order the tree iterates them (depth first, each node's entries last-inserted first), which is enough to build
// every node at once.

import { measureTermEdge } from "./term-edge.js";

/** The private tree of a MiniSearch `SearchableMap`: edge label → child node, `""` → the value of the path's term. */
type Node = Map<string, unknown>;
const LEAF = "";

/**
 * Fills the empty `root` with `terms` (and `values[i]` for `terms[i]`) so that iterating it gives `terms` in this
 * order, exactly the tree `SearchableMap#set` builds. Returns false, leaving `root` empty, when the terms are not in
 * an order a tree iterates (a term listed twice, the terms under one edge not listed together): the caller then
 * inserts them one by one.
 */
export function fillTermTree<V>(root: Node, terms: readonly string[], values: readonly V[]): boolean {
  if (root.size !== 0) return false;
  const ok = fill(root, terms, values, 0, terms.length, 0);
  if (!ok) root.clear();
  return ok;
}

/** Builds the node of the terms `lo`..`hi`, which share their first `depth` code units. */
function fill<V>(node: Node, terms: readonly string[], values: readonly V[], lo: number, hi: number, depth: number): boolean {
  const labels: string[] = [];
  const children: unknown[] = [];
  let firsts: Set<number> | undefined;
  let i = lo;
  while (i < hi) {
    const term = terms[i] as string;
    if (term.length === depth) {
      labels.push(LEAF);
      children.push(values[i]);
      i++;
      continue;
    }
    const first = term.charCodeAt(depth);
    // Two groups of one code unit: the terms under an edge were not listed together.
    if (labels.length > 0) {
      firsts ??= new Set(labels.map((l) => l.charCodeAt(0)));
      if (firsts.has(first)) return false;
      firsts.add(first);
    }
    const { label, next } = measureTermEdge(terms, i, hi, depth);
    const child: Node = new Map();
    if (!fill(child, terms, values, i, next, depth + label.length)) return false;
    labels.push(label);
    children.push(child);
    i = next;
  }
  // The tree iterates a node's entries from the last inserted to the first.
  for (let k = labels.length - 1; k >= 0; k--) node.set(labels[k] as string, children[k]);
  // Fewer entries than groups: the term of this node came twice.
  return node.size === labels.length;
}
