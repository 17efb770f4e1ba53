// The MiniSearch 7.2 private fields that the scorer and the saved index read, checked in one place so a different minisearch fails loudly.
import type MiniSearch from "minisearch";

/**
 * The minisearch release whose private layout this file describes. package.json pins it exactly
 * (`"minisearch": "7.2.0"`); test/core/search-internals.test.ts fails when either drifts.
 */
export const MINISEARCH_LAYOUT_VERSION = "7.2.0";

/** Postings of one term: field id → (short document id → term frequency). */
export type FieldTermData = Map<number, Map<number, number>>;

/** What the scorer and the saved index read and write (the same data MiniSearch's own `search`/`toJSON` use). */
export interface MiniSearchInternals {
  /** MiniSearch's `SearchableMap` radix tree: term → postings. */
  _index: Iterable<[string, FieldTermData]> & {
    get(term: string): FieldTermData | undefined;
    set(term: string, data: FieldTermData): unknown;
    delete(term: string): unknown;
    atPrefix(prefix: string): Iterable<[string, FieldTermData]>;
    fuzzyGet(term: string, maxDistance: number): Map<string, [FieldTermData, number]>;
  };
  _documentCount: number;
  _nextId: number;
  _documentIds: Map<number, unknown>;
  _idToShortId: Map<unknown, number>;
  _fieldIds: Record<string, number>;
  _fieldLength: Map<number, number[]>;
  _avgFieldLength: number[];
  _storedFields: Map<number, Record<string, unknown>>;
  _dirtCount: number;
}

/** minisearch is not the release the search module was written against. */
export class MiniSearchInternalsError extends Error {
  override readonly name = "MiniSearchInternalsError";
  constructor(
    /** The private fields that are missing or of another shape. */
    readonly fields: string[],
  ) {
    super(
      `search: the installed minisearch does not have the ${MINISEARCH_LAYOUT_VERSION} private fields the scorer and saved index read ` +
        `(${fields.join(", ")}); run \`npm ci\` to install the pinned minisearch ${MINISEARCH_LAYOUT_VERSION}, ` +
        "or, when upgrading on purpose, update src/core/search/minisearch-internals.ts and its callers to the new layout",
    );
  }
}

const checked = new WeakSet<object>();
const isFn = (v: unknown): boolean => typeof v === "function";

/**
 * The private fields of `index`, after checking that they have the 7.2 shape (once per instance).
 *
 * @throws MiniSearchInternalsError naming each field that is missing or different
 * @example
 * const ix = internalsOf(index); // throws at once on another minisearch, not deep inside a query
 * ix._index.get("glm");
 */
export function internalsOf<T>(index: MiniSearch<T>): MiniSearchInternals {
  const i = index as unknown as Record<string, unknown>;
  if (checked.has(i)) return i as unknown as MiniSearchInternals;
  const wrong: string[] = [];
  const tree = i._index as Record<string | symbol, unknown> | undefined;
  if (!tree || !isFn(tree.get) || !isFn(tree.set) || !isFn(tree.atPrefix) || !isFn(tree.fuzzyGet) || !isFn(tree[Symbol.iterator])) {
    wrong.push("_index");
  }
  for (const name of ["_documentCount", "_nextId", "_dirtCount"]) if (typeof i[name] !== "number") wrong.push(name);
  if (tree && !isFn(tree.delete)) wrong.push("_index");
  for (const name of ["_documentIds", "_idToShortId", "_fieldLength", "_storedFields"]) if (!(i[name] instanceof Map)) wrong.push(name);
  if (typeof i._fieldIds !== "object" || i._fieldIds === null) wrong.push("_fieldIds");
  if (!Array.isArray(i._avgFieldLength)) wrong.push("_avgFieldLength");
  if (wrong.length > 0) throw new MiniSearchInternalsError(wrong);
  checked.add(i);
  return i as unknown as MiniSearchInternals;
}
