// Atomic saves (a temp file renamed over the digest) at the worst moments of a cold start: while it parses, while its outlines are recorded and swapped in, right after; /story and /search must follow, ids hold, nothing vanishes.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isOutlined, storyIdsOf } from "../../../src/core/digest/digest-outline.js";
import type { ArchiveChange } from "../../../src/core/digest/archive.js";
import { type Harness, startHarness } from "../../commands/app-harness.js";
import { expectSameAsFreshStart, until, wordOf } from "./archive-user-view.js";

/** Enough digests that the cold start's parsing and its outline recording take a while (a burst goes to the workers). */
const DATES = Array.from({ length: 24 }, (_, i) => new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));
const EDITED = ["2026-01-02", "2026-01-07", "2026-01-13"];
const SENTINEL = "2026-02-20";

let root: string;
let dir: string;
let data: string;
let bot: Harness | undefined;
/** Every change event since the start: a remove of a date only ever saved over is a digest that vanished. */
let changes: ArchiveChange[] = [];
let saves = 0;
/** The marker of each edited date's last saved version. */
const last = new Map<string, string>();
/** The search words each date's file holds now. */
const held = new Map<string, string[]>();
const words = new Set<string>();
const fileOf = (date: string) => path.join(dir, `${date}.md`);

/**
 * A digest whose first story's body carries `marker`'s word (its title now and then with a typo), whose second
 * story never changes (its id must never move), and every other version adds a third story.
 */
function versionOf(date: string, marker: string, extra = false, typo = false): string {
  return [
    `# ${date}`,
    "## News",
    // A typo fixed and made again: the story keeps its id only through the date's saved assignments.
    `### Harbour cranes ${typo ? "off" : "of"} ${date}`,
    `Body of ${wordOf(marker)}: harbour cranes idle through the long winter strike.`,
    `### Chip makers rally on ${date}`,
    "A quiet market rally led by small chip makers.",
    ...(extra ? [`### Rain over ${date}`, `Rain, said ${wordOf(`${marker} rain`)}.`] : []),
    "",
  ].join("\n\n");
}

/** Saves as editors do: the new text in a temp file beside the digest, renamed over it (hidden or JetBrains-style names). */
function saveAtomic(date: string, marker: string): void {
  const extra = ++saves % 2 === 0;
  words.add(wordOf(marker));
  if (extra) words.add(wordOf(`${marker} rain`));
  last.set(date, marker);
  held.set(date, extra ? [wordOf(marker), wordOf(`${marker} rain`)] : [wordOf(marker)]);
  const file = fileOf(date);
  const temp = saves % 3 === 0 ? `${file}___jb_tmp___` : path.join(dir, `.${path.basename(file)}.${saves}.tmp`);
  fs.writeFileSync(temp, versionOf(date, marker, extra, saves % 4 < 2));
  fs.renameSync(temp, file);
}

/** Deletes the digest and writes it again at once (an editor without atomic save, `rm` + `cp`). */
function deleteAndRecreate(date: string, marker: string): void {
  words.add(wordOf(marker));
  last.set(date, marker);
  held.set(date, [wordOf(marker)]);
  fs.rmSync(fileOf(date));
  fs.writeFileSync(fileOf(date), versionOf(date, marker));
}

/** A date's story ids, read without loading an outlined digest's stories (reading them would undo the swap being tested). */
const storyIds = (h: Harness, date: string) => storyIdsOf(h.app.archive.get(date)!).flat();
const bodyOf = (h: Harness, date: string) => h.app.archive.get(date)?.sections[0]?.stories[0]?.body ?? "";
const outlined = (h: Harness, dates: readonly string[]) => dates.every((d) => isOutlined(h.app.archive.get(d)!));

/** Waits until each edited date shows its last version and a later save elsewhere (the sentinel) shows too. */
async function settle(h: Harness): Promise<void> {
  for (const [date, marker] of last) await until(() => bodyOf(h, date).includes(wordOf(marker)), `${date} to show ${marker}`);
  const marker = `sentinel ${++saves}`;
  words.add(wordOf(marker));
  held.set(SENTINEL, [wordOf(marker)]);
  fs.writeFileSync(fileOf(SENTINEL), versionOf(SENTINEL, marker));
  await until(() => bodyOf(h, SENTINEL).includes(wordOf(marker)), "the sentinel");
}

/**
 * What a user sees after the saves: each edited date's /story answers (by the ids of the cold start) show the last
 * version, /search finds its word on that story and nothing of the versions before, no date was removed on the way,
 * and nothing was logged at warn or above.
 */
async function expectLastSaved(h: Harness, coldIds: Map<string, string[]>): Promise<void> {
  for (const [date, marker] of last) {
    const [first, second] = coldIds.get(date) as string[];
    expect(storyIds(h, date).slice(0, 2), `${date}'s ids`).toEqual([first, second]);
    expect((await h.ask(`/story ${first}`)).text).toContain(`Body of ${wordOf(marker)}`);
    expect((await h.ask(`/story ${second}`)).text).toContain("A quiet market rally led by small chip makers.");
    const found = (await h.ask(`/search ${wordOf(marker)}`)).text;
    expect(found).toMatch(new RegExp(`Harbour cranes of?f? ${date}`));
    expect(found).toContain(first as string);
  }
  const current = new Set([...held.values()].flat());
  const gone = [...words].filter((w) => !current.has(w));
  for (const word of gone) {
    expect((await h.ask(`/search ${word}`)).text, `/search ${word}`).toBe(`No story matches “${word}”.\nTry other keywords, or send /digest to browse the day's stories.`);
  }
  expect(h.app.archive.dates()).toEqual([...DATES, SENTINEL]);
  expect(changes.filter((c) => c.type === "remove").map((c) => (c.type === "remove" ? c.date : ""))).toEqual([]);
  expect(h.logs.filter((l) => (l.level as number) >= 40).map((l) => String(l.msg))).toEqual([]);
}

/** Starts the bot cold (no DATA_DIR state yet); `during` runs while it loads. Returns each date's ids as first shown. */
async function startCold(during?: () => void): Promise<{ h: Harness; coldIds: Map<string, string[]> }> {
  const starting = startHarness({ digestDir: dir, dataDir: data, watch: true, locale: "en" });
  during?.();
  const h = await starting;
  bot = h;
  changes = [];
  h.app.archive.onChange((c) => changes.push(c));
  return { h, coldIds: new Map(DATES.map((d) => [d, storyIds(h, d)])) };
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "archive-outline-swap-"));
  dir = path.join(root, "digests");
  data = path.join(root, "data");
  fs.mkdirSync(dir);
  fs.mkdirSync(data);
  last.clear();
  held.clear();
  words.clear();
  saves = 0;
  for (const date of [...DATES, SENTINEL]) fs.writeFileSync(fileOf(date), versionOf(date, `${date} v0`));
  for (const date of [...DATES, SENTINEL]) held.set(date, [wordOf(`${date} v0`)]);
  for (const date of [...DATES, SENTINEL]) words.add(wordOf(`${date} v0`));
});
afterEach(async () => {
  await bot?.close();
  bot = undefined;
  fs.rmSync(root, { recursive: true, force: true });
});

describe("atomic saves during a cold start's outline swap", () => {
  it("saved before the swap, then again and again while the other digests are swapped to their outlines", async () => {
    const { h, coldIds } = await startCold();
    // Before: nothing is outlined yet (the outlines wait for the id files to be written).
    expect(outlined(h, DATES)).toBe(false);
    let round = 0;
    const others = DATES.filter((d) => !EDITED.includes(d));
    // Saves every few ms until the other digests are swapped, and three rounds past that.
    for (let after = 0; after < 3; round++) {
      for (const date of EDITED) saveAtomic(date, `${date} r${round}`);
      await new Promise((r) => setTimeout(r, 7 + (round % 5) * 9));
      if (outlined(h, others)) after++;
    }
    await settle(h);
    await expectLastSaved(h, coldIds);
    await expectSameAsFreshStart(h, dir, [...words]);
  });

  it("saved the moment a digest's id file is written, between its outline being saved and swapped in", async () => {
    // Watched from before the start: the cold start writes the id files while it loads.
    const idsDir = path.join(data, "story-ids");
    fs.mkdirSync(idsDir, { mode: 0o700 });
    const pending = new Set(EDITED);
    let n = 0;
    const watcher = fs.watch(idsDir, (_event, name) => {
      // The id file renamed into place: its outline is being saved, and is swapped in once the cache entry is written.
      const date = EDITED.find((d) => name === `${d}.json`);
      if (date && pending.delete(date)) saveAtomic(date, `${date} at-id-write ${++n}`);
    });
    let h: Harness;
    let coldIds: Map<string, string[]>;
    try {
      ({ h, coldIds } = await startCold());
    } catch (err) {
      watcher.close();
      throw err;
    }
    try {
      await until(() => outlined(h, DATES.filter((d) => !EDITED.includes(d))), "the others' outlines");
    } finally {
      watcher.close();
    }
    expect([...pending], "dates whose id file was written before the watch").toEqual([]);
    await settle(h);
    await expectLastSaved(h, coldIds);
    await expectSameAsFreshStart(h, dir, [...words]);
  });

  it("saved right after the swap, three times in a row, then deleted and re-created right after the re-created one's swap", async () => {
    const { h, coldIds } = await startCold();
    await until(() => outlined(h, DATES), "the cold start's outlines");
    for (const round of [1, 2, 3]) for (const date of EDITED) saveAtomic(date, `${date} after ${round}`);
    await settle(h);
    await expectLastSaved(h, coldIds);
    // Delete and re-create each; once the re-created versions are swapped to their outlines (nothing reads their
    // stories meanwhile), at once again and an atomic save over that.
    const before = new Map(EDITED.map((d) => [d, h.app.archive.get(d)]));
    for (const date of EDITED) deleteAndRecreate(date, `${date} recreated`);
    await until(() => EDITED.every((d) => h.app.archive.get(d) !== before.get(d) && isOutlined(h.app.archive.get(d)!)), "the re-created digests' outlines");
    deleteAndRecreate(EDITED[0] as string, `${EDITED[0]} recreated again`);
    saveAtomic(EDITED[0] as string, `${EDITED[0]} saved over the re-created`);
    await settle(h);
    await expectLastSaved(h, coldIds);
    await expectSameAsFreshStart(h, dir, [...words]);
  });

  it("saved right after the swap together with a new folder (the watcher rescans the tree), and during a periodic rescan", async () => {
    const { h, coldIds } = await startCold();
    await until(() => outlined(h, DATES), "the cold start's outlines");
    // Outlined and never read: the rescan lets go of the old version's cache entry before anything reads its stories.
    const [first, second] = [DATES[20] as string, DATES[21] as string];
    fs.mkdirSync(path.join(dir, "2026"));
    saveAtomic(first, `${first} with a folder`);
    await settle(h);
    await expectLastSaved(h, coldIds);
    saveAtomic(second, `${second} during a rescan`);
    await h.app.archive.reload();
    await settle(h);
    await expectLastSaved(h, coldIds);
    await expectSameAsFreshStart(h, dir, [...words]);
  });

  it("saved while the cold start is still parsing, and deleted and re-created then", async () => {
    // The first parse-cache entry written: the cold start is parsing its digests (24, in the workers).
    const entries = path.join(data, "digest-cache", "entries");
    let hit = false;
    let started = false;
    const { h, coldIds } = await startCold(() => {
      const poll = setInterval(() => {
        if (!fs.existsSync(entries) || fs.readdirSync(entries).length === 0) return;
        clearInterval(poll);
        hit = !started;
        saveAtomic(EDITED[0] as string, `${EDITED[0]} during start`);
        deleteAndRecreate(EDITED[1] as string, `${EDITED[1]} during start`);
      }, 1);
    });
    started = true;
    expect(hit, "the saves landed while the cold start was loading").toBe(true);
    // The ids shown first may be of the version saved during the start: the rest must hold from here on.
    saveAtomic(EDITED[0] as string, `${EDITED[0]} right after start`);
    await settle(h);
    await expectLastSaved(h, coldIds);
    await until(() => outlined(h, DATES.filter((d) => !EDITED.includes(d))), "the others' outlines");
    saveAtomic(EDITED[1] as string, `${EDITED[1]} after the swap`);
    await settle(h);
    await expectLastSaved(h, coldIds);
    await expectSameAsFreshStart(h, dir, [...words]);
  });

  it("a warm start on the cold start's state, saved to while it serves outlines and as their stories load", async () => {
    const cold = await startCold();
    await until(() => outlined(cold.h, [...DATES, SENTINEL]), "the cold start's outlines");
    await cold.h.close();
    bot = undefined;
    const { h, coldIds } = await startCold(() => saveAtomic(EDITED[0] as string, `${EDITED[0]} during warm start`));
    expect(coldIds).toEqual(cold.coldIds);
    expect(isOutlined(h.app.archive.get(EDITED[2] as string)!)).toBe(true);
    for (const round of [1, 2]) for (const date of EDITED) saveAtomic(date, `${date} warm ${round}`);
    await settle(h);
    await expectLastSaved(h, coldIds);
    await expectSameAsFreshStart(h, dir, [...words]);
  });
});
