// Outlines: a warm start reads one cache index, no parse-cache entry or story-id file; a digest's stories are read when first looked at.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createArchive } from "../../../src/core/digest/archive.js";
import { digestHash } from "../../../src/core/digest/digest-hash.js";
import { isOutlined } from "../../../src/core/digest/digest-outline.js";
import { openParseCache } from "../../../src/core/digest/parse-cache.js";
import { openStoryIdStore } from "../../../src/core/digest/story-id-store.js";
import { createLogger } from "../../../src/core/logger.js";

const logger = createLogger({ level: "silent" });
const digest = (title: string, more = "") => `## Section\n\n### ${title}\n\nBody of ${title}.\n\n### Second ${title}\n\nMore.\n${more}`;
let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "digest-outline-"));
  fs.mkdirSync(path.join(root, "digests"));
  for (let d = 1; d <= 5; d++) fs.writeFileSync(path.join(root, "digests", `2026-03-0${d}.md`), digest(`Story ${d}`));
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

async function open(options: { readOnly?: boolean } = {}) {
  const cache = await openParseCache(path.join(root, "state", "digest-cache"), logger);
  const ids = openStoryIdStore({ dir: path.join(root, "state", "story-ids"), logger, ...options });
  return createArchive({ dir: path.join(root, "digests"), logger, watch: false, cache, ids });
}

/** Files read (whole) under the state folder while `fn` runs, as paths relative to it. */
async function readsDuring<T>(fn: () => Promise<T> | T): Promise<{ value: T; reads: string[] }> {
  const reads: string[] = [];
  const state = path.join(root, "state");
  const note = (file: unknown) => {
    if (typeof file === "string" && file.startsWith(state)) reads.push(path.relative(state, file));
  };
  const asyncRead = fs.promises.readFile.bind(fs.promises);
  const syncRead = fs.readFileSync.bind(fs);
  vi.spyOn(fs.promises, "readFile").mockImplementation(((file: string, ...rest: unknown[]) => {
    note(file);
    return (asyncRead as (...a: unknown[]) => unknown)(file, ...rest);
  }) as typeof fs.promises.readFile);
  vi.spyOn(fs, "readFileSync").mockImplementation(((file: string, ...rest: unknown[]) => {
    note(file);
    return (syncRead as (...a: unknown[]) => unknown)(file, ...rest);
  }) as typeof fs.readFileSync);
  try {
    return { value: await fn(), reads };
  } finally {
    vi.restoreAllMocks();
  }
}

describe("digest outlines", () => {
  it("let a warm start read only the cache index, then one entry per digest when its stories are first looked at", async () => {
    const cold = await open();
    const coldDigests = JSON.stringify(cold.all());
    await cold.close();

    const { value: warm, reads } = await readsDuring(() => open());
    expect(reads).toEqual([path.join("digest-cache", "index.json")]);
    expect(warm.all().every(isOutlined)).toBe(true);
    // Dates, sections and hashes need no story.
    expect(warm.dates()).toEqual(["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]);
    expect(warm.get("2026-03-02")?.sections.map((s) => s.title)).toEqual(["Section"]);
    const { reads: first } = await readsDuring(() => warm.get("2026-03-02")?.sections[0]?.stories[0]?.title);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/^digest-cache\/entries\/.+\.json$/);
    const { reads: again } = await readsDuring(() => warm.get("2026-03-02")?.sections[0]?.stories[1]?.title);
    expect(again).toEqual([]);
    expect(JSON.stringify(warm.all())).toBe(coldDigests);
    expect(warm.all().map(digestHash)).toEqual(JSON.parse(coldDigests).map(digestHash));
    await warm.close();
  });

  it("let a cold start end holding what a warm start holds: each digest outlined once its outline is saved, its content whole, an edit shown", async () => {
    const cold = await open();
    const content = JSON.stringify(cold.all());
    const hashes = cold.all().map(digestHash);
    // The parsed stories are let go once the outlines and cache entries are written (in the background).
    await vi.waitFor(() => expect(cold.all().filter((d) => !isOutlined(d)).map((d) => d.date)).toEqual([]), { timeout: 5000 });
    expect(cold.all().map(digestHash)).toEqual(hashes);
    const { value: again, reads } = await readsDuring(() => JSON.stringify(cold.all()));
    expect(again).toBe(content);
    expect(reads.filter((r) => r.startsWith(path.join("digest-cache", "entries")))).toHaveLength(5);
    // Nor are the story-id assignments (titles and text of every story ever given an id) kept: read when a look-up needs them.
    const id = cold.get("2026-03-04")?.sections[0]?.stories[1]?.id as string;
    const { value: found, reads: idReads } = await readsDuring(() => cold.lookUpStory("20260304-1-2"));
    expect(found.kind === "found" && found.ref.story.id).toBe(id);
    expect(idReads).toEqual([path.join("story-ids", "2026-03-04.json")]);
    const changes: string[] = [];
    cold.onChange((c) => changes.push(c.summary?.text ?? ""));
    fs.writeFileSync(path.join(root, "digests", "2026-03-02.md"), digest("Story 2", "\n### Third\n\nNew.\n"));
    await cold.reload();
    expect(changes).toEqual(["2026-03-02 revised: 1 added; now 1 section, 3 stories"]);
    expect(cold.get("2026-03-02")?.sections[0]?.stories.map((s) => s.title)).toEqual(["Story 2", "Second Story 2", "Third"]);
    await cold.close();
  });

  it("read a date's story-id file only when an id look-up needs it (an old position id), and answer as before", async () => {
    const cold = await open();
    const id = cold.get("2026-03-04")?.sections[0]?.stories[1]?.id as string;
    await cold.close();
    const warm = await open();
    const { value, reads } = await readsDuring(() => warm.lookUpStory("20260304-1-2"));
    expect(value.kind === "found" && value.ref.story.id).toBe(id);
    expect(reads.filter((r) => r.startsWith("story-ids"))).toEqual([path.join("story-ids", "2026-03-04.json")]);
    await warm.close();
  });

  it("are not used for a date whose story-id file changed or went, nor written by a read-only start", async () => {
    await (await open({ readOnly: true })).close();
    const index = path.join(root, "state", "digest-cache", "index.json");
    expect(JSON.parse(fs.readFileSync(index, "utf8")).outlines).toEqual({});
    await (await open()).close();
    expect(Object.keys(JSON.parse(fs.readFileSync(index, "utf8")).outlines)).toHaveLength(5);
    fs.rmSync(path.join(root, "state", "story-ids", "2026-03-03.json"));
    const warm = await open();
    expect(warm.all().filter((d) => !isOutlined(d)).map((d) => d.date)).toEqual(["2026-03-03"]);
    await warm.close();
  });

  it("are not used for a date whose story-id file was rewritten in place with its size and modification time put back (cp -p, rsync -t)", async () => {
    // Two titles of one length: their ids have one length too.
    fs.writeFileSync(path.join(root, "digests", "2026-03-02.md"), "## Section\n\n### Alpha\n\nBody.\n\n### Gamma\n\nMore.\n");
    const cold = await open();
    const [first, second] = (cold.get("2026-03-02")?.sections[0]?.stories ?? []).map((s) => s.id);
    await cold.close();
    expect(first && second && first.length === second.length && first !== second).toBe(true);
    // A backup of another version put back over the file: the same inode, the same byte length, the old mtime.
    const file = path.join(root, "state", "story-ids", "2026-03-02.json");
    const before = fs.statSync(file);
    const swapped = fs.readFileSync(file, "utf8").replaceAll(first!, "\u0000").replaceAll(second!, first!).replaceAll("\u0000", second!);
    const backup = path.join(root, "backup.json");
    fs.writeFileSync(backup, swapped);
    execFileSync("touch", ["-r", file, backup]);
    execFileSync("cp", ["-p", backup, file]);
    const after = fs.statSync(file);
    expect([after.ino, after.size, after.mtimeMs]).toEqual([before.ino, before.size, before.mtimeMs]);
    const warm = await open();
    // The ids are the file's now, as a start without any outline gives them.
    expect(warm.get("2026-03-02")?.sections[0]?.stories.map((s) => s.id)).toEqual([second, first]);
    expect(warm.all().filter((d) => !isOutlined(d)).map((d) => d.date)).toEqual(["2026-03-02"]);
    await warm.close();
  });

  it("never hold a digest whose stories cannot be loaded: the cache emptied while running, then a bad edit, skips the file", async () => {
    await (await open()).close();
    const archive = await open();
    const file = path.join(root, "digests", "2026-03-01.md");
    fs.rmSync(path.join(root, "state", "digest-cache"), { recursive: true, force: true }); // an operator's cleanup of DATA_DIR
    fs.writeFileSync(file, "not a digest\n");
    await archive.reload();
    // The last good version is neither in the cache nor in the file: there is nothing left to keep (as at a cold start).
    expect(archive.dates()).toEqual(["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]);
    expect(archive.get("2026-03-01")).toBeUndefined();
    expect(archive.problems()).toEqual([
      { file, message: `${file}:1: no sections found: expected section headings (e.g. "## Section") with story headings one level below ("### Story")` },
    ]);
    expect(archive.all().flatMap((d) => d.sections[0]?.stories.map((s) => s.title))).toContain("Story 2");
    await archive.close();
  });

  it("never leave a digest unreadable when its outline in the index disagrees with its parse (a damaged or older index)", async () => {
    const cold = await open();
    const coldDigests = JSON.stringify(cold.all());
    await cold.close();
    const index = path.join(root, "state", "digest-cache", "index.json");
    const data = JSON.parse(fs.readFileSync(index, "utf8")) as { outlines: Record<string, { digest: { sections: { ids: string[] }[] } }> };
    for (const outline of Object.values(data.outlines)) outline.digest.sections[0]!.ids.pop(); // well-formed, one id short
    fs.writeFileSync(index, JSON.stringify(data));
    const warm = await open();
    // Otherwise every reader of these digests throws "…: does not parse as it did when its outline was saved", at
    // this start and at every later one (the outline stays in the index).
    expect(JSON.stringify(warm.all())).toBe(coldDigests);
    await warm.close();
    const next = await open();
    expect(JSON.stringify(next.all())).toBe(coldDigests);
    await next.close();
  });

  it("load the stories of a digest's old version before its file changes, so a change summary and the search can drop them", async () => {
    await (await open()).close();
    const archive = await open();
    const old = archive.get("2026-03-01");
    const changes: string[] = [];
    archive.onChange((c) => changes.push(c.summary?.text ?? ""));
    fs.writeFileSync(path.join(root, "digests", "2026-03-01.md"), digest("Story 1", "\n### Third\n\nNew.\n"));
    await archive.reload();
    expect(changes).toEqual(["2026-03-01 revised: 1 added; now 1 section, 3 stories"]);
    expect(old && !isOutlined(old) && old.sections[0]?.stories.map((s) => s.title)).toEqual(["Story 1", "Second Story 1"]);
    await archive.close();
  });
});
