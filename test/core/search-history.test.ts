// The index after any history of edits, removals and restarts equals a fresh build; a saved index that disagrees with its stories is refused or repaired.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import { type Digest, makeStoryId } from "../../src/core/digest/model.js";
import { createStorySearch, type SearchService, type SearchOptions } from "../../src/core/search.js";
import { createIndex, digestToDocs } from "../../src/core/search/index-options.js";
import { loadSavedIndex, SAVED_INDEX_FILE, saveIndex } from "../../src/core/search/saved-index.js";
import { createMemoryArchive, loadRelevanceDigests, type MemoryArchive } from "./search-relevance-archive.js";

const logger = createLogger({ level: "silent" });
const sample = loadRelevanceDigests().find((d) => d.date === "2026-02-18")!;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "digest-history-"));
  dirs.push(dir);
  return dir;
}

/** The sample on another date, ids re-formed by position (as the parser forms them). */
function onDate(digest: Digest, date: string): Digest {
  return {
    ...digest,
    date,
    sections: digest.sections.map((sec, si) => ({ ...sec, stories: sec.stories.map((st, ti) => ({ ...st, id: makeStoryId(date, si, ti) })) })),
  };
}

/** Edits a publisher makes, each giving another version of the digest. */
const EDITS: ((d: Digest) => Digest)[] = [
  (d) => d,
  // A typo fixed in a title.
  (d) => mapStory(d, 0, 0, (s) => ({ ...s, title: s.title.replace("Sonnet", "Sonnett") })),
  // A late story added at the top of a section.
  (d) => withSection(d, 1, (stories) => [{ id: "", title: "Agent 平台 Nova 发布：多 agent 协作", body: "Nova agent 开源。", text: "Nova agent 开源。", links: [] }, ...stories]),
  // A wrong story removed.
  (d) => withSection(d, 2, (stories) => stories.slice(1)),
  // A body rewritten, a link label changed.
  (d) => mapStory(d, 3, 0, (s) => ({ ...s, text: `${s.text} 更新：GPU 显存不足，agent 重试。`, links: s.links.map((l) => ({ ...l, label: `${l.label} v2` })) })),
];

function withSection(d: Digest, si: number, f: (stories: Digest["sections"][number]["stories"]) => Digest["sections"][number]["stories"]): Digest {
  const sections = d.sections.map((sec, i) => (i === si ? { ...sec, stories: f(sec.stories) } : sec));
  return onDate({ ...d, sections }, d.date);
}
function mapStory(d: Digest, si: number, ti: number, f: (s: Digest["sections"][number]["stories"][number]) => Digest["sections"][number]["stories"][number]): Digest {
  return withSection(d, si, (stories) => stories.map((s, i) => (i === ti ? f(s) : s)));
}

const DATES = ["2026-02-16", "2026-02-17", "2026-02-18"];
const version = (date: string, edit: number) => EDITS[edit]!(onDate(sample, date));

const QUERIES: [string, SearchOptions?][] = [
  ["agent"],
  ["sonnet"],
  ["glm-5"],
  ["开源 模型"],
  ["gpu 显存"],
  ["sonet"],
  ["agen", { prefix: true }],
  ["agent", { section: "agent" }],
  ["nova", { date: "2026-02-17" }],
];

/** Every query's full hit list, with scores, and the page totals. */
function answers(s: SearchService) {
  return QUERIES.map(([q, o]) => ({ q, hits: s.search(q, o), total: s.searchPage(q, { ...o, limit: 3 }).total }));
}

function expectSameAnswers(got: ReturnType<typeof answers>, want: ReturnType<typeof answers>): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    expect(g.hits.map((h) => h.id), g.q).toEqual(w.hits.map((h) => h.id));
    expect(g.total, g.q).toBe(w.total);
    g.hits.forEach((h, k) => expect(Math.abs(h.score - w.hits[k]!.score), `${g.q} ${h.id}`).toBeLessThan(1e-9 * Math.max(1, w.hits[k]!.score)));
  });
}

async function fresh(digests: readonly Digest[]) {
  const s = await createStorySearch({ archive: createMemoryArchive(digests), logger });
  await s.ready;
  const result = answers(s);
  await s.close();
  return result;
}

type Step = { kind: "upsert"; date: string; edit: number } | { kind: "remove"; date: string } | { kind: "restart" } | { kind: "offline"; date: string; edit: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("upsert" as const), date: fc.constantFrom(...DATES), edit: fc.nat(EDITS.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), date: fc.constantFrom(...DATES) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("restart" as const) }) },
  // The file changes while the bot is down: the next start catches up without the old version's text.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("offline" as const), date: fc.constantFrom(...DATES), edit: fc.nat(EDITS.length - 1) }) },
);

describe("index history", () => {
  it("answers like a fresh build after any history of edits, removals and restarts (saved index included)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (steps) => {
        const dataDir = tempDir();
        let archive: MemoryArchive = createMemoryArchive([version(DATES[0]!, 0), version(DATES[2]!, 0)]);
        // sliceMs 1: changes and saves run in many slices, interleaved with each other.
        let s = await createStorySearch({ archive, dataDir, logger, saveDelayMs: 1, sliceMs: 1 });
        await s.ready;
        try {
          for (const st of steps) {
            if (st.kind === "upsert") archive.upsert(version(st.date, st.edit));
            else if (st.kind === "remove") archive.remove(st.date);
            else {
              await s.settled();
              await s.close();
              const digests = new Map(archive.all().map((d) => [d.date, d]));
              if (st.kind === "offline") digests.set(st.date, version(st.date, st.edit));
              archive = createMemoryArchive([...digests.values()]);
              s = await createStorySearch({ archive, dataDir, logger, saveDelayMs: 1, sliceMs: 1 });
              expect(s.stats().source).toBe("saved");
            }
          }
          await s.settled();
          expectSameAnswers(answers(s), await fresh(archive.all()));
          // And what it saved loads into the same answers.
          await s.close();
          s = await createStorySearch({ archive: createMemoryArchive(archive.all()), dataDir, logger });
          expectSameAnswers(answers(s), await fresh(archive.all()));
        } finally {
          await s.close();
          rmSync(dataDir, { recursive: true, force: true });
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it("keeps `/search agent` ranked right after the sample is edited 3 times in a running bot", async () => {
    const archive = createMemoryArchive([sample]);
    const s = await createStorySearch({ archive, logger });
    await s.ready;
    const before = s.search("agent");
    const sonnet = s.search("sonnet")[0]!;
    for (const edit of [1, 4, 0]) archive.upsert(EDITS[edit]!(sample));
    await s.settled();
    const after = s.search("agent");
    expect(after.map((h) => h.id)).toEqual(before.map((h) => h.id));
    expect(after.every((h) => h.score > 0)).toBe(true);
    expect(after[0]!.title).not.toMatch(/^GPU MODE/);
    expect(s.search("sonnet")[0]).toEqual({ ...sonnet, score: expect.closeTo(sonnet.score, 9) as unknown });
    expectSameAnswers(answers(s), await fresh([sample]));
    await s.close();
  });
});

describe("saved index checks", () => {
  it("refuses a saved index that still holds a discarded story's postings, and rebuilds", async () => {
    const dataDir = tempDir();
    const index = createIndex();
    index.addAll(digestToDocs(sample));
    // What the old code saved after an edit: a story discarded, its postings left in place.
    const edited = EDITS[4]!(sample);
    for (const doc of digestToDocs(sample)) index.discard(doc.id);
    index.addAll(digestToDocs(edited));
    await saveIndex(dataDir, [edited], index);
    const loaded = await loadSavedIndex(dataDir);
    expect(loaded.reason).toBe("inconsistent");
    expect(loaded.index ? "" : loaded.detail).toMatch(/^a posting names story \d+, which is not in the index \(discarded but not removed\)$/);

    const s = await createStorySearch({ archive: createMemoryArchive([edited]), dataDir, logger });
    expect(s.stats().source).toBe("pending");
    await s.ready;
    expect(s.stats().source).toBe("built");
    expectSameAnswers(answers(s), await fresh([edited]));
    await s.close();
    expect((await loadSavedIndex(dataDir)).reason).toBeUndefined();
  });

  it("refuses a file whose story count or field lengths were tampered with", async () => {
    const dataDir = tempDir();
    const index = createIndex();
    index.addAll(digestToDocs(sample));
    await saveIndex(dataDir, [sample], index);
    const file = join(dataDir, SAVED_INDEX_FILE);
    const good = readFileSync(file);

    writeFileSync(file, rewriteChunk(good, 0, (h) => h.replace('"documentCount":29', '"documentCount":28')));
    expect(await loadSavedIndex(dataDir)).toEqual({ reason: "inconsistent", detail: "the header counts 28 stories, the file holds 29" });

    // One story's title length off by one: its postings no longer add up.
    writeFileSync(file, rewriteChunk(good, 1, (docs) => docs.replace(/^\[\[(\d+),\[(\d+),/, (_, id: string, n: string) => `[[${id},[${Number(n) + 1},`)));
    const tampered = await loadSavedIndex(dataDir);
    expect(tampered.reason).toBe("inconsistent");
    expect(tampered.index ? "" : tampered.detail).toMatch(/^story 20260218-1-1 has \d+ terms in field 0, its recorded length is \d+$/);
  });

  it("repairs average field lengths that disagree with the stories, and answers like a fresh build", async () => {
    const dataDir = tempDir();
    const index = createIndex();
    index.addAll(digestToDocs(sample));
    await saveIndex(dataDir, [sample], index);
    const file = join(dataDir, SAVED_INDEX_FILE);
    writeFileSync(file, rewriteChunk(readFileSync(file), 0, (h) => h.replace(/"averageFieldLength":\[[^\]]*\]/, '"averageFieldLength":[1,1,1,1,1]')));
    const loaded = await loadSavedIndex(dataDir);
    expect(loaded.index ? loaded.repaired : loaded.reason).toBe("average field lengths recomputed from the stories");
    const s = await createStorySearch({ archive: createMemoryArchive([sample]), dataDir, logger });
    expect(s.stats().source).toBe("saved");
    expectSameAnswers(answers(s), await fresh([sample]));
    await s.close();
  });
});

/** A logger that records every line and, between the first save and its reload, cuts the file just written short (a disk that lies, a bad encoder). */
function cuttingFirstSave(dataDir: string) {
  const lines: { msg: string; reason?: string; detail?: string }[] = [];
  let saves = 0;
  const write = (line: string) => {
    const entry = JSON.parse(line) as (typeof lines)[number];
    lines.push(entry);
    const file = join(dataDir, SAVED_INDEX_FILE);
    if (entry.msg === "search index saved" && ++saves === 1) writeFileSync(file, readFileSync(file).subarray(0, 64));
  };
  return { logger: createLogger({ level: "debug", destination: { write } }), lines, saves: () => saves };
}

/** Starts a search over `archive` from `dataDir`, checks it answers like a fresh build, and says where its index came from. */
async function nextStart(archive: MemoryArchive, dataDir: string) {
  const next = await createStorySearch({ archive, dataDir, logger });
  try {
    await next.ready;
    expectSameAnswers(answers(next), await fresh(archive.all()));
    return next.stats();
  } finally {
    await next.close();
  }
}

/** Rewrites the n-th length-prefixed JSON chunk of a saved index file (0 header, 1 documents, 2 terms). */
function rewriteChunk(buf: Buffer, n: number, f: (json: string) => string): Buffer {
  const parts: Buffer[] = [buf.subarray(0, 4)];
  let at = 4;
  for (let i = 0; i < 3; i++) {
    const length = buf.readUInt32LE(at);
    let text = buf.toString("utf8", at + 4, at + 4 + length);
    if (i === n) text = f(text);
    const body = Buffer.from(text, "utf8");
    const len = Buffer.alloc(4);
    len.writeUInt32LE(body.length);
    parts.push(len, body);
    at += 4 + length;
  }
  const oldPad = ((at + 3) & ~3) - at;
  const used = parts.reduce((s, b) => s + b.length, 0);
  parts.push(Buffer.alloc(((used + 3) & ~3) - used), buf.subarray(at + oldPad));
  return Buffer.concat(parts);
}

describe("a cold build", () => {
  // A built index holds ~2.5× the heap of the same index loaded from its file: once saved, the file takes its place.
  it("is replaced by its saved file once written, answering the same, and an edit made meanwhile is not lost", async () => {
    const lines: { msg: string }[] = [];
    const capture = createLogger({ level: "info", destination: { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) } });
    const dataDir = tempDir();
    const digests = DATES.map((d) => version(d, 0));
    const archive = createMemoryArchive(digests);
    const s = await createStorySearch({ archive, dataDir, logger: capture, saveDelayMs: 1, sliceMs: 1 });
    try {
      await s.ready;
      expect(s.stats().source).toBe("built");
      const reloaded = () => lines.some((l) => l.msg === "search index reloaded from its saved file after the build (less memory)");
      for (let i = 0; i < 400 && !reloaded(); i++) await new Promise((r) => setTimeout(r, 25));
      expect(reloaded()).toBe(true);
      expectSameAnswers(answers(s), await fresh(digests));
      // Edits keep applying to the index now in use.
      archive.upsert(version(DATES[1]!, 2));
      await s.settled();
      expectSameAnswers(answers(s), await fresh(archive.all()));
    } finally {
      await s.close();
    }
  });

  it("does not swap in its saved file while a change is still being applied: the new digest stays searchable", async () => {
    const dataDir = tempDir();
    const archive = createMemoryArchive(DATES.map((d) => version(d, 0)));
    // A digest big enough to be applied over many turns (1 ms slices), saved the moment the file is written: the
    // saved file is then being loaded while the change is half applied to the built index.
    const big = onDate({ ...sample, sections: Array.from({ length: 40 }, () => sample.sections).flat() }, "2026-02-19");
    let sent = false;
    const capture = createLogger({
      level: "debug",
      destination: {
        write: (line: string) => {
          if (!sent && (JSON.parse(line) as { msg: string }).msg === "search index saved") {
            sent = true;
            archive.upsert(big);
          }
        },
      },
    });
    const s = await createStorySearch({ archive, dataDir, logger: capture, saveDelayMs: 1, sliceMs: 1 });
    try {
      await s.ready;
      expect(sent).toBe(true);
      await s.settled();
      await s.flush();
      await s.settled();
      expectSameAnswers(answers(s), await fresh(archive.all()));
    } finally {
      await s.close();
    }
  });

  it("keeps the built index when its saved file does not load back, warns once, does not retry at later saves, and the next start is right", async () => {
    const dataDir = tempDir();
    const cut = cuttingFirstSave(dataDir);
    const warning = "the saved search index did not load back after the build; keeping the built one";
    const warnings = () => cut.lines.filter((l) => l.msg === warning);
    const reloads = () => cut.lines.filter((l) => l.msg === "search index reloaded from its saved file after the build (less memory)");
    const archive = createMemoryArchive(DATES.map((d) => version(d, 0)));
    const s = await createStorySearch({ archive, dataDir, logger: cut.logger, saveDelayMs: 1, sliceMs: 1 });
    try {
      await s.ready;
      expect(cut.saves()).toBe(1);
      expect(warnings().map((l) => [l.reason, l.detail])).toEqual([["unreadable", "the file is cut short"]]);
      expect(s.stats().source).toBe("built");
      expectSameAnswers(answers(s), await fresh(archive.all()));
      // Later saves write a good file but do not load it in place of the index in use.
      for (const edit of [2, 4]) {
        archive.upsert(version(DATES[edit === 2 ? 1 : 2]!, edit));
        await s.settled();
        await s.flush();
      }
      expect(cut.saves()).toBe(3);
      expect(warnings()).toHaveLength(1);
      expect(reloads()).toHaveLength(0);
      expectSameAnswers(answers(s), await fresh(archive.all()));
    } finally {
      await s.close();
    }
    // The next start loads the last (good) file.
    expect(await nextStart(archive, dataDir)).toMatchObject({ source: "saved", reindexed: 0 });
  });

  it("is built again at the next start when its saved file did not load back and nothing was saved since", async () => {
    const dataDir = tempDir();
    const cut = cuttingFirstSave(dataDir);
    const archive = createMemoryArchive(DATES.map((d) => version(d, 0)));
    const s = await createStorySearch({ archive, dataDir, logger: cut.logger, saveDelayMs: 1, sliceMs: 1 });
    await s.ready;
    await s.close();
    expect(cut.saves()).toBe(1);
    expect((await nextStart(archive, dataDir)).source).toBe("built");
  });

  it("keeps the built index when a change came while its file was written, and still answers like a fresh build", async () => {
    const dataDir = tempDir();
    const archive = createMemoryArchive(DATES.map((d) => version(d, 0)));
    const s = await createStorySearch({ archive, dataDir, logger, saveDelayMs: 1, sliceMs: 1 });
    try {
      await s.ready;
      // Changes during the first save: the file no longer matches what is live when it is written.
      for (const edit of [1, 3, 4]) {
        archive.upsert(version(DATES[0]!, edit));
        await new Promise((r) => setTimeout(r, 2));
      }
      await s.settled();
      await s.flush();
      await s.settled();
      expectSameAnswers(answers(s), await fresh(archive.all()));
    } finally {
      await s.close();
    }
  });
});
