// The saved search index's temp files: a killed save's is removed, one another process (of this container or another sharing DATA_DIR) writes is never touched.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import { processStartTime } from "../../src/core/process-alive.js";
import { createStorySearch } from "../../src/core/search.js";
import { SAVED_INDEX_FILE } from "../../src/core/search/saved-index.js";
import { pidSpace, writerTag } from "../../src/core/temp-files.js";
import { createMemoryArchive, loadRelevanceDigests } from "./search-relevance-archive.js";

const logger = createLogger({ level: "silent" });
const sample = loadRelevanceDigests().find((d) => d.date === "2026-02-18")!;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "digest-search-temp-"));
  dirs.push(dir);
  return dir;
}
/** A cold start that builds and saves the index, then stops. */
async function start(options: Parameters<typeof createStorySearch>[0]) {
  const s = await createStorySearch(options);
  await s.ready;
  return s;
}

describe("saved index temp files", () => {
  it("removes the temp file a process of this container killed mid-save (kill -9) left, and keeps one a running process is writing", async () => {
    const dataDir = tempDir();
    // What `kill -9` during a save leaves: the part written, under the dead process's tag (the next start has another).
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const leftover = join(dataDir, `${SAVED_INDEX_FILE}.${writerTag(dead)}.tmp`);
    // Its pid since reused by a process started at another time.
    const reused = join(dataDir, `${SAVED_INDEX_FILE}.${pidSpace()}-${process.ppid}-1.tmp`);
    const writing = `${SAVED_INDEX_FILE}.${writerTag(process.ppid)}.tmp`;
    writeFileSync(leftover, Buffer.alloc(64 * 1024));
    writeFileSync(reused, Buffer.alloc(64 * 1024));
    writeFileSync(join(dataDir, writing), "DBSI");
    const s = await start({ archive: createMemoryArchive([sample]), dataDir, logger });
    await s.close();
    expect(readdirSync(dataDir).sort()).toEqual([SAVED_INDEX_FILE, writing]);
  });

  it("shares DATA_DIR with bots of other containers: never touches a temp file one is writing, removes one left for a day", async () => {
    const dataDir = tempDir();
    // Each container has its own pid namespace: the others' bots have the same small pids, this process's pid
    // included, or pids that run nothing here. Their temp files are being written (fresh).
    const notHere = spawnSync(process.execPath, ["-e", ""]).pid!;
    const samePid = join(dataDir, `${SAVED_INDEX_FILE}.${process.pid}.tmp`);
    const otherPid = join(dataDir, `${SAVED_INDEX_FILE}.${notHere}.tmp`);
    for (const file of [samePid, otherPid]) writeFileSync(file, `DBSI being written by another container, not pid ${process.pid}`);
    // Left by a container killed mid-save a day ago (its pid, 1, runs something here as in every container).
    const stale = join(dataDir, `${SAVED_INDEX_FILE}.1.tmp`);
    // The same, named as this version names them (another container's pid namespace in the tag).
    const otherSpace = "0".repeat(12);
    const tagged = join(dataDir, `${SAVED_INDEX_FILE}.${otherSpace}-${process.pid}-${processStartTime(process.pid)}.tmp`);
    const staleTagged = join(dataDir, `${SAVED_INDEX_FILE}.${otherSpace}-1-4242.tmp`);
    writeFileSync(tagged, "DBSI being written by another container");
    const dayAgo = new Date(Date.now() - 25 * 3600_000);
    for (const file of [stale, staleTagged]) {
      writeFileSync(file, Buffer.alloc(64 * 1024));
      utimesSync(file, dayAgo, dayAgo);
    }
    const s = await start({ archive: createMemoryArchive([sample]), dataDir, logger });
    await s.close();
    const text = (file: string) => existsSync(file) && readFileSync(file, "utf8");
    expect([samePid, otherPid].map(text)).toEqual([samePid, otherPid].map(() => `DBSI being written by another container, not pid ${process.pid}`));
    expect(text(tagged)).toBe("DBSI being written by another container");
    expect([existsSync(stale), existsSync(staleTagged)]).toEqual([false, false]);
    const again = await start({ archive: createMemoryArchive([sample]), dataDir, logger });
    expect(again.stats().source).toBe("saved");
    await again.close();
  });
});
