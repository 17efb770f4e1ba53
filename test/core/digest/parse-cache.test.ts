// The parse cache: unchanged files are not parsed (nor read) again across starts; edits, other parser versions and a
// broken cache all fall back to parsing; a moved digest folder is not parsed again.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createArchive } from "../../../src/core/digest/archive.js";
import { createLogger } from "../../../src/core/logger.js";
import { openParseCache } from "../../../src/core/digest/parse-cache.js";
import { pidSpace, writerTag } from "../../../src/core/temp-files.js";

const logger = createLogger({ level: "silent" });
const digest = (title: string) => `## Section\n\n### ${title}\n\nBody of ${title}.\n`;
let dir: string;
let cacheDir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "digest-cache-"));
  fs.mkdirSync(path.join(dir, "digests"));
  cacheDir = path.join(dir, "state", "digest-cache");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function load(digests = path.join(dir, "digests")) {
  const cache = await openParseCache(cacheDir, logger);
  const archive = await createArchive({ dir: digests, logger, watch: false, cache });
  await archive.close();
  return archive;
}

/**
 * Writes `text` over `file` in place (same inode) and puts its times back, as `touch -r` after an edit does. The
 * kernel's ctime moves in clock ticks of a few ms: the write is repeated until it lands in a later tick than the
 * file's last change, as any edit made while the bot is stopped does.
 */
async function editInPlaceKeepingTimes(file: string, text: string): Promise<void> {
  const before = fs.statSync(file);
  for (;;) {
    fs.writeFileSync(file, text);
    fs.utimesSync(file, before.atime, before.mtime);
    const after = fs.statSync(file);
    expect([after.ino, after.size, after.mtimeMs]).toEqual([before.ino, before.size, before.mtimeMs]);
    if (after.ctimeMs !== before.ctimeMs) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const firstTitle = (archive: Awaited<ReturnType<typeof load>>, date: string) => archive.get(date)?.sections[0]?.stories[0]?.title;
const entryFiles = () => fs.readdirSync(path.join(cacheDir, "entries")).filter((f) => f.endsWith(".json"));

/** Rewrites every cached story title, so a test can tell a reused parse from a fresh one. */
function tamperWithCache(title: string) {
  for (const name of entryFiles()) {
    const file = path.join(cacheDir, "entries", name);
    const data = JSON.parse(fs.readFileSync(file, "utf8")) as { digest: { sections: { stories: { title: string }[] }[] } };
    data.digest.sections[0]!.stories[0]!.title = title;
    fs.writeFileSync(file, JSON.stringify(data));
  }
}

describe("parse cache", () => {
  it("reuses the parse of an unchanged file on the next start", async () => {
    fs.writeFileSync(path.join(dir, "digests", "2026-03-01.md"), digest("Original"));
    expect(firstTitle(await load(), "2026-03-01")).toBe("Original");
    tamperWithCache("From the cache");
    expect(firstTitle(await load(), "2026-03-01")).toBe("From the cache");
  });

  it("keeps caching after its folder is deleted while running: the next start does not parse again", async () => {
    fs.writeFileSync(path.join(dir, "digests", "2026-03-01.md"), digest("First"));
    const cache = await openParseCache(cacheDir, logger);
    const archive = await createArchive({ dir: path.join(dir, "digests"), logger, watch: false, cache });
    await cache.flush();
    fs.rmSync(cacheDir, { recursive: true, force: true }); // an operator's cleanup of DATA_DIR
    fs.writeFileSync(path.join(dir, "digests", "2026-03-01.md"), digest("Revised"));
    await archive.reload();
    await archive.close();
    await cache.flush();
    tamperWithCache("From the cache");
    expect(firstTitle(await load(), "2026-03-01")).toBe("From the cache");
  });

  it("parses a file again when its content changed", async () => {
    const file = path.join(dir, "digests", "2026-03-01.md");
    fs.writeFileSync(file, digest("Original"));
    await load();
    tamperWithCache("From the cache");
    fs.writeFileSync(file, digest("Edited"));
    expect(firstTitle(await load(), "2026-03-01")).toBe("Edited");
  });

  it("at start only stats an unchanged file (no read, no hash)", async () => {
    const file = path.join(dir, "digests", "2026-03-01.md");
    fs.writeFileSync(file, digest("Original"));
    await load();
    const reads = vi.spyOn(fs.promises, "readFile");
    try {
      expect(firstTitle(await load(), "2026-03-01")).toBe("Original");
      expect(reads.mock.calls.filter(([what]) => what === file)).toEqual([]);
    } finally {
      reads.mockRestore();
    }
  });

  it("reads and parses again a file edited in place while stopped, with its size and mtime put back (touch -r)", async () => {
    const file = path.join(dir, "digests", "2026-03-01.md");
    fs.writeFileSync(file, digest("Original"));
    fs.utimesSync(file, 1_770_000_000, 1_770_000_000);
    await load();
    // Same size, same mtime, same inode, other bytes: only the ctime (which no tool can set) tells.
    await editInPlaceKeepingTimes(file, digest("Origina!"));
    expect(firstTitle(await load(), "2026-03-01")).toBe("Origina!");
  });

  it("reads but does not parse again a file whose stat changed and bytes did not (a chmod, a touch -r)", async () => {
    const file = path.join(dir, "digests", "2026-03-01.md");
    fs.writeFileSync(file, digest("Original"));
    fs.utimesSync(file, 1_770_000_000, 1_770_000_000);
    await load();
    tamperWithCache("From the cache");
    await editInPlaceKeepingTimes(file, digest("Original"));
    const reads = vi.spyOn(fs.promises, "readFile");
    try {
      expect(firstTitle(await load(), "2026-03-01")).toBe("From the cache");
      expect(reads.mock.calls.filter(([what]) => what === file)).toHaveLength(1);
    } finally {
      reads.mockRestore();
    }
  });

  it("reads a file again at start when another file took its name, even with the same size and mtime", async () => {
    const a = path.join(dir, "digests", "2026-03-01.md");
    const b = path.join(dir, "digests", "2026-03-02.md");
    fs.writeFileSync(a, digest("Story A"));
    fs.writeFileSync(b, digest("Story B"));
    for (const f of [a, b]) fs.utimesSync(f, 1_770_000_000, 1_770_000_000); // as a tar or rsync -t extraction leaves them
    await load();
    // Swapped while the bot was stopped (mv a t; mv b a; mv t b); then a new version put in place by a rename with
    // the old one's times (touch -r), as a sync tool does.
    const t = path.join(dir, "digests", "t");
    fs.renameSync(a, t);
    fs.renameSync(b, a);
    fs.renameSync(t, b);
    const next = await load();
    expect([firstTitle(next, "2026-03-01"), firstTitle(next, "2026-03-02")]).toEqual(["Story B", "Story A"]);
    fs.writeFileSync(t, digest("Story C"));
    fs.utimesSync(t, 1_770_000_000, 1_770_000_000);
    fs.renameSync(t, a);
    expect(firstTitle(await load(), "2026-03-01")).toBe("Story C");
  });

  it("gives a digest dated by its modification time the new day when the file is touched or POST_TIMEZONE changes", async () => {
    const file = path.join(dir, "digests", "weekly-notes.md");
    fs.writeFileSync(file, digest("Dateless"));
    fs.utimesSync(file, new Date("2026-03-10T23:30:00Z"), new Date("2026-03-10T23:30:00Z"));
    const start = async (timeZone: string) => {
      const cache = await openParseCache(cacheDir, logger);
      const archive = await createArchive({ dir: path.join(dir, "digests"), logger, watch: false, cache, timeZone });
      await archive.close();
      return archive.dates();
    };
    expect(await start("UTC")).toEqual(["2026-03-10"]);
    // Same bytes, same name: what a start without the cache gives is the day of the new mtime, in the new zone.
    expect(await start("Europe/Berlin")).toEqual(["2026-03-11"]);
    fs.utimesSync(file, new Date("2026-03-12T12:00:00Z"), new Date("2026-03-12T12:00:00Z"));
    expect(await start("Europe/Berlin")).toEqual(["2026-03-12"]);
  });

  it("gives a digest dated by its folder's name the new folder's date when it moves to another", async () => {
    fs.mkdirSync(path.join(dir, "digests", "2026-03-01"));
    fs.writeFileSync(path.join(dir, "digests", "2026-03-01", "notes.md"), digest("Filed"));
    expect((await load()).dates()).toEqual(["2026-03-01"]);
    fs.renameSync(path.join(dir, "digests", "2026-03-01"), path.join(dir, "digests", "2026-03-02"));
    expect((await load()).dates()).toEqual(["2026-03-02"]);
  });

  it("does not parse again when the digest folder moves (keyed on content), and warnings name the new place", async () => {
    fs.writeFileSync(path.join(dir, "digests", "2026-03-01.md"), `## Section\n\n### Story\n\n`);
    const first = await load();
    expect(first.warnings().map((w) => w.file)).toEqual([path.join(dir, "digests", "2026-03-01.md")]);
    tamperWithCache("From the cache");
    fs.renameSync(path.join(dir, "digests"), path.join(dir, "moved"));
    const moved = await load(path.join(dir, "moved"));
    expect(firstTitle(moved, "2026-03-01")).toBe("From the cache");
    expect(moved.warnings().map((w) => w.file)).toEqual([path.join(dir, "moved", "2026-03-01.md")]);
  });

  it("does not parse again a digest folder restored from a copy with its times kept (new inodes and ctimes)", async () => {
    const digests = path.join(dir, "digests");
    fs.writeFileSync(path.join(digests, "2026-03-01.md"), digest("Original"));
    await load();
    tamperWithCache("From the cache");
    fs.cpSync(digests, path.join(dir, "backup"), { recursive: true, preserveTimestamps: true });
    fs.rmSync(digests, { recursive: true });
    fs.cpSync(path.join(dir, "backup"), digests, { recursive: true, preserveTimestamps: true });
    expect(firstTitle(await load(), "2026-03-01")).toBe("From the cache");
  });

  it("ignores a cache written by another parser version or a broken index", async () => {
    fs.writeFileSync(path.join(dir, "digests", "2026-03-01.md"), digest("Original"));
    await load();
    tamperWithCache("From the cache");
    const index = path.join(cacheDir, "index.json");
    const data = JSON.parse(fs.readFileSync(index, "utf8")) as { parser: string };
    fs.writeFileSync(index, JSON.stringify({ ...data, parser: "older" }));
    expect(firstTitle(await load(), "2026-03-01")).toBe("Original");
    tamperWithCache("From the cache");
    fs.writeFileSync(index, "{ not json");
    expect(firstTitle(await load(), "2026-03-01")).toBe("Original");
  });

  it("keeps only the entries of files that are still there, private to the bot's user", async () => {
    fs.writeFileSync(path.join(dir, "digests", "2026-03-01.md"), digest("One"));
    fs.writeFileSync(path.join(dir, "digests", "2026-03-02.md"), digest("Two"));
    await load();
    expect(entryFiles()).toHaveLength(2);
    for (const name of entryFiles()) expect(fs.statSync(path.join(cacheDir, "entries", name)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(cacheDir, "index.json")).mode & 0o777).toBe(0o600);
    fs.rmSync(path.join(dir, "digests", "2026-03-02.md"));
    await load();
    expect(entryFiles()).toHaveLength(1);
  });

  it("keeps no entry nothing refers to when it rebuilds after a broken or missing index", async () => {
    const index = path.join(cacheDir, "index.json");
    for (const breakIndex of [() => fs.writeFileSync(index, "{ not json"), () => fs.rmSync(index)]) {
      fs.writeFileSync(path.join(dir, "digests", "2026-03-01.md"), digest("One"));
      fs.writeFileSync(path.join(dir, "digests", "2026-03-02.md"), digest("Two"));
      await load();
      expect(entryFiles()).toHaveLength(2);
      fs.rmSync(path.join(dir, "digests", "2026-03-02.md"));
      breakIndex();
      await load();
      expect(entryFiles()).toHaveLength(1);
      tamperWithCache("From the cache");
      expect(firstTitle(await load(), "2026-03-01")).toBe("From the cache");
    }
  });

  it("removes the half-written files a crashed process of this container left, and keeps those of a running one", async () => {
    fs.writeFileSync(path.join(dir, "digests", "2026-03-01.md"), digest("One"));
    await load();
    const gone = spawnSync(process.execPath, ["-e", ""]).pid as number; // a process that has exited
    const left = [
      path.join(cacheDir, "entries", `${"x".repeat(43)}.json.${writerTag(gone)}.tmp`),
      path.join(cacheDir, `index.json.${writerTag(gone)}.tmp`),
      // A pid since reused by a process started at another time.
      path.join(cacheDir, `index.json.${pidSpace()}-${process.ppid}-1.tmp`),
    ];
    const running = path.join(cacheDir, "entries", `${"y".repeat(43)}.json.${writerTag(process.ppid)}.tmp`);
    for (const file of [...left, running]) fs.writeFileSync(file, "{ half");
    await load();
    expect(left.filter((f) => fs.existsSync(f))).toEqual([]);
    expect(fs.existsSync(running)).toBe(true);
  });

  it("shares DATA_DIR with bots of other containers: never touches a temp file one is writing, removes one left for a day", async () => {
    fs.writeFileSync(path.join(dir, "digests", "2026-03-01.md"), digest("One"));
    await load();
    // Other containers' bots have the same small pids (this process's included) or pids that run nothing here.
    const notHere = spawnSync(process.execPath, ["-e", ""]).pid as number;
    const writing = [path.join(cacheDir, `index.json.${process.pid}.tmp`), path.join(cacheDir, "entries", `${"y".repeat(43)}.json.${notHere}.tmp`)];
    for (const file of writing) fs.writeFileSync(file, "{ being written by another container");
    // Left by a container killed mid-write a day ago (its pid, 1, runs something here as in every container).
    const stale = path.join(cacheDir, "entries", `${"x".repeat(43)}.json.1.tmp`);
    fs.writeFileSync(stale, "{ half");
    const dayAgo = new Date(Date.now() - 25 * 3600_000);
    fs.utimesSync(stale, dayAgo, dayAgo);
    fs.writeFileSync(path.join(dir, "digests", "2026-03-02.md"), digest("Two"));
    await load();
    expect(writing.map((f) => fs.existsSync(f) && fs.readFileSync(f, "utf8"))).toEqual(writing.map(() => "{ being written by another container"));
    expect(fs.existsSync(stale)).toBe(false);
    expect(firstTitle(await load(), "2026-03-02")).toBe("Two");
  });

  it("removes the single-file cache of earlier versions", async () => {
    fs.mkdirSync(path.join(dir, "state"), { recursive: true });
    fs.writeFileSync(`${cacheDir}.json`, "{}");
    await load();
    expect(fs.existsSync(`${cacheDir}.json`)).toBe(false);
  });

  it("never caches a bad file: it is reported again on the next start", async () => {
    fs.writeFileSync(path.join(dir, "digests", "2026-03-01.md"), "no headings at all\n");
    expect((await load()).problems()).toHaveLength(1);
    expect((await load()).problems()).toHaveLength(1);
  });
});

describe("the cache's index while a digest is edited again and again", () => {
  // The index holds every file's stamp and every digest's outline (megabytes at 3 years), all written each time.
  it("is written once the edits pause, and at most every 30 s while they go on — not after every edit", async () => {
    const cache = await openParseCache(cacheDir, logger);
    const indexFile = path.join(cacheDir, "index.json");
    const stampOf = (n: number) => ({ size: 100 + n, mtimeMs: 1_000 + n, ino: 7, ctimeMs: 1_000 + n });
    const writtenSize = (): number | undefined => {
      try {
        return (JSON.parse(fs.readFileSync(indexFile, "utf8")) as { files: Record<string, { size: number }> }).files["/d/2026-02-18.md"]?.size;
      } catch {
        return undefined;
      }
    };
    // Timers and Date are faked; the file writes are real, so their end is waited for on the real clock.
    const settle = async (until: () => boolean = () => false, ms = 500): Promise<void> => {
      const t0 = performance.now();
      while (!until() && performance.now() - t0 < (until() ? 0 : ms)) await new Promise((r) => setImmediate(r));
    };
    // Each write of the index ends in a rename over it (a crash mid-write leaves the old one).
    const rename = vi.spyOn(fs.promises, "rename");
    const writes = () => rename.mock.calls.filter(([, to]) => String(to) === indexFile).length;
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const edit = async (n: number) => {
        cache.remember("/d/2026-02-18.md", stampOf(n), `key${n}`);
        await vi.advanceTimersByTimeAsync(700);
      };
      // An edit every 0.7 s: nothing written in the first 28 s.
      for (let n = 1; n <= 40; n++) await edit(n);
      await settle();
      expect(writtenSize()).toBeUndefined();
      // Written once 30 s after the first unwritten change (with every change made until the write), not again by 42 s.
      for (let n = 41; n <= 60; n++) await edit(n);
      await settle(() => writtenSize() !== undefined, 10_000);
      await settle();
      expect(writes()).toBe(1);
      expect(writtenSize()).toBeGreaterThanOrEqual(100 + 42);
      // The pause: the last edit is written 5 s after it.
      cache.remember("/d/2026-02-18.md", stampOf(99), "key99");
      await vi.advanceTimersByTimeAsync(4_000);
      await settle();
      expect(writtenSize()).not.toBe(199);
      await vi.advanceTimersByTimeAsync(1_500);
      await settle(() => writtenSize() === 199, 10_000);
      expect(writtenSize()).toBe(199);
      expect(writes()).toBe(2);
    } finally {
      vi.useRealTimers();
      rename.mockRestore();
    }
  });
});
