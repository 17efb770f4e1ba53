// The resident bot's heap tuning: old garbage is collected before the heap grows far past what is alive.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { HEAP_GROWING_PERCENT } from "../../src/cli/resident-heap.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "resident-heap-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * A process holding ~40 MiB alive that keeps replacing a few MiB of it, as a bot whose digest is edited again and
 * again does; prints the largest heap it reached. `tune`: whether it calls tuneHeapForResidentBot first.
 */
function peakHeapMb(tune: boolean, nodeArgs: string[] = []): number {
  const script = path.join(dir, `churn-${tune}-${nodeArgs.length}.mts`);
  const module = pathToFileURL(path.join(import.meta.dirname, "../../src/cli/resident-heap.ts")).href;
  fs.writeFileSync(
    script,
    `import { tuneHeapForResidentBot } from ${JSON.stringify(module)};
${tune ? "tuneHeapForResidentBot();" : ""}
const live: unknown[] = [];
for (let i = 0; i < 300_000; i++) live.push({ a: i, b: String(i), c: [i] });
const recent: unknown[][] = [];
let peak = 0;
for (let round = 0; round < 300; round++) {
  const batch: unknown[] = [];
  for (let i = 0; i < 20_000; i++) batch.push({ a: i, b: "x" + i, c: [i, round] });
  recent.push(batch);
  if (recent.length > 3) recent.shift();
  peak = Math.max(peak, process.memoryUsage().heapTotal);
  await new Promise((r) => setImmediate(r));
}
process.stdout.write(String(Math.round(peak / 1048576)));
`,
  );
  const run = spawnSync(process.execPath, [...nodeArgs, "--import", "tsx", script], { encoding: "utf8", cwd: path.join(import.meta.dirname, "../..") });
  if (run.status !== 0) throw new Error(run.stderr);
  return Number(run.stdout);
}

describe("tuneHeapForResidentBot", () => {
  it(`keeps the heap of a process replacing its data again and again near what is alive (${HEAP_GROWING_PERCENT} % growth)`, () => {
    const untuned = peakHeapMb(false);
    const tuned = peakHeapMb(true);
    expect(tuned).toBeLessThan(untuned * 0.85);
  }, 120_000);

  it("leaves a --heap-growing-percent given to node as it is", () => {
    const own = peakHeapMb(true, ["--heap-growing-percent=300"]);
    const tuned = peakHeapMb(true);
    expect(tuned).toBeLessThan(own * 0.85);
  }, 120_000);
});
