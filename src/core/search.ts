// Story search over the archive: CJK-aware MiniSearch index with filters, autocomplete and a saved-index fast start.
import type { StoryHit } from "./reply.js";

export interface SearchOptions {
  /** Most hits to return; default: all. */
  limit?: number;
  /** Only this date (YYYY-MM-DD). */
  date?: string;
  /** Date range, inclusive (YYYY-MM-DD). */
  from?: string;
  to?: string;
  /** Only stories of a section whose title matches loosely (same rule as `/section`). */
  section?: string;
  /** Treat the last term as a prefix (autocomplete). Default false. */
  prefix?: boolean;
  /** Only stories containing every word of the query (no partial-match fall-back), as a personal alert needs. */
  requireAll?: boolean;
}

export interface SearchHit extends StoryHit {
  score: number;
}

/** One page of hits and how many stories match in all. */
export interface SearchPage {
  hits: SearchHit[];
  /** Exact number of matching stories (after filters), counted without ranking them all. */
  total: number;
}

/**
 * Read side of the search index (implementation fixed by the search module; contract fixed here).
 * Hits are sorted by score, ties broken by recency (newer first).
 */
export interface StorySearch {
  /** The best `limit` hits (default: all). Pass a limit: the cost grows with it. */
  search(query: string, options?: SearchOptions): SearchHit[];
  /**
   * Hits `offset` … `offset + limit` and the exact total; costs `offset + limit` plus the postings read, not the
   * number of matches.
   *
   * @example
   * search.searchPage("agent", { offset: 10, limit: 10 }); // { hits: [/* 11th to 20th *\/], total: 1423 }
   */
  searchPage(query: string, options?: SearchOptions & { offset?: number }): SearchPage;
}

export { createStorySearch } from "./search/service.js";
export type { SearchService, StorySearchOptions, IndexSource } from "./search/service.js";
export { normalizeText } from "./search/normalize.js";
export { tokenize } from "./search/tokenize.js";
