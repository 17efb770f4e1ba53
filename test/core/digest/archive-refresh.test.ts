// A running archive re-reads only the files the watcher names (no walk, no stat of the other digests), and stays exactly what a fresh load of the folder gives through every save sequence.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { digestText } from "../../../bench/save-styles.js";
import { type Archive, createArchive } from "../../../src/core/digest/archive.js";
import { openParseCache, type ParseCache } from "../../../src/core/digest/parse-cache.js";
import { createLogger } from "../../../src/core/logger.js";
import { guardMs } from "../../load-slack.js";

const logger = createLogger({ level: "silent" });
const SHOWN_MS = guardMs(5000);
const DAYS = Array.from({ length: 40 }, (_, i) => new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));

let root: string;
let dir: string;
let outside: string;
let archive: Archive;
const fileOf = (date: string) => path.join(dir, `${date}.md`);
const titleOf = (date: string) => archive.get(date)?.sections[0]?.stories[0]?.title;

async function until(check: () => boolean): Promise<void> {
  const end = performance.now() + SHOWN_MS;
  while (!check()) {
    if (performance.now() > end) throw new Error("the archive did not show the change");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Each date's first story title, as the running archive holds them and as a fresh load of the folder gives them. */
const titles = (a: Archive) => Object.fromEntries(a.all().map((d) => [d.date, d.sections.map((s) => s.stories.map((st) => st.title))]));
async function expectSameAsFreshLoad(): Promise<void> {
  const fresh = await createArchive({ dir, logger, watch: false });
  await fresh.close();
  expect(titles(archive)).toEqual(titles(fresh));
  expect(archive.problems()).toEqual(fresh.problems());
}

beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "archive-refresh-"));
  dir = path.join(root, "digests");
  outside = path.join(root, "outside");
  fs.mkdirSync(path.join(dir, "2025"), { recursive: true });
  fs.mkdirSync(outside);
  for (const date of DAYS) fs.writeFileSync(fileOf(date), digestText(date, `${date} v0`));
  // No periodic rescan: only the watcher's events make a change show.
  archive = await createArchive({ dir, logger, pollMs: 0 });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await archive.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Saves `file` with its bytes unchanged three ways: a touch, a rewrite, and a temp file renamed over it (JetBrains). */
function saveUnchanged(file: string): void {
  const same = fs.readFileSync(file);
  fs.utimesSync(file, new Date(), new Date());
  fs.writeFileSync(file, same);
  fs.writeFileSync(`${file}___jb_tmp___`, same);
  fs.renameSync(`${file}___jb_tmp___`, file);
}

describe("a running archive", () => {
  it("re-reads only the file an edit names: no walk of the folder, no stat of the other digests", async () => {
    const stat = vi.spyOn(fs.promises, "stat");
    const readdir = vi.spyOn(fs.promises, "readdir");
    const date = DAYS[7]!;
    fs.writeFileSync(fileOf(date), digestText(date, "edited"));
    await until(() => titleOf(date) === "Story edited");
    expect(readdir).not.toHaveBeenCalled();
    expect([...new Set(stat.mock.calls.map(([file]) => String(file)))]).toEqual([fileOf(date)]);
    await expectSameAsFreshLoad();
  });

  it("saves of the same bytes (touch, a rewrite, a rename over it), without a parse cache: no change; the edit after them is one change", async () => {
    const changes: string[] = [];
    archive.onChange((c) => changes.push(c.summary?.text ?? c.type));
    const file = fileOf("2026-01-03");
    saveUnchanged(file);
    fs.writeFileSync(fileOf("2026-01-04"), digestText("2026-01-04", "after"));
    await until(() => titleOf("2026-01-04") === "Story after");
    fs.writeFileSync(file, digestText("2026-01-03", "edited"));
    await until(() => titleOf("2026-01-03") === "Story edited");
    expect(changes).toEqual(["2026-01-04 revised: 1 added, 1 removed; now 1 section, 1 story", "2026-01-03 revised: 1 added, 1 removed; now 1 section, 1 story"]);
  });

  it("saves of the same bytes with a parse cache: nothing written to the cache; the edit after them is", async () => {
    const cache = await openParseCache(path.join(root, "cache"), logger);
    const writes: string[] = [];
    const counted: ParseCache = {
      ...cache,
      set: (key, parsed, json) => void (writes.push(`set ${parsed.digest.date}`), cache.set(key, parsed, json)),
      remember: (file, stamp, key) => void (writes.push(`remember ${path.basename(file)}`), cache.remember(file, stamp, key)),
    };
    const cached = await createArchive({ dir, logger, pollMs: 0, cache: counted });
    try {
      writes.length = 0;
      const file = fileOf("2026-01-03");
      saveUnchanged(file);
      fs.writeFileSync(fileOf("2026-01-04"), digestText("2026-01-04", "after"));
      await until(() => cached.get("2026-01-04")?.sections[0]?.stories[0]?.title === "Story after");
      expect(writes).toEqual(["set 2026-01-04", "remember 2026-01-04.md"]);
    } finally {
      await cached.close();
    }
  });

  it("a digest dated by its modification day, touched to another day: it moves to that date", async () => {
    const file = path.join(dir, "2025", "undated.md");
    fs.writeFileSync(file, "## News\n\n### Undated story\n\nBody.\n");
    fs.utimesSync(file, new Date("2025-06-01T12:00:00Z"), new Date("2025-06-01T12:00:00Z"));
    await until(() => titleOf("2025-06-01") === "Undated story");
    fs.utimesSync(file, new Date("2025-06-02T12:00:00Z"), new Date("2025-06-02T12:00:00Z"));
    await until(() => titleOf("2025-06-02") === "Undated story" && titleOf("2025-06-01") === undefined);
    await expectSameAsFreshLoad();
  });

  /** Sequences of file operations, each with what the archive must show once the watcher's events are applied. */
  const SEQUENCES: { name: string; run(): Promise<void> | void; shows(): boolean; walks?: true }[] = [
    {
      name: "save by rename (a temp file next to the digest renamed over it)",
      run: () => {
        fs.writeFileSync(path.join(dir, "2026-01-03.md___jb_tmp___"), digestText("2026-01-03", "renamed"));
        fs.renameSync(path.join(dir, "2026-01-03.md___jb_tmp___"), fileOf("2026-01-03"));
      },
      shows: () => titleOf("2026-01-03") === "Story renamed",
    },
    {
      name: "a hidden temp file renamed into place (rsync, git checkout)",
      run: () => {
        fs.writeFileSync(path.join(dir, ".2026-01-04.md.Ab12Cd"), digestText("2026-01-04", "rsynced"));
        fs.renameSync(path.join(dir, ".2026-01-04.md.Ab12Cd"), fileOf("2026-01-04"));
      },
      shows: () => titleOf("2026-01-04") === "Story rsynced",
    },
    { name: "delete", run: () => fs.rmSync(fileOf("2026-01-05")), shows: () => titleOf("2026-01-05") === undefined },
    {
      name: "a new file, in a folder the archive already watches",
      run: () => fs.writeFileSync(path.join(dir, "2025", "2025-12-31.md"), digestText("2025-12-31", "new")),
      shows: () => titleOf("2025-12-31") === "Story new",
    },
    {
      name: "a file moved out of the folder, then back in",
      run: async () => {
        fs.renameSync(fileOf("2026-01-06"), path.join(outside, "2026-01-06.md"));
        await until(() => titleOf("2026-01-06") === undefined);
        fs.renameSync(path.join(outside, "2026-01-06.md"), fileOf("2026-01-06"));
      },
      shows: () => titleOf("2026-01-06") === "Story 2026-01-06 v0",
    },
    {
      name: "a file moved to a sub-folder under another name (same date)",
      run: () => fs.renameSync(fileOf("2026-01-07"), path.join(dir, "2025", "2026-01-07-copy.md")),
      shows: () => archive.problems().length === 0 && titleOf("2026-01-07") === "Story 2026-01-07 v0",
    },
    {
      name: "a copy under another name (one date, two files), then the original deleted",
      run: async () => {
        fs.copyFileSync(fileOf("2026-01-09"), path.join(dir, "2025", "copy.md"));
        await until(() => archive.problems().length === 1);
        fs.writeFileSync(path.join(dir, "2025", "copy.md"), digestText("2026-01-09", "copy"));
        fs.rmSync(fileOf("2026-01-09"));
      },
      shows: () => archive.problems().length === 0 && titleOf("2026-01-09") === "Story copy",
    },
    {
      name: "a digest renamed to a name that is not one (.bak)",
      run: () => fs.renameSync(fileOf("2026-01-10"), `${fileOf("2026-01-10")}.bak`),
      shows: () => titleOf("2026-01-10") === undefined,
    },
    {
      name: "an edit in place with its size and mtime put back (touch -r)",
      run: async () => {
        const file = fileOf("2026-01-08");
        const before = fs.statSync(file);
        // The kernel's ctime moves in ticks of a few ms: write again until it lands in a later tick.
        for (;;) {
          fs.writeFileSync(file, digestText("2026-01-08", "2026-01-08 v9"));
          fs.utimesSync(file, before.atime, before.mtime);
          if (fs.statSync(file).ctimeMs !== before.ctimeMs) return;
          await new Promise((r) => setTimeout(r, 1));
        }
      },
      shows: () => titleOf("2026-01-08") === "Story 2026-01-08 v9",
    },
    {
      name: "a folder of digests moved in (a rescan, then its files named again)",
      run: async () => {
        fs.mkdirSync(path.join(outside, "batch"));
        fs.writeFileSync(path.join(outside, "batch", "2025-11-01.md"), digestText("2025-11-01", "batch"));
        fs.renameSync(path.join(outside, "batch"), path.join(dir, "batch"));
        await until(() => titleOf("2025-11-01") === "Story batch");
        fs.writeFileSync(path.join(dir, "batch", "2025-11-01.md"), digestText("2025-11-01", "batch edited"));
      },
      shows: () => titleOf("2025-11-01") === "Story batch edited",
      walks: true,
    },
  ];

  for (const sequence of SEQUENCES) {
    it(`${sequence.name}: shows the change${sequence.walks ? "" : " without walking the folder"}, as a fresh load of the folder gives it`, async () => {
      const readdir = vi.spyOn(fs.promises, "readdir");
      await sequence.run();
      await until(sequence.shows);
      if (!sequence.walks) expect(readdir).not.toHaveBeenCalled();
      vi.restoreAllMocks();
      await expectSameAsFreshLoad();
    });
  }
});
