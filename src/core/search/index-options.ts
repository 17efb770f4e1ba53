// The MiniSearch configuration of the story index: fields, boosts and the query-side rules, shared by build, load and search.
import MiniSearch, { type Options, type SearchOptions as MiniSearchOptions } from "minisearch";
import type { Digest } from "../digest/model.js";
import { fuzzinessFor, tokenize, tokenizeQuery, usePrefixFor } from "./tokenize.js";

/**
 * Bump when tokenization, fields or the document shape change: a saved index with another version is rebuilt.
 */
export const INDEX_SCHEMA_VERSION = 4;

/** One story as the index sees it. */
export interface StoryDoc {
  /** Story id (`20260218-1-3`); unique across the archive because it carries the date. */
  id: string;
  date: string;
  /** Section title as written. */
  section: string;
  /** Title as written. */
  title: string;
  /** Plain-text body. */
  text: string;
  /** Link labels joined by newlines (URLs are not searched). */
  links: string;
  /**
   * The title's headline: the part before its first colon (`Anthropic 推出 Claude Sonnet 4.6` of
   * `Anthropic 推出 Claude Sonnet 4.6：1M 上下文…`); empty for a title without one. Indexed but not scored: it tells
   * the scorer which stories of a day are *about* the query's subject (see `StoryScorer`).
   */
  headline: string;
}

/**
 * The headline of a title: the subject before the first colon, the digest's `Subject：details` convention. A title
 * without that split has no headline (`""`): a whole sentence names too much to say what the story is about. A
 * colon not followed by a space (`arXiv:2602`, `10:30`) is no split.
 *
 * @example
 * headlineOf("Sonnet 4.6 快速铺货：Cursor、Perplexity 等全上线"); // "Sonnet 4.6 快速铺货"
 * headlineOf("Gemma 4 ships with a 1M context window");          // ""
 */
export function headlineOf(title: string): string {
  const m = /：|:(?=\s|$)/u.exec(title);
  return m ? title.slice(0, m.index).trim() : "";
}

/** Fields searched, and their weights relative to the body. */
export const FIELD_BOOSTS = {
  /** The title names the story; a match there is the strongest evidence. */
  title: 3,
  /** Link labels often restate the title with the product's official name. */
  links: 1.2,
  text: 1,
  /** Section words are shared by many stories; they help only to break near-ties. */
  section: 0.5,
} as const satisfies Record<Exclude<keyof StoryDoc, "id" | "date" | "headline">, number>;

/** Fields in the index: the scored ones, plus `headline`, which only marks what a story is about. */
export const INDEX_FIELDS = [...Object.keys(FIELD_BOOSTS), "headline"] as const;

/** Stored with each hit: enough to render a result line and fetch the story by id. */
export const STORED_FIELDS = ["id", "date", "section", "title"] as const;

/** Index options; `MiniSearch.loadJSON` must get the very same ones. */
export const INDEX_OPTIONS: Options<StoryDoc> = {
  idField: "id",
  fields: [...INDEX_FIELDS],
  storeFields: [...STORED_FIELDS],
  tokenize,
  // Terms come out of `tokenize` final: the default processTerm would lowercase the re-spelt CJK letters.
  processTerm: (term) => term,
  // Stories are removed with `remove` (their postings go at once), never left discarded: a discarded story's
  // postings would still count in the document frequencies until a vacuum, and skew every score.
  autoVacuum: false,
};

/**
 * MiniSearch search options equivalent to what `StoryScorer` computes (it reads the postings itself, for speed);
 * `fuzziness` is the scorer's rule for the index at hand (`fuzzinessRule(index)`). Used to check the scorer.
 */
export function queryOptions(autocomplete: boolean, fuzziness: (term: string) => number = fuzzinessFor): MiniSearchOptions {
  return {
    fields: Object.keys(FIELD_BOOSTS),
    boost: { ...FIELD_BOOSTS },
    tokenize: tokenizeQuery,
    fuzzy: (term) => fuzziness(term) || false,
    prefix: (term, i, terms) => usePrefixFor(term, i, terms, autocomplete),
    weights: { fuzzy: 0.45, prefix: 0.375 },
  };
}

/** The documents of one digest, in reading order. */
export function digestToDocs(digest: Digest): StoryDoc[] {
  const docs: StoryDoc[] = [];
  for (const section of digest.sections) {
    for (const story of section.stories) {
      docs.push({
        id: story.id,
        date: digest.date,
        section: section.title,
        title: story.title,
        text: story.text,
        links: story.links.map((l) => l.label).join("\n"),
        headline: headlineOf(story.title),
      });
    }
  }
  return docs;
}

export function createIndex(): MiniSearch<StoryDoc> {
  return new MiniSearch<StoryDoc>(INDEX_OPTIONS);
}
