// Story search service: matching rules, filters, recency ties, following the archive, and the saved-index fast start.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createArchive } from "../../src/core/digest/archive.js";
import { isOutlined } from "../../src/core/digest/digest-outline.js";
import { openParseCache } from "../../src/core/digest/parse-cache.js";
import { openStoryIdStore } from "../../src/core/digest/story-id-store.js";
import { createLogger } from "../../src/core/logger.js";
import type { Digest } from "../../src/core/digest/model.js";
import { createStorySearch, type SearchService } from "../../src/core/search.js";
import { SAVED_INDEX_FILE } from "../../src/core/search/saved-index.js";
import { createMemoryArchive, loadRelevanceDigests } from "./search-relevance-archive.js";

const logger = createLogger({ level: "silent" });
const sample = loadRelevanceDigests().find((d) => d.date === "2026-02-18")!;

/** A one-story digest; `text` doubles as title unless given. */
function digestOf(date: string, stories: { title: string; text?: string; section?: string }[]): Digest {
  const compact = date.replaceAll("-", "");
  const sections = new Map<string, Digest["sections"][number]>();
  for (const s of stories) {
    const name = s.section ?? "新闻";
    const section = sections.get(name) ?? { title: name, stories: [] };
    sections.set(name, section);
  }
  const list = [...sections.values()];
  for (const s of stories) {
    const si = list.findIndex((x) => x.title === (s.section ?? "新闻"));
    const section = list[si]!;
    section.stories.push({
      id: `${compact}-${si + 1}-${section.stories.length + 1}`,
      title: s.title,
      body: s.text ?? "",
      text: s.text ?? "",
      links: [],
    });
  }
  return { date, sections: list };
}

/** The same digest on another day, with ids to match. */
function redate(digest: Digest, date: string): Digest {
  const compact = date.replaceAll("-", "");
  return {
    ...digest,
    date,
    sections: digest.sections.map((sec) => ({
      ...sec,
      stories: sec.stories.map((st) => ({ ...st, id: st.id.replace(/^\d{8}/, compact) })),
    })),
  };
}

const open: SearchService[] = [];
const dirs: string[] = [];
async function start(...args: Parameters<typeof createStorySearch>): Promise<SearchService> {
  const s = await createStorySearch(...args);
  open.push(s);
  return s;
}
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "digest-search-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("matching", () => {
  it("finds a Chinese word inside a long Han run, without single-character false matches", async () => {
    const archive = createMemoryArchive([
      digestOf("2026-03-01", [
        { title: "信封里的编号", text: "把信封上的编号抄下来" },
        { title: "账号被封号", text: "用户报告被官方封号" },
      ]),
    ]);
    const s = await start({ archive, logger });
    await s.ready;
    expect(s.search("封号").map((h) => h.title)).toEqual(["账号被封号"]);
  });

  it("finds GLM‑5 (U+2011) for glm-5, and traditional 開源 for 开源", async () => {
    const s = await start({ archive: createMemoryArchive([sample]), logger });
    await s.ready;
    expect(s.search("glm-5")[0]?.id).toBe("20260218-1-3");
    expect(s.search("開源 听写")[0]?.id).toBe("20260218-5-3");
  });

  it("forgives typos in rare or missing words, but takes a word found in 5+ stories as spelt right", async () => {
    const common = digestOf("2026-03-01", [
      ...Array.from({ length: 5 }, (_, i) => ({ title: `Agent 新闻 ${i}` })),
      { title: "Agents 专题" },
      { title: "Sonnet 发布" },
    ]);
    const s = await start({ archive: createMemoryArchive([common]), logger });
    await s.ready;
    expect(s.search("agent").map((h) => h.title)).not.toContain("Agents 专题");
    expect(s.search("agents").map((h) => h.title)).toContain("Agents 专题");
    expect(s.search("sonet").map((h) => h.title)).toEqual(["Sonnet 发布"]);
  });

  it("returns nothing for an empty or punctuation-only query", async () => {
    const s = await start({ archive: createMemoryArchive([sample]), logger });
    await s.ready;
    expect(s.search("")).toEqual([]);
    expect(s.search(" ，。! ")).toEqual([]);
  });

  it("requires every term when some story has them all, else ranks partial matches", async () => {
    const s = await start({ archive: createMemoryArchive([sample]), logger });
    await s.ready;
    expect(s.search("Mistral Koyeb").map((h) => h.id)).toEqual(["20260218-6-1"]);
    const partial = s.search("Koyeb 不存在的词");
    expect(partial[0]?.id).toBe("20260218-6-1");
  });

  it("completes the last term as a prefix only when asked", async () => {
    const s = await start({ archive: createMemoryArchive([sample]), logger });
    await s.ready;
    expect(s.search("directsh")).toEqual([]);
    expect(s.search("directsh", { prefix: true })[0]?.id).toBe("20260218-2-4");
  });

  it("returns what a result line needs", async () => {
    const s = await start({ archive: createMemoryArchive([sample]), logger });
    await s.ready;
    const [hit] = s.search("koyeb");
    expect(hit).toEqual({
      id: "20260218-6-1",
      date: "2026-02-18",
      section: "行业与公司动态",
      title: "Mistral 收购 Koyeb：自己造“推理云”，不再只卖模型",
      score: expect.any(Number) as unknown,
    });
  });
});

describe("filters and ranking", () => {
  const days = [
    digestOf("2026-03-01", [{ title: "Sonnet 发布", section: "模型" }, { title: "Sonnet 安全评测", section: "安全" }]),
    digestOf("2026-03-02", [{ title: "Sonnet 发布", section: "模型" }]),
    digestOf("2026-03-03", [{ title: "Sonnet 发布", section: "模型" }]),
  ];

  it("breaks score ties by recency, newest first, then by position", async () => {
    const s = await start({ archive: createMemoryArchive(days), logger });
    await s.ready;
    const hits = s.search("sonnet 发布");
    expect(hits.map((h) => h.date)).toEqual(["2026-03-03", "2026-03-02", "2026-03-01"]);
    expect(hits[0]!.score).toBe(hits[1]!.score);
  });

  it("filters by date, by inclusive range and by section (loosely matched)", async () => {
    const s = await start({ archive: createMemoryArchive(days), logger });
    await s.ready;
    expect(s.search("sonnet", { date: "2026-03-02" }).map((h) => h.id)).toEqual(["20260302-1-1"]);
    expect(s.search("sonnet", { from: "2026-03-02", to: "2026-03-03" }).map((h) => h.date)).toEqual(["2026-03-03", "2026-03-02"]);
    expect(s.search("sonnet", { to: "2026-03-01" }).map((h) => h.id).sort()).toEqual(["20260301-1-1", "20260301-2-1"]);
    expect(s.search("sonnet", { section: "安全" }).map((h) => h.id)).toEqual(["20260301-2-1"]);
    expect(s.search("sonnet", { section: "2" }).map((h) => h.id)).toEqual(["20260301-2-1"]);
    expect(s.search("sonnet", { section: "天气" })).toEqual([]);
  });

  it("applies the limit after sorting", async () => {
    const s = await start({ archive: createMemoryArchive(days), logger });
    await s.ready;
    expect(s.search("sonnet", { limit: 2 }).map((h) => h.date)).toEqual(["2026-03-03", "2026-03-02"]);
    expect(s.search("sonnet", { limit: 0 })).toEqual([]);
  });
});

describe("following the archive", () => {
  it("makes a new digest searchable at once, replaces an edited one, and forgets a removed one — without a rebuild", async () => {
    const archive = createMemoryArchive([sample]);
    const s = await start({ archive, logger });
    await s.ready;
    let allCalls = 0;
    const all = archive.all.bind(archive);
    archive.all = () => {
      allCalls++;
      return all();
    };

    archive.upsert(digestOf("2026-03-05", [{ title: "Rubin 架构发布", text: "带宽翻倍" }]));
    expect(s.search("rubin").map((h) => h.id)).toEqual(["20260305-1-1"]);
    expect(s.stats().documents).toBe(30);

    archive.upsert(digestOf("2026-03-05", [{ title: "Vera 处理器发布" }]));
    expect(s.search("rubin")).toEqual([]);
    expect(s.search("vera").map((h) => h.id)).toEqual(["20260305-1-1"]);

    archive.remove("2026-03-05");
    expect(s.search("vera")).toEqual([]);
    expect(s.stats().documents).toBe(29);
    expect(allCalls).toBe(0);
  });

  it("answers from a substring scan while the index is built, and applies changes made meanwhile", async () => {
    const older = Array.from({ length: 20 }, (_, i) => redate(sample, `2025-01-${String(i + 1).padStart(2, "0")}`));
    const archive = createMemoryArchive([...older, sample]);
    const s = await start({ archive, logger, chunkSize: 5 });
    expect(s.stats().source).toBe("pending");
    expect(s.search("显存", { date: "2026-02-18" }).map((h) => h.id)).toEqual(["20260218-3-2"]);
    expect(s.search("显存")).toHaveLength(21);

    archive.upsert(digestOf("2026-03-05", [{ title: "Rubin 架构发布" }]));
    archive.remove("2025-01-01");
    expect(s.search("rubin").map((h) => h.id)).toEqual(["20260305-1-1"]);

    await s.ready;
    expect(s.stats().source).toBe("built");
    expect(s.search("rubin").map((h) => h.id)).toEqual(["20260305-1-1"]);
    expect(s.search("显存")).toHaveLength(20);
    expect(s.search("显存", { date: "2025-01-01" })).toEqual([]);
  });
});

describe("following the real archive", () => {
  it("finds a digest file added to DIGEST_DIR after a reload, and drops it once the file is deleted", async () => {
    const dir = tempDir();
    copyFileSync("test/fixtures/sample/2026-02-18.md", join(dir, "2026-02-18.md"));
    const archive = await createArchive({ dir, logger, watch: false });
    try {
      const s = await start({ archive, logger });
      await s.ready;
      expect(s.search("rubin")).toEqual([]);
      copyFileSync("test/fixtures/search/2026-02-22.md", join(dir, "2026-02-22.md"));
      await archive.reload();
      await s.settled();
      expect(s.search("rubin 内存带宽").map((h) => h.id)).toEqual(["20260222-rubin-74l8q"]);
      expect(s.stats().source).toBe("built");
      unlinkSync(join(dir, "2026-02-22.md"));
      await archive.reload();
      await s.settled();
      expect(s.search("rubin")).toEqual([]);
    } finally {
      await archive.close();
    }
  });
});

describe("after a cold start lets go of its parsed stories", () => {
  it("answers with the stories' full, current content, and follows an edit of a digest whose stories were let go", async () => {
    const dir = tempDir();
    const state = tempDir();
    copyFileSync("test/fixtures/sample/2026-02-18.md", join(dir, "2026-02-18.md"));
    copyFileSync("test/fixtures/search/2026-02-22.md", join(dir, "2026-02-22.md"));
    const cache = await openParseCache(join(state, "digest-cache"), logger);
    const ids = openStoryIdStore({ dir: join(state, "story-ids"), logger });
    const archive = await createArchive({ dir, logger, watch: false, cache, ids });
    try {
      const s = await start({ archive, dataDir: state, logger, saveDelayMs: 10 });
      await s.ready;
      await vi.waitFor(() => expect(archive.all().filter((d) => !isOutlined(d)).map((d) => d.date)).toEqual([]), { timeout: 5000 });
      const [hit] = s.search("rubin 内存带宽");
      expect(hit?.id).toBe("20260222-rubin-74l8q");
      expect(archive.findStory(hit!.id)?.story.text).toContain("HBM4 記憶體頻寬較 Blackwell 翻倍");
      const file = join(dir, "2026-02-22.md");
      writeFileSync(file, readFileSync(file, "utf8").replaceAll("Rubin", "Feynman"));
      await archive.reload();
      await s.settled();
      expect(s.search("rubin")).toEqual([]);
      expect(s.search("feynman").map((h) => archive.findStory(h.id)?.story.title)).toEqual(["輝達發佈 Feynman 架構：記憶體頻寬翻倍"]);
    } finally {
      await archive.close();
    }
  });
});

describe("saved index", () => {
  it("saves after building, loads on the next start, and re-indexes only a digest that changed", async () => {
    const dataDir = tempDir();
    const first = await start({ archive: createMemoryArchive([sample]), dataDir, logger });
    await first.ready;
    expect(first.stats().source).toBe("built");
    expect(existsSync(join(dataDir, SAVED_INDEX_FILE))).toBe(true);
    await first.close();

    const second = await start({ archive: createMemoryArchive([sample]), dataDir, logger });
    expect(second.stats()).toMatchObject({ source: "saved", reindexed: 0, documents: 29 });
    expect(second.search("qwen3.5")[0]?.id).toBe("20260218-1-2");
    expect(second.search("sonet 铺货")[0]?.id).toBe("20260218-5-1");
    await second.close();

    const edited: Digest = structuredClone(sample);
    edited.sections[0]!.stories[0]!.title = "Claude Sonnet 4.7 发布";
    const added = digestOf("2026-03-05", [{ title: "Rubin 架构发布" }]);
    const third = await start({ archive: createMemoryArchive([edited, added]), dataDir, logger });
    expect(third.stats()).toMatchObject({ source: "saved", reindexed: 2, documents: 30 });
    expect(third.search("sonnet 4.7")[0]?.id).toBe("20260218-1-1");
    // The old title is gone with the old version ("逼近" was only in it).
    expect(third.search("逼近").map((h) => h.id)).not.toContain("20260218-1-1");
    expect(first.search("逼近").map((h) => h.id)).toContain("20260218-1-1");
    expect(third.search("rubin").map((h) => h.id)).toEqual(["20260305-1-1"]);
    await third.close();

    // The re-indexed state was saved: the next start has nothing to catch up, and a removed digest is dropped.
    const fourth = await start({ archive: createMemoryArchive([edited]), dataDir, logger });
    expect(fourth.stats()).toMatchObject({ source: "saved", reindexed: 1, documents: 29 });
    expect(fourth.search("rubin")).toEqual([]);
  });

  it("rebuilds in the background when too many digests changed since the save", async () => {
    const dataDir = tempDir();
    const days = Array.from({ length: 40 }, (_, i) => digestOf(`2025-01-${String(i + 1).padStart(2, "0")}`, [{ title: `第 ${i} 天` }]));
    const first = await start({ archive: createMemoryArchive(days), dataDir, logger });
    await first.ready;
    await first.close();
    const renamed = days.map((d) => ({ ...d, title: "renamed" }));
    const second = await start({ archive: createMemoryArchive(renamed), dataDir, logger });
    expect(second.stats().source).toBe("pending");
    await second.ready;
    expect(second.stats().source).toBe("built");
  });

  it("saves changes that followed the archive, so the next start loads them", async () => {
    const dataDir = tempDir();
    const archive = createMemoryArchive([sample]);
    const first = await start({ archive, dataDir, logger });
    await first.ready;
    const added = digestOf("2026-03-05", [{ title: "Rubin 架构发布" }]);
    archive.upsert(added);
    await first.close();

    const second = await start({ archive: createMemoryArchive([sample, added]), dataDir, logger });
    expect(second.stats().source).toBe("saved");
    expect(second.search("rubin").map((h) => h.id)).toEqual(["20260305-1-1"]);
  });

  it("rebuilds from a corrupt or other-version file instead of failing", async () => {
    const dataDir = tempDir();
    const file = join(dataDir, SAVED_INDEX_FILE);
    writeFileSync(file, "{ not an index");
    const s = await start({ archive: createMemoryArchive([sample]), dataDir, logger });
    await s.ready;
    expect(s.stats().source).toBe("built");
    expect(s.search("koyeb")[0]?.id).toBe("20260218-6-1");
    await s.close();

    const saved = readFileSync(file);
    const at = saved.indexOf('"schema":');
    expect(at).toBeGreaterThan(0);
    saved.write('"schema":9', at, "latin1");
    writeFileSync(file, saved);
    const again = await start({ archive: createMemoryArchive([sample]), dataDir, logger });
    expect(again.stats().source).toBe("pending");
    await again.ready;
    expect(again.stats().source).toBe("built");

    writeFileSync(file, saved.subarray(0, saved.length - 16));
    const cut = await start({ archive: createMemoryArchive([sample]), dataDir, logger });
    expect(cut.stats().source).toBe("pending");
  });
});

describe("pages", () => {
  it("ranks only the page asked for, with the exact total, the same as slicing the whole ranking", async () => {
    const days = ["2026-02-14", "2026-02-15", "2026-02-16", "2026-02-17"].map((d) => redate(sample, d));
    const s = await start({ archive: createMemoryArchive([...days, sample]), logger });
    await s.ready;
    const cases: [string, Parameters<SearchService["search"]>[1]][] = [
      ["agent", {}],
      ["模型", {}],
      ["agent", { section: "agent" }],
      ["开源", { from: "2026-02-15", to: "2026-02-17" }],
      ["koyeb 不存在的词", {}],
    ];
    for (const [query, options] of cases) {
      const all = s.search(query, options);
      expect(all.length, query).toBeGreaterThan(4);
      for (const [offset, limit] of [[0, 10], [10, 10], [3, 1], [0, 1000], [all.length, 10]] as const) {
        const page = s.searchPage(query, { ...options, offset, limit });
        expect(page.total, `${query} ${offset}`).toBe(all.length);
        expect(page.hits, `${query} ${offset}+${limit}`).toEqual(all.slice(offset, offset + limit));
      }
    }
  });
});
