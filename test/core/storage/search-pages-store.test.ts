// The search_pages table on both backends: a key stored by one instance resolves on another and after a restart; old rows expire and are deleted.
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { renderWithSearchPages, resolveSearchPage, type SearchPageRequest } from "../../../src/core/paging.js";
import { createSearchPageStore, SEARCH_PAGE_TTL_MS } from "../../../src/core/storage/search-pages-store.js";
import type { Storage } from "../../../src/core/storage/types.js";
import { testBackends, useStoreOpeners } from "./backends.js";

const DISCORD = { max: 100, unit: "chars" } as const;
const long = (i: number): SearchPageRequest => ({ query: `${"长查询 agent ".repeat(12)}${i}`, section: "Agent 与工具链", date: "2026-02-18", page: 2 });

const { opener } = useStoreOpeners("digest-bot-pages-");

const rows = async (s: Storage) => Number((await s.db.selectFrom("search_pages").select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow()).n);

describe.each(testBackends())("on %s", (backend) => {
  it("a key one store made resolves in another connection to the same database, and after it was closed", async () => {
    const open = opener(backend);
    const a = await open();
    const key = await renderWithSearchPages(DISCORD, a.searchPages, (pageData) => pageData(long(1)));
    expect(key).toMatch(/^S\|/);
    // Another process on the same database (PostgreSQL: instance B; SQLite: the next start).
    const b = await open();
    expect(await resolveSearchPage(key, b.searchPages)).toEqual({ kind: "page", request: long(1) });
    await a.close();
    await b.close();
    const c = await open();
    expect(await resolveSearchPage(key, c.searchPages)).toEqual({ kind: "page", request: long(1) });
    // The same request again is the same row, not a new one.
    await c.searchPages.put(long(1));
    expect(await rows(c)).toBe(1);
    expect(await resolveSearchPage("S|AAAAAAAAAAAAAAAA", c.searchPages)).toEqual({ kind: "expired" });
  });

  it("a request older than the TTL reads as expired and is deleted by a later put; a re-put refreshes its age", async () => {
    const s = await opener(backend)();
    let now = new Date("2026-02-18T09:00:00.000Z");
    const pages = createSearchPageStore(s.db, { clock: () => now });
    const old = await pages.put(long(1));
    const refreshed = await pages.put(long(2));
    now = new Date(now.getTime() + SEARCH_PAGE_TTL_MS - 1000);
    await pages.put(long(2));
    expect(await pages.get(old)).toEqual(long(1));
    now = new Date(now.getTime() + 2000);
    expect(await pages.get(old)).toBeUndefined();
    expect(await pages.get(refreshed)).toEqual(long(2));
    // A fresh process (cleanup not yet run) deletes what has expired on its first put.
    const later = createSearchPageStore(s.db, { clock: () => now });
    await later.put(long(3));
    expect(await rows(s)).toBe(2);
    expect(await later.get(old)).toBeUndefined();
  });

  it("a row that is not a page request (a damaged table) reads as expired, not as a crash", async () => {
    const s = await opener(backend)();
    await s.db.insertInto("search_pages").values({ key: "S|broken", request: "{not json", created_at: new Date().toISOString() }).execute();
    expect(await resolveSearchPage("S|broken", s.searchPages)).toEqual({ kind: "expired" });
  });
});
