// `npx tsx bench/archive-watch-bench.ts`: how long a save takes to show in a running archive, per save style (median and worst of 5), against the 1 s promise.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createArchive } from "../src/core/digest/archive.js";
import { createLogger } from "../src/core/logger.js";
import { prepareFor, SAVE_STYLES, showsPrepared, showsRun, usesTarget } from "./save-styles.js";

const RUNS = 5;
/** The promise to the publisher: a saved change shows in `/story` within a second (median of the runs). */
const VISIBLE_WITHIN_MS = 1000;
/** A save not shown after this long counts as missed. */
const MISSED_MS = 10_000;

async function until(check: () => boolean): Promise<boolean> {
  const end = performance.now() + MISSED_MS;
  while (!check()) {
    if (performance.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), "digest-watch-bench-"));
const dir = path.join(root, "digests");
const outside = path.join(root, "outside");
fs.mkdirSync(dir);
fs.mkdirSync(outside);
// The real defaults (debounce, max wait); no periodic rescan, so only the watcher can make a change show.
const archive = await createArchive({ dir, logger: createLogger({ level: "silent" }), pollMs: 0 });
const titleOf = (date: string) => archive.get(date)?.sections[0]?.stories[0]?.title;
let broken = 0;
try {
  process.stdout.write(`load average ${os.loadavg()[0]!.toFixed(2)} on ${os.availableParallelism()} cores; ms from a save to the archive showing it, median (max) of ${RUNS}\n`);
  for (const style of SAVE_STYLES) {
    const times: number[] = [];
    for (let i = 1; i <= RUNS; i++) {
      prepareFor(style, dir, i);
      if (usesTarget(style) && !(await until(() => showsPrepared(titleOf, i)))) throw new Error(`${style.name}: the prepared file did not load`);
      const t0 = performance.now();
      const files = style.run(dir, outside, i + 100);
      times.push((await until(() => showsRun(style, titleOf, i + 100, files))) ? performance.now() - t0 : Number.POSITIVE_INFINITY);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(RUNS / 2)]!;
    const held = median < VISIBLE_WITHIN_MS;
    if (!held) broken++;
    process.stdout.write(`${style.name.padEnd(28)} ${String(Math.round(median)).padStart(6)} (${Math.round(times.at(-1)!)})${held ? "" : `  over ${VISIBLE_WITHIN_MS} ms`}\n`);
  }
} finally {
  await archive.close();
  fs.rmSync(root, { recursive: true, force: true });
}
process.exitCode = broken > 0 ? 1 : 0;
