// The lazily built term tree of a saved index answers every tree operation as the tree MiniSearch builds, building only what is read.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createIndex } from "../../src/core/search/index-options.js";
import { fillLazyTermTree, isTreeOrder, LazyTermNode } from "../../src/core/search/lazy-term-tree.js";
import { internalsOf } from "../../src/core/search/minisearch-internals.js";
import { fillTermTree } from "../../src/core/search/term-tree.js";

type Tree = Map<string, unknown>;
type Values = Map<number, Map<number, number>>;
const treeOf = (index = createIndex()) => (internalsOf(index)._index as unknown as { _tree: Tree })._tree;
/** The tree as nested arrays of [label, child], in Map order: two trees with equal shapes are the same tree. */
const shape = (node: unknown): unknown => (node instanceof Map ? [...node].map(([k, v]) => [k, shape(v)]) : node);
/** Like `shape`, with each node's entries sorted: MiniSearch's own tree may list a node's entries in another order. */
const sorted = (node: unknown): unknown => (node instanceof Map ? [...node].map(([k, v]) => [k, sorted(v)]).sort() : node);
/** Nodes of the tree whose level is built (read without building anything). */
const builtNodes = (node: unknown): number => {
  if (!(node instanceof Map) || (node instanceof LazyTermNode && node.pending)) return 0;
  let n = 1;
  for (const child of Map.prototype.values.call(node)) n += builtNodes(child);
  return n;
};

/** The terms in the order a tree built term by term iterates them (the order a saved index lists them in). */
function treeOrder(terms: string[]): string[] {
  const index = createIndex();
  terms.forEach((term, i) => internalsOf(index)._index.set(term, i as unknown as Values));
  return [...internalsOf(index)._index].map(([term]) => term);
}

/**
 * For the same saved terms: an index whose tree MiniSearch built term by term, one whose tree was built in one
 * pass (what loading did before), and one whose tree is filled lazily (what loading does now).
 */
function trees(terms: string[]) {
  const order = treeOrder(terms);
  const minisearch = createIndex();
  order.forEach((term, i) => internalsOf(minisearch)._index.set(term, i as unknown as Values));
  const onePass = createIndex();
  expect(fillTermTree(treeOf(onePass), order, order.map((_, i) => i))).toBe(true);
  const lazy = createIndex();
  expect(fillLazyTermTree(treeOf(lazy), order, (t) => t)).toBe(true);
  return {
    order,
    minisearch: internalsOf(minisearch)._index,
    eager: internalsOf(onePass)._index,
    lazy: internalsOf(lazy)._index,
    minisearchRoot: treeOf(minisearch),
    eagerRoot: treeOf(onePass),
    lazyRoot: treeOf(lazy),
  };
}

// Prefixes of one another, shared stems, CJK bigrams, a surrogate pair, an empty term, in no particular order.
const TERMS = ["agent", "agents", "age", "a", "模型", "模拟", "大模", "模", "qwen3", "qwen", "q", "", "😀a", "😀b", "ag", "b", "agentic"];
const term = fc.stringMatching(/^[a-c模型😀]{0,5}$/);

describe("lazy term tree", () => {
  it("answers get, prefix and fuzzy look-ups as MiniSearch's own tree, and builds only the nodes they read", () => {
    const { order, minisearch, lazy, lazyRoot } = trees(TERMS);
    expect(lazy.get("agent")).toBe(minisearch.get("agent"));
    expect(lazy.get("agen")).toBeUndefined();
    // The look-ups built the nodes on their paths only.
    const built = builtNodes(lazyRoot);
    for (const t of TERMS) expect(lazy.get(t)).toBe(order.indexOf(t));
    const sortedHits = (hits: Iterable<[string, unknown]>) => [...hits].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    expect(sortedHits(lazy.atPrefix("agent"))).toEqual(sortedHits(minisearch.atPrefix("agent")));
    expect(sortedHits(lazy.fuzzyGet("agant", 1))).toEqual(sortedHits(minisearch.fuzzyGet("agant", 1)));
    expect(sortedHits(lazy.fuzzyGet("模拟", 1))).toEqual(sortedHits(minisearch.fuzzyGet("模拟", 1)));
    // Iterating (a save, a purge) builds all of it, in the saved order.
    expect([...lazy].map(([t]) => t)).toEqual(order);
    expect(built).toBeLessThan(builtNodes(lazyRoot) / 2);
  });

  it("is, once read, the tree the one-pass build makes (entries in the same order) and MiniSearch's, for any terms", () => {
    fc.assert(
      fc.property(fc.uniqueArray(term, { maxLength: 40 }), (terms) => {
        const { order, lazy, lazyRoot, eagerRoot, minisearchRoot } = trees(terms);
        expect([...lazy].map(([t]) => t)).toEqual(order);
        expect(shape(lazyRoot)).toEqual(shape(eagerRoot));
        expect(sorted(lazyRoot)).toEqual(sorted(minisearchRoot));
      }),
    );
  });

  it("takes additions and removals as the one-pass tree does, before or after a node is built", () => {
    fc.assert(
      fc.property(fc.uniqueArray(term, { maxLength: 30 }), fc.array(fc.tuple(fc.boolean(), term), { maxLength: 20 }), (terms, edits) => {
        const { eager, lazy, lazyRoot, eagerRoot } = trees(terms);
        for (const [add, t] of edits) {
          if (add) {
            eager.set(t, -1 as unknown as Values);
            lazy.set(t, -1 as unknown as Values);
          } else {
            expect(lazy.delete(t)).toBe(eager.delete(t));
          }
          expect(lazy.get(t)).toBe(eager.get(t));
        }
        expect([...lazy]).toEqual([...eager]);
        expect(shape(lazyRoot)).toEqual(shape(eagerRoot));
      }),
    );
  });

  it("accepts exactly the term orders the one-pass build accepts (a stem split apart or a term twice is refused)", () => {
    fc.assert(
      fc.property(fc.array(term, { maxLength: 30 }), fc.boolean(), (terms, inTreeOrder) => {
        const listed = inTreeOrder ? treeOrder(terms) : terms;
        expect(isTreeOrder(listed)).toBe(fillTermTree(new Map(), listed, listed));
      }),
      { numRuns: 500 },
    );
    expect(isTreeOrder(["agent", "b", "age"])).toBe(false);
    expect(isTreeOrder(["agent", "agent"])).toBe(false);
    expect(isTreeOrder(["ab", "abc", "ab"])).toBe(false);
    const root: Tree = new Map();
    expect(fillLazyTermTree(root, ["agent", "b", "age"], (t) => t)).toBe(false);
    expect(root.size).toBe(0);
  });
});
