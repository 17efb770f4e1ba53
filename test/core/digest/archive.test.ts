// Tests for the digest archive: loading, bad files, duplicate dates, hot reload, removal and look-ups.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ARCHIVE_MAX_FILE_BYTES, type Archive, type ArchiveChange, createArchive } from "../../../src/core/digest/archive.js";
import { createLogger } from "../../../src/core/logger.js";

const SEED = fs.readFileSync("test/fixtures/sample/2026-02-18.md", "utf8");
const ENGLISH = fs.readFileSync("test/fixtures/digests/english-weekly.md", "utf8");
const story = (title: string) => `## News\n\n### ${title}\n\nSome body text.\n`;

let dir: string;
let logs: { level: number; msg: string }[];
let archive: Archive | undefined;

function logger() {
  logs = [];
  return createLogger({
    level: "debug",
    pretty: false,
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) },
  });
}

async function open(watch = false): Promise<Archive> {
  archive = await createArchive({ dir, logger: logger(), watch, debounceMs: 30, pollMs: 0 });
  return archive;
}

/** Waits (up to 5 s) until `check` passes; file-system events arrive asynchronously. */
async function waitFor(check: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "digest-archive-"));
});

afterEach(async () => {
  await archive?.close();
  archive = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("createArchive: loading", () => {
  it("loads every digest, skips a bad file with file:line, and still serves the others", async () => {
    write("2026-02-18.md", SEED);
    write("english-weekly.md", ENGLISH);
    const bad = write("2026-02-20.md", "## Only a section\n\nNo stories here.\n");
    fs.mkdirSync(path.join(dir, "2026"));
    write(path.join("2026", "2026-02-21.md"), story("From a sub-directory"));
    const a = await open();
    expect(a.dates()).toEqual(["2026-02-18", "2026-02-19", "2026-02-21"]);
    expect(a.all().map((d) => d.date)).toEqual(["2026-02-18", "2026-02-19", "2026-02-21"]);
    expect(a.latest()?.sections[0]?.stories[0]?.title).toBe("From a sub-directory");
    expect(a.get("2026-02-18")?.sections).toHaveLength(7);
    expect(a.get("2026-02-20")).toBeUndefined();
    const message = `${bad}:1: section "Only a section" has no stories: add story headings one level below it ("### Story")`;
    expect(a.problems()).toEqual([{ file: bad, message }]);
    expect(logs.some((l) => l.level === 50 && l.msg === `${message}; file skipped`)).toBe(true);
    // The English fixture's javascript: link is reported as a warning, not lost silently.
    expect(a.warnings().map((w) => w.line)).toEqual([29]);
  });

  it("finds stories by id", async () => {
    write("2026-02-18.md", SEED);
    const a = await open();
    const ref = a.findStory("20260218-1-3");
    expect(ref?.story.title).toBe("GLM\u20115 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练");
    expect(ref?.section.title).toBe("模型与能力");
    expect(ref?.sectionIndex).toBe(0);
    expect(ref?.digest.date).toBe("2026-02-18");
    expect(a.findStory("20260218-5-5")?.story.title).toBe("AI 模拟开餐车：12 个模型拿 2000 美金，只有 4 个没破产");
    expect(a.findStory("20260218-8-1")).toBeUndefined();
    expect(a.findStory("20260219-1-1")).toBeUndefined();
    expect(a.findStory("not-an-id")).toBeUndefined();
  });

  it("rejects a second file with the same date, naming both files", async () => {
    const first = write("2026-02-18.md", SEED);
    const second = write("extra.md", `---\ndate: 2026-02-18\n---\n${story("Duplicate")}`);
    const a = await open();
    expect(a.dates()).toEqual(["2026-02-18"]);
    expect(a.get("2026-02-18")?.sections).toHaveLength(7);
    expect(a.problems()).toEqual([
      {
        file: second,
        message: `${second}:2: date 2026-02-18 is already used by ${first}; each digest needs its own date, so this file is not loaded`,
      },
    ]);
  });

  it("refuses a file too big to be a digest instead of stalling on it", async () => {
    write("2026-02-18.md", SEED);
    const huge = write("2026-02-19.md", `${story("Huge")}\n${"x".repeat(ARCHIVE_MAX_FILE_BYTES)}`);
    const a = await open();
    expect(a.dates()).toEqual(["2026-02-18"]);
    const size = fs.statSync(huge).size;
    expect(a.problems()).toEqual([
      { file: huge, message: `${huge}:1: file is ${size} bytes, more than a digest may have (${ARCHIVE_MAX_FILE_BYTES}); not loaded` },
    ]);
  });

  it("lets a file fail alone whatever the parser throws, at start and while running", async () => {
    // An unresolved YAML alias makes the YAML library throw its own ReferenceError, not a DigestParseError.
    const hostile = "---\ntitle: *nowhere\n---\n## News\n\n### Story\n\nBody.\n";
    write("2026-02-18.md", SEED);
    const bad = write("2026-02-20.md", hostile);
    const a = await open();
    expect(a.dates()).toEqual(["2026-02-18"]);
    expect(a.problems()).toHaveLength(1);
    expect(a.problems()[0]?.file).toBe(bad);
    // `file: message` (or `file:line: message` once the parser types it), never a bare library message.
    expect(a.problems()[0]?.message).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+:)? .*nowhere`));

    write("2026-02-21.md", story("Still loads"));
    write("2026-02-22.md", hostile);
    await a.reload();
    expect(a.dates()).toEqual(["2026-02-18", "2026-02-21"]);
    expect(a.problems().map((p) => path.basename(p.file))).toEqual(["2026-02-20.md", "2026-02-22.md"]);
  });

  it("starts empty, with a problem, when the directory does not exist", async () => {
    fs.rmSync(dir, { recursive: true });
    const a = await open();
    expect(a.dates()).toEqual([]);
    expect(a.latest()).toBeUndefined();
    expect(a.problems()).toEqual([{ file: dir, message: `${dir}: digest directory not found (create it or set DIGEST_DIR)` }]);
  });
});

describe("createArchive: watching", () => {
  it("hot-loads a new file and emits an upsert", async () => {
    write("2026-02-18.md", SEED);
    const a = await open(true);
    const changes: ArchiveChange[] = [];
    a.onChange((c) => changes.push(c));
    const file = write("2026-02-19.md", story("Fresh news"));
    await waitFor(() => changes.length > 0, "the upsert");
    const summary = { kind: "loaded", date: "2026-02-19", sections: 1, stories: 1, changed: 0, added: 0, removed: 0, text: "loaded 2026-02-19: 1 section, 1 story" };
    expect(changes).toEqual([{ type: "upsert", digest: a.get("2026-02-19"), file, summary }]);
    expect(logs.filter((l) => l.level === 30 && l.msg === "loaded 2026-02-19: 1 section, 1 story")).toHaveLength(1);
    expect(a.dates()).toEqual(["2026-02-18", "2026-02-19"]);
    expect(a.latest()?.sections[0]?.stories[0]?.title).toBe("Fresh news");
  });

  it("picks up a file an editor writes via a temporary file and a rename", async () => {
    const a = await open(true);
    const tmp = path.join(dir, ".2026-02-22.md.tmp");
    fs.writeFileSync(tmp, story("Saved atomically"));
    fs.renameSync(tmp, path.join(dir, "2026-02-22.md"));
    await waitFor(() => a.dates().length === 1, "the renamed file");
    expect(a.get("2026-02-22")?.sections[0]?.stories[0]?.title).toBe("Saved atomically");
    expect(a.problems()).toEqual([]);
  });

  it("takes a new version put in place by a rename with the old one's size and mtime (a sync tool keeping times)", async () => {
    const file = write("2026-02-22.md", story("Version one"));
    fs.utimesSync(file, 1_770_000_000, 1_770_000_000);
    const a = await open(false);
    const tmp = path.join(dir, ".2026-02-22.md.tmp");
    fs.writeFileSync(tmp, story("Version two"));
    fs.utimesSync(tmp, 1_770_000_000, 1_770_000_000);
    fs.renameSync(tmp, file);
    await a.reload();
    expect(a.get("2026-02-22")?.sections[0]?.stories[0]?.title).toBe("Version two");
  });

  it("takes an edit in place that puts the old size and mtime back (touch -r)", async () => {
    const file = write("2026-02-22.md", story("Version one"));
    fs.utimesSync(file, 1_770_000_000, 1_770_000_000);
    const a = await open(false);
    const before = fs.statSync(file);
    // The kernel's ctime moves in ticks of a few ms: write until the edit lands in a later one, as a real edit does.
    while (fs.statSync(file).ctimeMs === before.ctimeMs) {
      await new Promise((r) => setTimeout(r, 1));
      fs.writeFileSync(file, story("Version two"));
      fs.utimesSync(file, before.atime, before.mtime);
    }
    await a.reload();
    expect(a.get("2026-02-22")?.sections[0]?.stories[0]?.title).toBe("Version two");
  });

  it("keeps the last good version when a file turns bad, and takes the fix later", async () => {
    const file = write("2026-02-19.md", story("Good version"));
    const a = await open(true);
    const good = a.get("2026-02-19");
    const changes: ArchiveChange[] = [];
    a.onChange((c) => changes.push(c));

    fs.writeFileSync(file, "## News\n\n### \n\nA story lost its title.\n");
    await waitFor(() => a.problems().length > 0, "the problem");
    const message = `${file}:3: story heading has no title`;
    expect(a.problems()).toEqual([{ file, message }]);
    expect(a.get("2026-02-19")).toBe(good);
    expect(logs.some((l) => l.msg === `${message}; keeping the last good version (2026-02-19)`)).toBe(true);
    expect(changes).toEqual([]);

    fs.writeFileSync(file, story("Fixed version"));
    await waitFor(() => changes.length > 0, "the fixed version");
    expect(a.problems()).toEqual([]);
    // A reworded title over the same body is the same story, revised.
    const text = "2026-02-19 revised: 1 story changed; now 1 section, 1 story";
    expect(changes).toEqual([
      { type: "upsert", digest: a.get("2026-02-19"), previous: good, file, summary: { kind: "revised", date: "2026-02-19", sections: 1, stories: 1, changed: 1, added: 0, removed: 0, text } },
    ]);
    expect(logs.some((l) => l.level === 30 && l.msg === text)).toBe(true);
    expect(a.get("2026-02-19")?.sections[0]?.stories[0]?.title).toBe("Fixed version");
  });

  it("emits a remove when a file is deleted, and lets a duplicate take over its date", async () => {
    const first = write("2026-02-18.md", story("First"));
    const second = write("z-copy.md", `---\ndate: 2026-02-18\n---\n${story("Second")}`);
    const other = write("2026-02-19.md", story("Other"));
    const a = await open(true);
    const changes: ArchiveChange[] = [];
    a.onChange((c) => changes.push(c));

    fs.rmSync(other);
    await waitFor(() => changes.length > 0, "the remove");
    const summary = { kind: "removed", date: "2026-02-19", sections: 0, stories: 0, changed: 0, added: 0, removed: 0, text: "removed 2026-02-19" };
    expect(changes).toEqual([{ type: "remove", date: "2026-02-19", file: other, summary }]);
    expect(logs.some((l) => l.level === 30 && l.msg === "removed 2026-02-19")).toBe(true);

    changes.length = 0;
    fs.rmSync(first);
    await waitFor(() => changes.length > 0, "the take-over");
    expect(changes).toEqual([{ type: "upsert", digest: a.get("2026-02-18"), previous: expect.anything(), file: second, summary: expect.objectContaining({ kind: "revised" }) }]);
    expect(a.get("2026-02-18")?.sections[0]?.stories[0]?.title).toBe("Second");
    expect(a.problems()).toEqual([]);
  });

  it("stops following the directory after close()", async () => {
    const a = await open(true);
    await a.close();
    write("2026-02-23.md", story("Too late"));
    await new Promise((r) => setTimeout(r, 200));
    expect(a.dates()).toEqual([]);
  });
});

describe("archive: dates from the file's modification time", () => {
  it("loads a digest that names no date under its modification day in the given time zone, with a warning", async () => {
    const file = write("weekly-notes.md", story("Dateless"));
    // 23:30 UTC on 10 March is already 11 March in Berlin.
    fs.utimesSync(file, new Date("2026-03-10T23:30:00Z"), new Date("2026-03-10T23:30:00Z"));
    archive = await createArchive({ dir, logger: logger(), watch: false, pollMs: 0, timeZone: "Europe/Berlin" });
    expect(archive.dates()).toEqual(["2026-03-11"]);
    expect(archive.warnings().map((w) => w.message)).toEqual([
      'no date in the file or its name: using its modification date 2026-03-11 (Europe/Berlin); add front matter "date: YYYY-MM-DD" to fix it',
    ]);
  });
});
