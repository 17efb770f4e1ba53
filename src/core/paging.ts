// Paging of `/search` results on any platform: the page request packed into the button's data, or a cache key.
import { randomBytes } from "node:crypto";

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

/** Most page requests kept in memory for buttons whose request does not fit; the least recently used go first. */
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
 * may hold anything. Undefined when it does not fit `limit`; {@link searchPageData} then keeps it in the cache.
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

/** Page requests too long for button data, kept in memory behind short keys (`S|<run><n>`). */
export interface SearchPageCache {
  /** The key for this request; the same request gets the same key while it is cached. */
  put(request: SearchPageRequest): string;
  get(key: string): SearchPageRequest | undefined;
  readonly size: number;
}

/**
 * A bounded, least-recently-used cache of page requests. Keys carry a random tag of this process, so a button made
 * before a restart reads as expired instead of opening somebody else's search.
 *
 * @example
 * const pages = createSearchPageCache();
 * const data = searchPageData(request, { max: 100, unit: "chars" }, pages);
 */
export function createSearchPageCache(options: { size?: number } = {}): SearchPageCache {
  const size = options.size ?? SEARCH_PAGE_CACHE_SIZE;
  if (!Number.isInteger(size) || size < 1) throw new Error(`paging: cache size must be a positive integer, got ${size}`);
  const run = randomBytes(3).toString("hex");
  const byKey = new Map<string, SearchPageRequest>();
  const byRequest = new Map<string, string>();
  let counter = 0;
  const identity = (r: SearchPageRequest) => JSON.stringify([r.query, r.section ?? "", r.date ?? "", r.page]);
  const touch = (key: string, request: SearchPageRequest) => {
    byKey.delete(key);
    byKey.set(key, request);
  };
  return {
    put(request) {
      const id = identity(request);
      const known = byRequest.get(id);
      if (known) {
        touch(known, request);
        return known;
      }
      const key = `${KEYED}${run}${(counter++).toString(36)}`;
      const stored = { ...request };
      byKey.set(key, stored);
      byRequest.set(id, key);
      if (byKey.size > size) {
        const [oldKey, oldRequest] = byKey.entries().next().value!;
        byKey.delete(oldKey);
        byRequest.delete(identity(oldRequest));
      }
      return key;
    },
    get(key) {
      const request = byKey.get(key);
      if (request) touch(key, request);
      return request && { ...request };
    },
    get size() {
      return byKey.size;
    },
  };
}

/**
 * Button data for a page request: packed when it fits `limit`, otherwise a cache key (always short: ≤ 20 characters).
 *
 * @example
 * const next = searchPageData({ query, page: 2 }, { max: 64, unit: "bytes" }, pages);
 */
export function searchPageData(request: SearchPageRequest, limit: PageDataLimit, cache: SearchPageCache): string {
  return encodeSearchPage(request, limit) ?? cache.put(request);
}

/** What a clicked button's data means: a page to show, a page that is gone (restart, evicted), or not a page button. */
export type ResolvedSearchPage = { kind: "page"; request: SearchPageRequest } | { kind: "expired" } | { kind: "other" };

/**
 * Reads a clicked button's data back into a page request.
 *
 * @example
 * const page = resolveSearchPage(interaction.customId, pages);
 * if (page.kind === "expired") return answerExpired();
 */
export function resolveSearchPage(data: string, cache: SearchPageCache): ResolvedSearchPage {
  if (data.startsWith(KEYED)) {
    const request = cache.get(data);
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
