// Saves that leave a digest's bytes as they were (touch, an editor's save with no edit, an atomic save of the same text): a running bot logs, re-indexes and re-plans nothing; the next real edit goes through once.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ArchiveChange } from "../../../src/core/digest/archive.js";
import { LiveIndex } from "../../../src/core/search/live-index.js";
import { type Harness, startHarness } from "../../commands/app-harness.js";
import { digestOf, until } from "./archive-user-view.js";

const EDITED = "2026-01-02";
/** Edited after the saves under test: once it shows, the watcher has passed every event before it. */
const SENTINEL = "2026-01-09";
/** A digest the parser warns about (two stories with the same title): its warning is logged when it loads. */
const WARNED = "2026-01-04";
const DATES = ["2026-01-01", EDITED, "2026-01-03", WARNED, SENTINEL];
const WARNING = `:9: story title "Same title" repeats the story at line 5`;
const warnedText = `# ${WARNED}\n\n## News\n\n### Same title\n\nBody of the first one.\n\n### Same title\n\nBody of the second one.\n`;

let root: string;
let dir: string;
let bot: Harness;
let marks = 0;
/** Dates the search index re-applied (removed and added their stories again), in order. */
let indexed: string[] = [];
const fileOf = (date: string) => path.join(dir, `${date}.md`);
const firstTitle = (date: string) => bot.app.archive.get(date)?.sections[0]?.stories[0]?.title;

/** Digests whose posts the delivery engine was asked to correct (its revision entry point records one request per date). */
async function revisionRequests(): Promise<string[]> {
  return (await bot.app.storage.revisions.dueRequests("9999-12-31T00:00:00.000Z")).map((r) => r.digestDate).sort();
}

/** Log lines at info or above since line `from` (pino: 30 info, 40 warn, 50 error). */
const linesSince = (from: number): string[] => bot.logs.slice(from).filter((l) => (l.level as number) >= 30).map((l) => String(l.msg));

/** Edits the sentinel and waits until the bot shows it, has indexed it and has recorded its revision request. */
async function settle(): Promise<void> {
  const marker = `sentinel${++marks}`;
  fs.writeFileSync(fileOf(SENTINEL), digestOf(SENTINEL, marker));
  await until(() => firstTitle(SENTINEL) === `Story ${marker} 1`, `the sentinel ${marker}`);
  await bot.app.search.settled();
  await until(async () => (await revisionRequests()).includes(SENTINEL), "the sentinel's revision request");
}

/** Runs `save` on a digest's file, then settles: what an operator sees of it afterwards. */
async function afterSave(save: (file: string) => void, date = EDITED): Promise<{ lines: string[]; requests: string[]; indexed: string[] }> {
  const from = bot.logs.length;
  indexed = [];
  save(fileOf(date));
  await settle();
  return { lines: linesSince(from), requests: await revisionRequests(), indexed };
}

const touch = (file: string) => fs.utimesSync(file, new Date(), new Date());
const rewrite = (file: string) => fs.writeFileSync(file, fs.readFileSync(file));
/** An atomic save: the same text in a hidden temp file beside the digest, renamed over it. */
const renameOver = (file: string) => {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${++marks}.tmp`);
  fs.writeFileSync(temp, fs.readFileSync(file));
  fs.renameSync(temp, file);
};

/** Nothing about the edited digest: only the sentinel's revision line, index update and revision request. */
const NOTHING = { lines: [expect.stringMatching(new RegExp(`^${SENTINEL} revised: `))], requests: [SENTINEL], indexed: [SENTINEL] };

beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "archive-unchanged-"));
  dir = path.join(root, "digests");
  fs.mkdirSync(dir, { recursive: true });
  for (const date of DATES) fs.writeFileSync(fileOf(date), date === WARNED ? warnedText : digestOf(date, `${date.slice(-2)}v0`));
  const apply = LiveIndex.prototype.applySteps;
  vi.spyOn(LiveIndex.prototype, "applySteps").mockImplementation(function (this: LiveIndex, change: ArchiveChange) {
    indexed.push(change.type === "upsert" ? change.digest.date : change.date);
    return apply.call(this, change);
  });
  bot = await startHarness({ digestDir: dir, watch: true, locale: "en" });
  await bot.app.start();
});
afterEach(async () => {
  await bot.close();
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("a digest saved with its content unchanged", () => {
  it("touched: no log line, no index update, no revision", async () => {
    expect(await afterSave(touch)).toEqual(NOTHING);
  });

  it("rewritten in place with the same bytes (an editor's save with no edit): no log line, no index update, no revision", async () => {
    expect(await afterSave(rewrite)).toEqual(NOTHING);
  });

  it("saved by a rename over it of the same bytes: no log line, no index update, no revision", async () => {
    expect(await afterSave(renameOver)).toEqual(NOTHING);
  });

  it("with parse warnings, saved unchanged: its warnings are not logged again", async () => {
    const warning = `${fileOf(WARNED)}${WARNING}`;
    expect(linesSince(0).filter((l) => l.endsWith(WARNING))).toEqual([warning]);
    for (const save of [touch, rewrite, renameOver]) expect(await afterSave(save, WARNED)).toEqual(NOTHING);
    expect(linesSince(0).filter((l) => l.endsWith(WARNING))).toEqual([warning]);
    expect(bot.app.archive.warnings().map((w) => `${w.file}:${w.line}: ${w.message}`)).toEqual([warning]);
  });

  it("converted to CRLF line endings, or given a BOM (the parser reads the very same digest): no log line, no index update, no revision", async () => {
    const text = fs.readFileSync(fileOf(EDITED), "utf8");
    expect(await afterSave((file) => fs.writeFileSync(file, text.replace(/\n/g, "\r\n")))).toEqual(NOTHING);
    expect(await afterSave((file) => fs.writeFileSync(file, `\uFEFF${text}`))).toEqual(NOTHING);
    expect(await afterSave((file) => fs.writeFileSync(file, text))).toEqual(NOTHING);
  });

  it("turned bad, then saved back as it was: its problem goes, with no revision (readers only ever saw that version)", async () => {
    const original = fs.readFileSync(fileOf(EDITED));
    fs.writeFileSync(fileOf(EDITED), "no digest here");
    await until(() => bot.app.archive.problems().length === 1, "the problem");
    expect(await afterSave((file) => fs.writeFileSync(file, original))).toEqual(NOTHING);
    expect(bot.app.archive.problems()).toEqual([]);
  });

  it("three times, then edited, then changed back: each real change shows once, logged, indexed and sent for revision", async () => {
    const ids = bot.app.archive.get(EDITED)?.sections[0]?.stories.map((s) => s.id);
    const original = fs.readFileSync(fileOf(EDITED));
    const from = bot.logs.length;
    for (const save of [touch, rewrite, renameOver]) expect(await afterSave(save)).toEqual(NOTHING);
    indexed = [];
    fs.writeFileSync(fileOf(EDITED), digestOf(EDITED, "02v1"));
    await until(() => firstTitle(EDITED) === "Story 02v1 1", "the edit");
    await bot.app.search.settled();
    await until(async () => (await revisionRequests()).includes(EDITED), "the edit's revision request");
    fs.writeFileSync(fileOf(EDITED), original);
    await until(() => firstTitle(EDITED) === "Story 02v0 1", "the change back");
    await bot.app.search.settled();
    expect(linesSince(from).filter((l) => l.startsWith(`${EDITED} `))).toEqual([
      `${EDITED} revised: 2 stories changed; now 1 section, 2 stories`,
      `${EDITED} revised: 2 stories changed; now 1 section, 2 stories`,
    ]);
    expect(indexed).toEqual([EDITED, EDITED]);
    expect(bot.app.archive.get(EDITED)?.sections[0]?.stories.map((s) => s.id)).toEqual(ids);
  });

  it("whose stories only changed order: still a revision, logged as such, indexed and sent for revision", async () => {
    const [head, first, second] = fs.readFileSync(fileOf(EDITED), "utf8").split(/(?=### )/);
    const saved = await afterSave((file) => fs.writeFileSync(file, `${head}${second?.trimEnd()}\n\n${first}`));
    expect(saved).toEqual({
      lines: [`${EDITED} revised: no story changed (order, title or sections only); now 1 section, 2 stories`, expect.stringMatching(new RegExp(`^${SENTINEL} revised: `))],
      requests: [EDITED, SENTINEL],
      indexed: [EDITED, SENTINEL],
    });
  });
});
