// Search page buttons: packing a page request into button data, the cache for long ones, and reading clicks back.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createSearchPageCache,
  decodeSearchPage,
  encodeSearchPage,
  renderWithSearchPages,
  resolveSearchPage,
  searchPageData,
  searchPageKey,
  searchPageOptions,
  type SearchPageRequest,
} from "../../src/core/paging.js";

const TELEGRAM = { max: 64, unit: "bytes" } as const;
const DISCORD = { max: 100, unit: "chars" } as const;

describe("encodeSearchPage / decodeSearchPage", () => {
  it("packs page, date, section and query, and reads them back", () => {
    const request = { query: "sonnet | opus", section: "政策、治理与安全", date: "2026-02-18", page: 3 };
    const data = encodeSearchPage(request, DISCORD);
    expect(data).toBe("s|3|2026-02-18|政策、治理与安全|sonnet | opus");
    expect(decodeSearchPage(data!)).toEqual(request);
    expect(encodeSearchPage({ query: "sonnet", page: 2 }, TELEGRAM)).toBe("s|2|||sonnet");
  });

  it("measures bytes for Telegram and characters for Discord", () => {
    const request = { query: "很长的查询".repeat(5), page: 2 }; // 25 characters, 75 bytes
    expect(encodeSearchPage(request, TELEGRAM)).toBeUndefined();
    expect(encodeSearchPage(request, DISCORD)).toBe(`s|2|||${"很长的查询".repeat(5)}`);
    expect(encodeSearchPage({ query: "x".repeat(95), page: 2 }, DISCORD)).toBeUndefined();
  });

  it("rejects data it did not make", () => {
    for (const data of ["", "s|0|||x", "s|2||x", "digest-bot:story:20260218-1-1", "S|abc"]) expect(decodeSearchPage(data)).toBeUndefined();
  });

  it("property: whatever fits comes back the same (a | in a section reads back as a space)", () => {
    const request = fc.record(
      {
        query: fc.string({ minLength: 1, maxLength: 60 }),
        section: fc.string({ maxLength: 20 }).filter((s) => s !== "" && !s.includes("|")),
        date: fc.constantFrom("2026-02-18", "2025-12-31"),
        page: fc.integer({ min: 1, max: 100 }),
      },
      { requiredKeys: ["query", "page"] },
    );
    fc.assert(
      fc.property(request, (r: SearchPageRequest) => {
        const data = encodeSearchPage(r, DISCORD);
        if (data === undefined) return;
        expect(data.length).toBeLessThanOrEqual(100);
        expect(decodeSearchPage(data)).toEqual(r);
      }),
    );
  });
});

describe("the page cache", () => {
  const long = (i: number): SearchPageRequest => ({ query: `${"长查询".repeat(30)} ${i}`, page: 2 });

  it("gives long requests a short key, stored before the render resolves; the same request keeps its key", async () => {
    const cache = createSearchPageCache();
    const data = await renderWithSearchPages(TELEGRAM, cache, (pageData) => pageData(long(1)));
    expect(data).toMatch(/^S\|[A-Za-z0-9_-]{16}$/);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(20);
    expect(data).toBe(searchPageKey(long(1)));
    expect(await resolveSearchPage(data, cache)).toEqual({ kind: "page", request: long(1) });
    expect(await renderWithSearchPages(TELEGRAM, cache, (pageData) => pageData(long(1)))).toBe(data);
    expect(cache.size).toBe(1);
    // Short requests never use the cache.
    expect(await renderWithSearchPages(TELEGRAM, cache, (pageData) => pageData({ query: "agent", page: 2 }))).toBe("s|2|||agent");
    expect(searchPageData({ query: "agent", page: 2 }, TELEGRAM)).toBe("s|2|||agent");
    expect(cache.size).toBe(1);
  });

  it("keys differ for requests that differ in any field", () => {
    const keys = new Set([long(1), long(2), { ...long(1), page: 3 }, { ...long(1), section: "安全" }, { ...long(1), date: "2026-02-18" }].map(searchPageKey));
    expect(keys.size).toBe(5);
  });

  it("keeps at most `size` requests, dropping the least recently used", async () => {
    const cache = createSearchPageCache({ size: 2 });
    const a = await cache.put(long(1));
    const b = await cache.put(long(2));
    expect(await cache.get(a)).toEqual(long(1)); // a is now the most recently used
    const c = await cache.put(long(3));
    expect(cache.size).toBe(2);
    expect(await resolveSearchPage(b, cache)).toEqual({ kind: "expired" });
    expect((await resolveSearchPage(a, cache)).kind).toBe("page");
    expect((await resolveSearchPage(c, cache)).kind).toBe("page");
  });

  it("a key another in-memory cache made (another process) is expired, never another search", async () => {
    const before = createSearchPageCache();
    const after = createSearchPageCache();
    const key = await before.put(long(1));
    await after.put(long(2));
    expect(await resolveSearchPage(key, after)).toEqual({ kind: "expired" });
  });

  it("tells page buttons from other buttons", async () => {
    const cache = createSearchPageCache();
    expect(await resolveSearchPage("digest-bot:story:20260218-1-1", cache)).toEqual({ kind: "other" });
    expect(await resolveSearchPage("s|x|||old format", cache)).toEqual({ kind: "expired" });
    // A key of the older per-process format reads as expired too.
    expect(await resolveSearchPage("S|a1b2c30", cache)).toEqual({ kind: "expired" });
  });

  it("refuses a cache size that is not a positive integer", () => {
    expect(() => createSearchPageCache({ size: 0 })).toThrow("paging: cache size must be a positive integer, got 0");
  });

  it("turns a request into /search options", () => {
    expect(searchPageOptions({ query: "agent", page: 2 })).toEqual({ query: "agent", page: 2 });
    expect(searchPageOptions({ query: "agent", section: "安全", date: "2026-02-18", page: 3 })).toEqual({ query: "agent", section: "安全", date: "2026-02-18", page: 3 });
  });
});
