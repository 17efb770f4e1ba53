// The search_pages table: `/search` page requests too long for a button, shared by every instance on one database.
import type { Kysely } from "kysely";
import { parseSearchPageRequest, searchPageKey, type SearchPageCache } from "../paging.js";
import type { StateTables } from "./schema.js";

/** A stored page request is kept this long after it was last put (a page turned re-puts its neighbours). */
export const SEARCH_PAGE_TTL_MS = 30 * 86_400_000;
/** Expired rows are deleted at most this often per process, on a put. */
export const SEARCH_PAGE_CLEANUP_MS = 3_600_000;

export interface SearchPageStoreOptions {
  /** Default `() => new Date()`; tests pass a fake clock. */
  clock?: () => Date;
  ttlMs?: number;
}

/**
 * The page requests of a state database (either dialect) behind the {@link SearchPageCache} interface. Rows older
 * than the TTL read as expired and are deleted by a later put, so the table holds at most a TTL's worth of searches.
 *
 * @example
 * const pages = createSearchPageStore(db);
 * const key = await pages.put({ query: "…", page: 2 }); // any instance: await pages.get(key)
 */
export function createSearchPageStore(db: Kysely<StateTables>, options: SearchPageStoreOptions = {}): SearchPageCache {
  const clock = options.clock ?? (() => new Date());
  const ttlMs = options.ttlMs ?? SEARCH_PAGE_TTL_MS;
  let lastCleanup = -Infinity;
  const oldest = (now: Date) => new Date(now.getTime() - ttlMs).toISOString();
  return {
    async put(request) {
      const key = searchPageKey(request);
      const now = clock();
      await db
        .insertInto("search_pages")
        .values({ key, request: JSON.stringify(request), created_at: now.toISOString() })
        .onConflict((oc) => oc.column("key").doUpdateSet((eb) => ({ request: eb.ref("excluded.request"), created_at: eb.ref("excluded.created_at") })))
        .execute();
      if (now.getTime() - lastCleanup >= SEARCH_PAGE_CLEANUP_MS) {
        lastCleanup = now.getTime();
        await db.deleteFrom("search_pages").where("created_at", "<", oldest(now)).execute();
      }
      return key;
    },
    async get(key) {
      const row = await db
        .selectFrom("search_pages")
        .select("request")
        .where("key", "=", key)
        .where("created_at", ">=", oldest(clock()))
        .executeTakeFirst();
      return row ? parseSearchPageRequest(row.request) : undefined;
    },
  };
}
