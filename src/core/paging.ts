// Paging of `/search` results on any platform: the page request packed into the button's data, or a cache key.
import { createHash } from "node:crypto";

/** A `/search` page request carried by a next/previous button. */
export interface SearchPageRequest {
  query: string;
  /** Section filter as shown in the results (a title; `matchSection` reads it back). */
  section?: string;
  /** Date filter, YYYY-MM-DD. */
  date?: string;
  /** 1-based. */
  page: number;
}

/**
 * How much data a platform's button can carry.
 * - `max`: the limit (Telegram `callback_data`: 64 bytes; Discord `custom_id`: 100 characters).
 * - `unit`: `"bytes"` counts UTF-8 bytes; `"chars"` counts UTF-16 code units (JavaScript's `length`, never fewer
 *   than the code points Discord counts, so what fits here fits there).
 */
export interface PageDataLimit {
  max: number;
  unit: "bytes" | "chars";
}

/** Most page requests the in-memory cache keeps for buttons whose request does not fit; the least recently used go first. */
export const SEARCH_PAGE_CACHE_SIZE = 1000;

const PACKED_TAG = "s";
const PACKED = `${PACKED_TAG}|`;
const KEYED = "S|";
const PACKED_FORMAT = /^s\|(\d{1,3})\|([^|]*)\|([^|]*)\|([\s\S]+)$/;

function measure(data: string, unit: PageDataLimit["unit"]): number {
  return unit === "bytes" ? Buffer.byteLength(data, "utf8") : data.length;
}

/**
 * Packs a page request into button data (`s|2|2026-02-18|安全|sonnet`): page, date, section, then the query, which
 * may hold anything. Undefined when it does not fit `limit`; the button then carries its key (a stored request).
 *
 * @example
 * encodeSearchPage({ query: "sonnet", page: 2 }, { max: 64, unit: "bytes" }); // "s|2|||sonnet"
 */
export function encodeSearchPage(request: SearchPageRequest, limit: PageDataLimit): string | undefined {
  // A "|" in a section title would shift the fields; the section match is loose, so a space reads back the same.
  const data = [PACKED_TAG, request.page, request.date ?? "", (request.section ?? "").replace(/\|/g, " "), request.query].join("|");
  return measure(data, limit.unit) <= limit.max ? data : undefined;
}

/** Reads data made by {@link encodeSearchPage}; undefined for anything else (cache keys included). */
export function decodeSearchPage(data: string): SearchPageRequest | undefined {
  const m = PACKED_FORMAT.exec(data);
  if (!m || Number(m[1]) < 1) return undefined;
  const request: SearchPageRequest = { page: Number(m[1]), query: m[4]! };
  if (m[2]) request.date = m[2];
  if (m[3]) request.section = m[3];
  return request;
}

/**
 * Page requests too long for button data, kept behind short keys (`S|<hash>`): in the state database
 * (`search_pages`, storage/search-pages-store.ts), so a button works on any instance and after a restart, or in
 * memory ({@link createSearchPageCache}) for tests and one-shot tools.
 */
export interface SearchPageCache {
  /** Stores the request (again: refreshes its age) and resolves with its key, always {@link searchPageKey}. */
  put(request: SearchPageRequest): Promise<string>;
  /** The stored request, or undefined when it was never stored here, has expired or was pushed out. */
  get(key: string): Promise<SearchPageRequest | undefined>;
}

/** The identity of a request: equal requests, equal keys, on every instance. */
function identityOf(r: SearchPageRequest): string {
  return JSON.stringify([r.query, r.section ?? "", r.date ?? "", r.page]);
}

/**
 * The key of a request too long for button data: `S|` and 16 characters of its SHA-256 (96 bits), so every
 * instance computes the same key without asking the database, and a key never opens another search.
 *
 * @example
 * searchPageKey({ query: "…a very long query…", page: 2 }); // "S|J4bGWyMa8bqk_VzY"
 */
export function searchPageKey(request: SearchPageRequest): string {
  return `${KEYED}${createHash("sha256").update(identityOf(request)).digest("base64url").slice(0, 16)}`;
}

/** Checks data read back from a store: a page request, or undefined. */
export function parseSearchPageRequest(json: string): SearchPageRequest | undefined {
  try {
    const v = JSON.parse(json) as Partial<SearchPageRequest>;
    if (typeof v.query !== "string" || !Number.isInteger(v.page) || (v.page as number) < 1) return undefined;
    const request: SearchPageRequest = { query: v.query, page: v.page as number };
    if (typeof v.section === "string") request.section = v.section;
    if (typeof v.date === "string") request.date = v.date;
    return request;
  } catch {
    return undefined;
  }
}

/**
 * A bounded, least-recently-used in-memory cache of page requests (one process, lost at exit).
 *
 * @example
 * const pages = createSearchPageCache();
 * const payload = await renderWithSearchPages({ max: 100, unit: "chars" }, pages, (pageData) => render(reply, pageData));
 */
export function createSearchPageCache(options: { size?: number } = {}): SearchPageCache & { readonly size: number } {
  const size = options.size ?? SEARCH_PAGE_CACHE_SIZE;
  if (!Number.isInteger(size) || size < 1) throw new Error(`paging: cache size must be a positive integer, got ${size}`);
  const byKey = new Map<string, SearchPageRequest>();
  return {
    async put(request) {
      const key = searchPageKey(request);
      byKey.delete(key);
      byKey.set(key, { ...request });
      if (byKey.size > size) byKey.delete(byKey.keys().next().value!);
      return key;
    },
    async get(key) {
      const request = byKey.get(key);
      if (!request) return undefined;
      byKey.delete(key);
      byKey.set(key, request);
      return { ...request };
    },
    get size() {
      return byKey.size;
    },
  };
}

/**
 * Button data for a page request: packed when it fits `limit`, otherwise its key ({@link searchPageKey}, 18
 * characters), which only works once the request is stored — use {@link renderWithSearchPages}, which does both.
 *
 * @example
 * const next = searchPageData({ query, page: 2 }, { max: 64, unit: "bytes" });
 */
export function searchPageData(request: SearchPageRequest, limit: PageDataLimit): string {
  return encodeSearchPage(request, limit) ?? searchPageKey(request);
}

/**
 * Renders a reply whose page buttons get `pageData`, then stores every request that did not fit its button before
 * resolving, so a button is never shown before its request can be read back (by this or another instance).
 *
 * @example
 * const payload = await renderWithSearchPages(DISCORD_PAGE_DATA_LIMIT, storage.searchPages, (pageData) =>
 *   toDiscordPayload(reply, locale, { searchPage: pageData }));
 */
export async function renderWithSearchPages<T>(
  limit: PageDataLimit,
  cache: SearchPageCache,
  render: (pageData: (request: SearchPageRequest) => string) => T,
): Promise<T> {
  const keep: SearchPageRequest[] = [];
  const rendered = render((request) => {
    const packed = encodeSearchPage(request, limit);
    if (packed !== undefined) return packed;
    keep.push(request);
    return searchPageKey(request);
  });
  for (const request of keep) await cache.put(request);
  return rendered;
}

/** What a clicked button's data means: a page to show, a page that is gone (expired, evicted), or not a page button. */
export type ResolvedSearchPage = { kind: "page"; request: SearchPageRequest } | { kind: "expired" } | { kind: "other" };

/**
 * Reads a clicked button's data back into a page request.
 *
 * @example
 * const page = await resolveSearchPage(interaction.customId, pages);
 * if (page.kind === "expired") return answerExpired();
 */
export async function resolveSearchPage(data: string, cache: SearchPageCache): Promise<ResolvedSearchPage> {
  if (data.startsWith(KEYED)) {
    const request = await cache.get(data);
    return request ? { kind: "page", request } : { kind: "expired" };
  }
  if (data.startsWith(PACKED)) {
    const request = decodeSearchPage(data);
    // Malformed packed data only comes from an older format of these buttons.
    return request ? { kind: "page", request } : { kind: "expired" };
  }
  return { kind: "other" };
}

/** The request for another page of the same results (same query and filters). */
export function searchPageRequest(results: { query: string; filters: { section?: string; date?: string } }, page: number): SearchPageRequest {
  const request: SearchPageRequest = { query: results.query, page };
  if (results.filters.section) request.section = results.filters.section;
  if (results.filters.date) request.date = results.filters.date;
  return request;
}

/** The `/search` options that show this page (what `app.run("search", …)` takes). */
export function searchPageOptions(request: SearchPageRequest): Record<string, string | number> {
  const options: Record<string, string | number> = { query: request.query, page: request.page };
  if (request.section) options.section = request.section;
  if (request.date) options.date = request.date;
  return options;
}
