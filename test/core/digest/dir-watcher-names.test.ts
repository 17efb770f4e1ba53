// The digest watcher names the digest files a burst of events touched, and asks for a rescan where names cannot tell (a new folder, a burst of hundreds of files).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type DirWatcher, watchDigestDir } from "../../../src/core/digest/dir-watcher.js";
import { createLogger } from "../../../src/core/logger.js";
import { guardMs } from "../../load-slack.js";

let dir: string;
let watcher: DirWatcher;
let calls: (string[] | undefined)[];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "watch-names-"));
  calls = [];
  // A long quiet time: each step below lands in one burst even on a loaded machine.
  watcher = watchDigestDir({ dir, onChange: (files) => void calls.push(files && [...files].sort()), debounceMs: 300, maxWaitMs: 10_000, logger: createLogger({ level: "silent" }) });
});
afterEach(() => {
  watcher.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function nextCall(): Promise<string[] | undefined> {
  const end = performance.now() + guardMs(5000);
  while (calls.length === 0) {
    if (performance.now() > end) throw new Error("the watcher did not call");
    await new Promise((r) => setTimeout(r, 5));
  }
  return calls.shift();
}

it("names the digest a save wrote, not the hidden temp file or the other files of the burst", async () => {
  const file = path.join(dir, "2026-03-01.md");
  fs.writeFileSync(path.join(dir, "notes.txt"), "not a digest");
  fs.writeFileSync(path.join(dir, ".2026-03-01.md.Ab12"), "# 2026-03-01\n");
  fs.renameSync(path.join(dir, ".2026-03-01.md.Ab12"), file);
  expect(await nextCall()).toEqual([file]);
  fs.rmSync(file);
  fs.writeFileSync(path.join(dir, "2026-03-02.md"), "# 2026-03-02\n");
  expect(await nextCall()).toEqual([file, path.join(dir, "2026-03-02.md")]);
});

it("asks for a rescan when a folder appears, and when a burst names more files than it keeps", async () => {
  fs.mkdirSync(path.join(dir, "2025"));
  expect(await nextCall()).toBeUndefined();
  for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(dir, `bulk-${i}.md`), "# 2025-01-01\n");
  expect(await nextCall()).toBeUndefined();
});
