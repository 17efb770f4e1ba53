// The term tree of a saved index is built in one pass: the very tree MiniSearch builds term by term, in the same order.
import { describe, expect, it } from "vitest";
import { createIndex } from "../../src/core/search/index-options.js";
import { internalsOf } from "../../src/core/search/minisearch-internals.js";
import { fillTermTree } from "../../src/core/search/term-tree.js";

type Tree = Map<string, unknown>;
const treeOf = (index = createIndex()) => (internalsOf(index)._index as unknown as { _tree: Tree })._tree;
/** The tree as nested arrays of [label, child], in Map order: two trees with equal shapes are the same tree. */
const shape = (node: unknown): unknown => (node instanceof Map ? [...node].map(([k, v]) => [k, shape(v)]) : node);

/** A tree built the way MiniSearch builds one (term by term), and the order it iterates its terms in. */
function builtTermByTerm(terms: string[]) {
  const index = createIndex();
  terms.forEach((term, i) => internalsOf(index)._index.set(term, i as unknown as Map<number, Map<number, number>>));
  const order = [...internalsOf(index)._index].map(([term]) => term);
  return { order, tree: treeOf(index) };
}

// Prefixes of one another, shared stems, CJK bigrams, a surrogate pair, an empty term, in no particular order.
const TERMS = ["agent", "agents", "age", "a", "模型", "模拟", "大模", "模", "qwen3", "qwen", "q", "", "😀a", "😀b", "ag", "b", "agentic"];

describe("term tree", () => {
  it("builds, from terms in the order a tree iterates them, the tree MiniSearch builds term by term, iterating alike", () => {
    const { order } = builtTermByTerm(TERMS);
    // Built again term by term in that order (what loading did), and in one pass: the same terms, values and order.
    const again = builtTermByTerm(order);
    const root: Tree = new Map();
    expect(fillTermTree(root, order, order.map((_, i) => i))).toBe(true);
    const index = createIndex();
    const tree = treeOf(index);
    for (const [k, v] of root) tree.set(k, v);
    const ix = internalsOf(index);
    expect([...ix._index].map(([term]) => term)).toEqual(order);
    for (const term of TERMS) expect(ix._index.get(term)).toBe(order.indexOf(term));
    expect(ix._index.get("agen")).toBeUndefined();
    expect([...ix._index.atPrefix("agent")].map(([term]) => term).sort()).toEqual(["agent", "agentic", "agents"]);
    expect([...ix._index.fuzzyGet("agant", 1).keys()]).toEqual(["agent"]);
    // Same edges and leaves as MiniSearch's own tree (only the order of a node's entries may differ from it).
    const sorted = (node: unknown): unknown => (node instanceof Map ? [...node].map(([k, v]) => [k, sorted(v)]).sort() : node);
    expect(sorted(root)).toEqual(sorted(again.tree));
  });

  it("keeps its order through a save and load: the tree iterates exactly the listed order", () => {
    const { order } = builtTermByTerm(TERMS);
    const root: Tree = new Map();
    fillTermTree(root, order, order);
    const index = createIndex();
    for (const [k, v] of root) treeOf(index).set(k, v);
    const second: Tree = new Map();
    const listed = [...internalsOf(index)._index].map(([term]) => term);
    expect(fillTermTree(second, listed, listed)).toBe(true);
    expect(shape(second)).toEqual(shape(root));
  });

  it("refuses terms not in an order a tree iterates (a stem split apart, a term twice) and leaves the tree empty", () => {
    const root: Tree = new Map();
    expect(fillTermTree(root, ["agent", "b", "age"], [1, 2, 3])).toBe(false);
    expect(root.size).toBe(0);
    expect(fillTermTree(root, ["agent", "agent"], [1, 2])).toBe(false);
    expect(root.size).toBe(0);
    expect(fillTermTree(new Map([["x", new Map()]]), ["a"], [1])).toBe(false);
  });
});
