// A running bot whose DATA_DIR fills up or turns read-only (a real tmpfs, mounted as root): it keeps answering as a fresh start would, says once what is wrong and how to fix it, and saves what waited once it can write again.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isOutlined } from "../../../src/core/digest/digest-outline.js";
import { type Harness, startHarness } from "../../commands/app-harness.js";
import { digestOf, expectSameAsFreshStart, until, untilAnswer, wordOf } from "./archive-user-view.js";

/** Mounting needs root (CAP_SYS_ADMIN); elsewhere these tests are skipped, saying so. */
function canMount(): boolean {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), "mount-probe-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], { stdio: "ignore" });
    execFileSync("umount", [probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}
const MOUNTABLE = canMount();
if (!MOUNTABLE) console.warn("archive-data-dir.test.ts: skipped, mounting a tmpfs needs root");

const DATES = ["2026-01-01", "2026-01-02", "2026-01-03"];
let root: string;
let dir: string;
let state: string;
let bot: Harness | undefined;
const fileOf = (date: string) => path.join(dir, `${date}.md`);
const words = [...DATES.map(wordOf), wordOf("second"), wordOf("third"), "zqnewone"];
const idsOf = (h: Harness, date: string) => h.app.archive.get(date)?.sections.flatMap((s) => s.stories.map((st) => `${st.id} ${st.title}`));

/** Fills the tmpfs until a write is refused; returns the filler's path (delete it to give the space back). */
function fill(): string {
  const filler = path.join(state, "filler");
  try {
    for (;;) fs.appendFileSync(filler, Buffer.alloc(4096));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  }
  return filler;
}

const errorsOf = (h: Harness) => h.logs.filter((l) => (l.level as number) >= 50).map((l) => String(l.msg));

beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "archive-data-dir-"));
  dir = path.join(root, "digests");
  state = path.join(root, "state");
  fs.mkdirSync(dir);
  fs.mkdirSync(state);
  if (!MOUNTABLE) return;
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", state]);
  for (const date of DATES) fs.writeFileSync(fileOf(date), digestOf(date, date));
  bot = await startHarness({ digestDir: dir, dataDir: state, watch: true, locale: "en" });
  // The cold start's outlines are written: its digests' stories are let go and read from the parse cache.
  await until(() => DATES.every((d) => isOutlined(bot!.app.archive.get(d)!)), "the cold start's outlines");
});
afterEach(async () => {
  fs.rmSync(path.join(state, "filler"), { force: true });
  for (const f of ["story-ids", "digest-cache"]) if (MOUNTABLE) spawnSync("umount", [path.join(state, f)], { stdio: "ignore" });
  try {
    await bot?.close();
  } finally {
    bot = undefined;
    if (MOUNTABLE) execFileSync("umount", [state]);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

describe.skipIf(!MOUNTABLE)("a running bot whose DATA_DIR is full", () => {
  it("shows an edit made after one whose parse the full disk could not cache, as a fresh start does", async () => {
    const h = bot as Harness;
    fill();
    // Only the section's name changes: the story ids stay (their file is not written again), the parse is new.
    fs.writeFileSync(fileOf("2026-01-02"), digestOf("2026-01-02", "2026-01-02").replace("## News", "## World"));
    await until(() => h.app.archive.get("2026-01-02")?.sections[0]?.title === "World", "the section renamed");
    // The new parse's cache entry was refused (the outline of the edit, when one is recorded, comes right after).
    await until(() => h.logs.some((l) => JSON.stringify(l).includes("ENOSPC")), "the refused write of the parse");
    fs.writeFileSync(fileOf("2026-01-02"), digestOf("2026-01-02", "second"));
    // Until the watcher passes the save on, the version shown stays readable (its stories cannot be read back from
    // a parse-cache entry the disk refused, nor from the file, which holds the new version now).
    expect((await h.ask("/digest 2026-01-02")).text).toContain("1. World (2 stories)");
    await untilAnswer(h, "/digest 2026-01-02", "Story second 1");
    await expectSameAsFreshStart(h, dir, words);
  });
});

const FULL = (dataDir: string) =>
  `DATA_DIR=${dataDir} is full (ENOSPC): story ids, the parse cache and the search index are not saved; free space on its disk — the bot keeps answering and saves them once there is room`;
const READ_ONLY = (dataDir: string) =>
  `DATA_DIR=${dataDir} is on a read-only file system (EROFS): story ids, the parse cache and the search index are not saved; remount it read-write — the bot keeps answering and saves them once it can write`;
const WRITABLE = (dataDir: string) => `DATA_DIR=${dataDir} can be written again`;

/**
 * While DATA_DIR cannot be written: a story's title reworded over the same body, then its body rewritten under the
 * new title (it keeps its id through both, which only the ids of the first edit can tell), a new story, another
 * date's edit; the bot answers as a fresh start does and logs one error. Once writes work again the ids shown are
 * saved, so a restart shows them (derived afresh from the file of before, the twice-edited story would get a new id).
 */
async function editWhileRefused(refuse: () => () => void, message: string): Promise<void> {
  const h = bot as Harness;
  const before = idsOf(h, "2026-01-02");
  const giveBack = refuse();
  const reworded = `${digestOf("2026-01-02", "2026-01-02").replace("Story 2026-01-02 1", "Story 2026-01-02 1: cranes stand idle")}\n### New one\n\nBody zqnewone.\n`;
  fs.writeFileSync(fileOf("2026-01-02"), reworded);
  await untilAnswer(h, "/search zqnewone", "New one");
  fs.writeFileSync(fileOf("2026-01-02"), reworded.replace(/Body of \w+: harbour[^\n]*/, "Body zqrewritten, all of it."));
  await untilAnswer(h, "/search zqrewritten", "Story 2026-01-02 1: cranes stand idle");
  const shown = idsOf(h, "2026-01-02");
  expect(shown?.[0]).toBe(`${before?.[0]?.split(" ")[0]} Story 2026-01-02 1: cranes stand idle`);
  fs.writeFileSync(fileOf("2026-01-03"), digestOf("2026-01-03", "third"));
  await untilAnswer(h, "/digest 2026-01-03", "Story third 1");
  await expectSameAsFreshStart(h, dir, [...words, "zqrewritten"]);
  expect(errorsOf(h)).toEqual([message]);

  giveBack();
  await until(() => h.logs.some((l) => l.msg === WRITABLE(state)), "the log saying DATA_DIR can be written again");
  await h.close();
  bot = undefined;
  const again = await startHarness({ digestDir: dir, dataDir: state, locale: "en" });
  try {
    expect(idsOf(again, "2026-01-02")).toEqual(shown);
    expect(errorsOf(again)).toEqual([]);
  } finally {
    await again.close();
  }
}

describe.skipIf(!MOUNTABLE)("a running bot whose DATA_DIR cannot be written", () => {
  it("full: keeps answering, logs one error naming DATA_DIR and the fix, and once there is room saves the ids it showed", async () => {
    await editWhileRefused(() => {
      const filler = fill();
      return () => fs.rmSync(filler);
    }, FULL(state));
  });

  // The archive's folders, bound read-only over themselves: a remount of the whole DATA_DIR is refused while the
  // state database is open for writing (a kernel's errors=remount-ro does it anyway).
  it("read-only: keeps answering, logs one error naming DATA_DIR and the fix, and once remounted read-write saves the ids it showed", async () => {
    const folders = ["story-ids", "digest-cache"].map((f) => path.join(state, f));
    await editWhileRefused(() => {
      for (const f of folders) {
        execFileSync("mount", ["--bind", f, f]);
        execFileSync("mount", ["-o", "remount,bind,ro", f]);
      }
      return () => {
        for (const f of folders) execFileSync("umount", [f]);
      };
    }, READ_ONLY(state));
  });

  it("full: a stop closes cleanly (the state database's last commits stay in its WAL)", async () => {
    fill();
    fs.writeFileSync(fileOf("2026-01-03"), digestOf("2026-01-03", "third"));
    await untilAnswer(bot as Harness, "/digest 2026-01-03", "Story third 1");
    await expect((bot as Harness).close()).resolves.toBeUndefined();
    bot = undefined;
  });
});
