// A running archive re-reads only the files the watcher names (no walk, no stat of the other digests), and stays exactly what a fresh load of the folder gives through every save sequence.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { digestText } from "../../../bench/save-styles.js";
import { type Archive, createArchive } from "../../../src/core/digest/archive.js";
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
});
