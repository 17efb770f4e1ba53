// A warm start (digests from their outlines, stories loaded on first use, the saved index) answers every command exactly as a start that reads everything.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Archive } from "../../src/core/digest/archive.js";
import type { SearchService } from "../../src/core/search/service.js";
import { startHarness, SAMPLE_DIR, type Harness } from "./app-harness.js";

const FIXTURES = path.join(import.meta.dirname, "../fixtures");
const SOURCES = [
  path.join(SAMPLE_DIR, "2026-02-18.md"),
  path.join(FIXTURES, "digests/english-weekly.md"),
  path.join(FIXTURES, "digests/zh-h1-title.md"),
  path.join(FIXTURES, "digests/2026-02-21.md"),
  path.join(FIXTURES, "search/2026-02-22.md"),
];
const QUERIES = ["agent", "模型", "上下文", "glm-5", "Gemma", "開源", "sparse attention", "deepseek v4", "安全 section:安全", "模型 page:2", "agant contxt"];

let root: string;
let digests: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "warm-start-"));
  digests = path.join(root, "digests");
  fs.mkdirSync(digests);
  for (const file of SOURCES) fs.copyFileSync(file, path.join(digests, path.basename(file)));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

async function start(dataDir: string): Promise<Harness> {
  const h = await startHarness({ digestDir: digests, dataDir, watch: true });
  open.push(h);
  return h;
}
async function stop(h: Harness): Promise<void> {
  open.splice(open.indexOf(h), 1);
  await h.close();
}

/** Every command's answer: /search, /story of every id (and extra ids), /digest, /sections, /section, /links. */
async function answers(h: Harness, extraIds: string[] = []): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const ask = async (line: string) => {
    const { reply, text } = await h.ask(line);
    out[line] = `${text}\n${JSON.stringify(reply)}`;
  };
  const archive = h.app.services.archive;
  for (const q of QUERIES) await ask(`/search ${q}`);
  for (const digest of archive.all()) {
    await ask(`/digest ${digest.date}`);
    await ask(`/sections ${digest.date}`);
    for (let s = 1; s <= digest.sections.length; s++) await ask(`/section ${s} ${digest.date}`);
    digest.sections.forEach((section, s) => section.stories.forEach((_, t) => extraIds.push(`${digest.date.replaceAll("-", "")}-${s + 1}-${t + 1}`)));
    for (const story of digest.sections.flatMap((section) => section.stories)) extraIds.push(story.id);
  }
  for (const id of [...new Set(extraIds)]) {
    await ask(`/story ${id}`);
    await ask(`/links ${id}`);
  }
  return out;
}

const storyIds = (h: Harness) => h.app.services.archive.all().flatMap((d) => d.sections.flatMap((s) => s.stories.map((story) => story.id)));
const cacheIndex = (dataDir: string) =>
  JSON.parse(fs.readFileSync(path.join(dataDir, "digest-cache", "index.json"), "utf8")) as { outlines?: Record<string, unknown> };
/** The same state without outlines: the next start reads every parse-cache entry and story-id file, as before outlines. */
function withoutOutlines(dataDir: string): string {
  const copy = `${dataDir}-plain`;
  fs.cpSync(dataDir, copy, { recursive: true });
  const file = path.join(copy, "digest-cache", "index.json");
  const { outlines: _dropped, ...rest } = cacheIndex(copy);
  fs.writeFileSync(file, JSON.stringify(rest));
  return copy;
}
const warnings = (h: Harness) => h.logs.filter((l) => l.level === 40).map((l) => String(l.msg));

describe("warm start", () => {
  it("answers as the cold start did, then as a start without outlines after edits, a removal and a rename made while stopped", async () => {
    const state = path.join(root, "state");
    const cold = await start(state);
    const coldAnswers = await answers(cold);
    const before = storyIds(cold);
    const coldWarnings = warnings(cold);
    await stop(cold);
    expect(Object.keys(cacheIndex(state).outlines ?? {})).toHaveLength(SOURCES.length);

    const warm = await start(state);
    // The search index is the saved one (its term tree built as queries reach it), not a build.
    expect(warm.app.search.stats().source).toBe("saved");
    // The digests' own warnings (a dropped link), as at the cold start, and nothing else.
    expect(coldWarnings).toHaveLength(1);
    expect(warnings(warm)).toEqual(coldWarnings);
    expect(await answers(warm)).toEqual(coldAnswers);
    await stop(warm);

    // While stopped: a typo fix and a new story in one digest, one digest removed, one renamed.
    const sample = path.join(digests, "2026-02-18.md");
    const text = fs.readFileSync(sample, "utf8");
    const firstTitle = /^#{2,5} \*\*(.+?)\*\*/m.exec(text.split("\n").slice(1).join("\n"))?.[1] as string;
    fs.writeFileSync(sample, text.replace(firstTitle, `${firstTitle}（修订）`).replace(/\n##### /, "\n##### **新增的一条：测试**\n\n新的正文。\n\n##### "));
    fs.rmSync(path.join(digests, "2026-02-21.md"));
    fs.renameSync(path.join(digests, "zh-h1-title.md"), path.join(digests, "renamed.md"));

    const plain = await start(withoutOutlines(state));
    const expected = await answers(plain, before);
    await stop(plain);
    const edited = await start(state);
    expect(await answers(edited, before)).toEqual(expected);
    // The edits are there: the revised title, the new story, the removed digest's stories gone.
    expect(expected["/digest 2026-02-18"]).toContain(`${firstTitle}（修订）`);
    expect(expected["/digest 2026-02-18"]).toContain("新增的一条：测试");
    expect(expected["/digest 2026-02-21"]).not.toEqual(coldAnswers["/digest 2026-02-21"]);
    await stop(edited);
    // The new versions got outlines of their own: the next start reads no cache entry for them either.
    expect(Object.keys(cacheIndex(state).outlines ?? {})).toHaveLength(SOURCES.length - 1);
  }, 120_000);

  it("falls back with a warning, never a wrong answer, from a damaged cache index, cache entry, story-id file or search index", async () => {
    const state = path.join(root, "state");
    const cold = await start(state);
    const coldAnswers = await answers(cold);
    await stop(cold);
    const entries = path.join(state, "digest-cache", "entries");
    const idFile = path.join(state, "story-ids", "2026-02-19.json");

    // A cache entry cut short: the digest still comes from its outline; its stories are parsed again when shown.
    const entry = path.join(entries, fs.readdirSync(entries)[0] as string);
    fs.truncateSync(entry, 20);
    let h = await start(state);
    expect(await answers(h)).toEqual(coldAnswers);
    expect(warnings(h).filter((w) => w.includes("its cached parse is missing or damaged; parsing the file again"))).toHaveLength(1);
    await stop(h);

    // The cache index cut short: every digest from its entry and id file (no outline), and a warning.
    const index = path.join(state, "digest-cache", "index.json");
    fs.truncateSync(index, 100);
    h = await start(state);
    expect(warnings(h)).toContain("digest cache unreadable; parsing every digest once");
    expect(await answers(h)).toEqual(coldAnswers);
    await stop(h);

    // A story-id file damaged: that date's outline is void, its ids derive afresh as without outlines, with a warning.
    fs.writeFileSync(idFile, "{ not json");
    const plain = await start(withoutOutlines(state));
    const expected = await answers(plain);
    await stop(plain);
    fs.writeFileSync(idFile, "{ not json");
    h = await start(state);
    expect(warnings(h)).toContain("story ids of 2026-02-19 unreadable; deriving them afresh");
    expect(await answers(h)).toEqual(expected);
    await stop(h);

    // The saved search index cut short: rebuilt, with a warning, and the same answers.
    const saved = path.join(state, "search-index.bin");
    fs.truncateSync(saved, Math.floor(fs.statSync(saved).size / 2));
    h = await start(state);
    expect(await answers(h)).toEqual(expected);
    await stop(h);
  }, 120_000);

  it("drops an old version by its ids when its stories cannot be loaded any more (cache entry damaged, file changed)", async () => {
    const state = path.join(root, "state");
    await stop(await start(state));
    const file = path.join(digests, "2026-02-21.md");
    const { files } = JSON.parse(fs.readFileSync(path.join(state, "digest-cache", "index.json"), "utf8")) as { files: Record<string, { key: string }> };
    const plain = await start(withoutOutlines(state));
    fs.writeFileSync(path.join(state, "digest-cache", "entries", `${files[file]!.key}.json`), "{");
    const warm = await start(state);
    const before = storyIds(plain);
    // Both running when the file changes: the warm one cannot read the old stories (its entry is damaged).
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("Sparse attention gets cheaper", "Dense attention gets cheaper"));
    for (const h of [plain, warm]) {
      await (h.app.services.archive as Archive).reload();
      await (h.app.services.search as SearchService).settled();
    }
    expect(warnings(warm)).toContain("could not load the stories of a digest's previous version");
    const expected = await answers(plain, before);
    expect(expected["/search sparse attention"]).not.toContain("Sparse attention gets cheaper");
    expect(await answers(warm, before)).toEqual(expected);
  }, 120_000);
});
