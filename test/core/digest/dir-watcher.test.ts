// Every save style reaches a running archive without a restart (issue 10 item 2): one archive, 5 saves per style; how fast is bench/archive-watch-bench.ts.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareFor, SAVE_STYLES, showsPrepared, showsRun, usesTarget } from "../../../bench/save-styles.js";
import { type Archive, createArchive } from "../../../src/core/digest/archive.js";
import { createLogger } from "../../../src/core/logger.js";
import { guardMs } from "../../load-slack.js";

const RUNS = 5;
/** How long a save may take to show before it counts as missed: a guard against a lost event, stretched for the load. */
const MISSED_MS = guardMs(5000);

let root: string;
let dir: string;
let outside: string;
let archive: Archive;

const titleOf = (date: string) => archive.get(date)?.sections[0]?.stories[0]?.title;

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "digest-watch-"));
  dir = path.join(root, "digests");
  outside = path.join(root, "outside");
  fs.mkdirSync(dir);
  fs.mkdirSync(outside);
  // The real defaults (debounce, max wait); no periodic rescan, so only the watcher can make a change show.
  archive = await createArchive({ dir, logger: createLogger({ level: "silent" }), pollMs: 0 });
});

afterAll(async () => {
  await archive.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("the archive follows every save style", () => {
  for (const style of SAVE_STYLES) {
    it(`${style.name}: each of ${RUNS} saves shows in the running archive, no restart, no rescan`, async () => {
      for (let i = 1; i <= RUNS; i++) {
        prepareFor(style, dir, i);
        if (usesTarget(style)) expect(await until(() => showsPrepared(titleOf, i), MISSED_MS), "the prepared file loads").toBe(true);
        const files = style.run(dir, outside, i + 100);
        expect(await until(() => showsRun(style, titleOf, i + 100, files), MISSED_MS), `${style.name} run ${i} was not seen`).toBe(true);
      }
    });
  }
});
