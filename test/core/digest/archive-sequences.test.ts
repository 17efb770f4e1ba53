// A running bot's archive through save sequences of the real world (quick edits, delete and re-create, renames, a malformed file): it answers /digest, /story and /search as a fresh start on the same files does.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../commands/app-harness.js";
import { digestOf, expectSameAsFreshStart, messagesAt, until, wordOf } from "./archive-user-view.js";

const DATES = ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"];
/** The date a sequence touches last, so that its change showing means the watcher has passed the sequence's events. */
const SENTINEL = "2026-01-09";

let root: string;
let dir: string;
let bot: Harness;
let marks = 0;
const fileOf = (date: string, name = `${date}.md`) => path.join(dir, name);
const noMatch = (word: string) => `No story matches “${word}”.\nTry other keywords, or send /digest to browse the day's stories.`;
const firstTitle = (date: string) => bot.app.archive.get(date)?.sections[0]?.stories[0]?.title;
/** Every marker written so far: a /search for an old one must find nothing the files no longer hold. */
const words = new Set<string>();
const write = (file: string, date: string, marker: string) => {
  words.add(wordOf(marker));
  fs.writeFileSync(file, digestOf(date, marker));
};

/** Saves the sentinel digest and waits until the bot shows it: every event before it has been applied. */
async function settle(): Promise<void> {
  const marker = `sentinel${++marks}`;
  write(fileOf(SENTINEL), SENTINEL, marker);
  await until(() => firstTitle(SENTINEL) === `Story ${marker} 1`, `the sentinel ${marker}`);
}

beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "archive-sequences-"));
  dir = path.join(root, "digests");
  fs.mkdirSync(path.join(dir, "2025"), { recursive: true });
  words.clear();
  for (const date of DATES) write(fileOf(date), date, `${date.slice(-2)}v0`);
  bot = await startHarness({ digestDir: dir, watch: true, locale: "en" });
});
afterEach(async () => {
  await bot.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("a running bot's archive, saved to as in the real world", () => {
  it("three quick edits of one digest within the debounce, the last back to the first content: the first content, no stale story", async () => {
    write(fileOf("2026-01-02"), "2026-01-02", "02v1");
    write(fileOf("2026-01-02"), "2026-01-02", "02v2");
    write(fileOf("2026-01-02"), "2026-01-02", "02v0");
    await settle();
    expect(firstTitle("2026-01-02")).toBe("Story 02v0 1");
    expect((await bot.ask(`/search ${wordOf("02v2")}`)).text).toBe(`${noMatch(wordOf("02v2"))}`);
    await expectSameAsFreshStart(bot, dir, [...words]);
  });

  it("an edit shown, then two quick edits back to the content before it: the content before it, with its ids", async () => {
    const before = bot.app.archive.get("2026-01-02")?.sections[0]?.stories.map((s) => s.id);
    write(fileOf("2026-01-02"), "2026-01-02", "02v1");
    await until(() => firstTitle("2026-01-02") === "Story 02v1 1", "the edit v1");
    write(fileOf("2026-01-02"), "2026-01-02", "02v2");
    write(fileOf("2026-01-02"), "2026-01-02", "02v0");
    await settle();
    expect(bot.app.archive.get("2026-01-02")?.sections[0]?.stories.map((s) => s.id)).toEqual(before);
    await expectSameAsFreshStart(bot, dir, [...words]);
  });

  it("three quick edits, each new: the last one", async () => {
    for (const v of ["02v1", "02v2", "02v3"]) write(fileOf("2026-01-02"), "2026-01-02", v);
    await until(() => firstTitle("2026-01-02") === "Story 02v3 1", "the last edit");
    await settle();
    await expectSameAsFreshStart(bot, dir, [...words]);
  });

  it("a date's file deleted and re-created with the same content: the digest is back with the same story ids", async () => {
    const ids = bot.app.archive.get("2026-01-03")?.sections[0]?.stories.map((s) => s.id);
    const content = fs.readFileSync(fileOf("2026-01-03"));
    fs.rmSync(fileOf("2026-01-03"));
    await until(() => firstTitle("2026-01-03") === undefined, "the delete");
    expect((await bot.ask(`/story ${ids?.[0]}`)).text).toBe(
      "This story was removed from the 2026-01-03 digest.\nIts title was “Story 03v0 1”; send /digest 2026-01-03 to see that digest's stories now.",
    );
    fs.writeFileSync(fileOf("2026-01-03"), content);
    await until(() => firstTitle("2026-01-03") === "Story 03v0 1", "the re-created file");
    expect(bot.app.archive.get("2026-01-03")?.sections[0]?.stories.map((s) => s.id)).toEqual(ids);
    await settle();
    await expectSameAsFreshStart(bot, dir, [...words]);
  });

  it("a date's file deleted and re-created at once (within the debounce), same and then other content", async () => {
    const content = fs.readFileSync(fileOf("2026-01-03"));
    fs.rmSync(fileOf("2026-01-03"));
    fs.writeFileSync(fileOf("2026-01-03"), content);
    await settle();
    await expectSameAsFreshStart(bot, dir, [...words]);
    fs.rmSync(fileOf("2026-01-03"));
    write(fileOf("2026-01-03"), "2026-01-03", "03v1");
    await until(() => firstTitle("2026-01-03") === "Story 03v1 1", "the other content");
    await settle();
    await expectSameAsFreshStart(bot, dir, [...words]);
  });

  it("a date's file deleted, then its content saved under another file name: the same digest, from the new file", async () => {
    const content = fs.readFileSync(fileOf("2026-01-03"));
    fs.rmSync(fileOf("2026-01-03"));
    await until(() => firstTitle("2026-01-03") === undefined, "the delete");
    fs.writeFileSync(path.join(dir, "2025", "third.md"), content);
    await until(() => firstTitle("2026-01-03") === "Story 03v0 1", "the file under its new name");
    await settle();
    await expectSameAsFreshStart(bot, dir, [...words]);
  });

  it("one date's file renamed over another date's file: the date its title names holds it, the overwritten date is gone", async () => {
    fs.renameSync(fileOf("2026-01-03"), fileOf("2026-01-04"));
    await until(() => firstTitle("2026-01-04") === undefined, "2026-01-04 gone");
    expect(firstTitle("2026-01-03")).toBe("Story 03v0 1");
    await settle();
    await expectSameAsFreshStart(bot, dir, [...words]);
  });

  it("one date's file renamed to a date not yet used", async () => {
    fs.renameSync(fileOf("2026-01-03"), fileOf("2026-01-05"));
    const warning = `${fileOf("2026-01-05")}:1: date 2026-01-03 differs from the file name's 2026-01-05`;
    await until(() => bot.app.archive.warnings().some((w) => `${w.file}:${w.line}: ${w.message}` === warning), "the rename's warning");
    expect(firstTitle("2026-01-03")).toBe("Story 03v0 1");
    await settle();
    await expectSameAsFreshStart(bot, dir, [...words]);
  });

  it("a malformed digest saved next to good ones: one error naming its file and line, the others still answer and are searchable", async () => {
    const bad = fileOf("2026-01-05");
    fs.writeFileSync(bad, "# 2026-01-05\n\n### Early\n\nA story before any section.\n\n## News\n\n### Later\n\nzqbad body.\n");
    const message = `${bad}:3: story "Early" comes before the first section heading`;
    await until(() => bot.app.archive.problems().some((p) => p.message === message), "the problem");
    await settle();
    expect(messagesAt(bot, 50).filter((m) => m.startsWith(bad))).toEqual([`${message}; file skipped`]);
    expect((await bot.ask(`/search ${wordOf("01v0")}`)).text).toContain("Story 01v0 1");
    expect((await bot.ask("/search zqbad")).text).toBe(noMatch("zqbad"));
    await expectSameAsFreshStart(bot, dir, [...words, "zqbad"]);
    // Fixed: loaded, and the problem is gone.
    write(bad, "2026-01-05", "05v1");
    await until(() => firstTitle("2026-01-05") === "Story 05v1 1" && bot.app.archive.problems().length === 0, "the fixed file");
    await expectSameAsFreshStart(bot, dir, [...words]);
  });
});
