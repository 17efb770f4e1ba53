// `npx tsx bench/archive-reload-bench.ts [days] [--baseline DIR] [--edits N]`: what one save costs a running archive (ms from the save to its change, heap allocated), paired with another checkout in one process.
//
// Each checkout's archive watches its own copy of a synthetic archive (default 1,096 days); the edits alternate
// between them, so load swings hit both alike. Debounce 1 ms: the figure is the reload's own work (the read and
// parse of the edited file is the same in both). Heap allocated is the used heap's growth from a full collection
// before the save to the change, with a young generation big enough that no collection runs in between.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import v8 from "node:v8";
import { loadAverage, runBench } from "./bench-main.js";

const here = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(here), "..");
const FLAGS = ["--expose-gc", "--min-semi-space-size=128", "--max-semi-space-size=128"];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (typeof globalThis.gc !== "function") {
    const child = spawnSync(process.execPath, [...FLAGS, ...process.execArgv, here, ...process.argv.slice(2)], { stdio: "inherit" });
    process.exitCode = child.status ?? 1;
    return;
  }
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { baseline: { type: "string" }, edits: { type: "string", default: "15" } } });
  const days = Number(positionals[0] ?? 1096);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "archive-reload-bench-"));
  const codes: [string, string][] = [["this code", ROOT], ...(values.baseline ? [["baseline", path.resolve(values.baseline)] as [string, string]] : [])];
  try {
    const { generateSyntheticDigests } = await import("./synthetic-archive.js");
    const { digestMarkdown } = await import("./digest-markdown.js");
    const digests = generateSyntheticDigests({ samplePath: path.join(ROOT, "data/digests/2026-02-18.md"), days });
    const runs: { name: string; archive: Awaited<ReturnType<typeof import("../src/core/digest/archive.js").createArchive>>; file: string; original: string; ms: number[]; mib: number[] }[] = [];
    for (const [name, code] of codes) {
      const dir = path.join(root, name.replace(/\W/g, "-"));
      fs.mkdirSync(dir);
      for (const d of digests) fs.writeFileSync(path.join(dir, `${d.date}.md`), digestMarkdown(d));
      const { createArchive } = (await import(pathToFileURL(path.join(code, "src/core/digest/archive.ts")).href)) as typeof import("../src/core/digest/archive.js");
      const { createLogger } = (await import(pathToFileURL(path.join(code, "src/core/logger.ts")).href)) as typeof import("../src/core/logger.js");
      const archive = await createArchive({ dir, logger: createLogger({ level: "silent" }), pollMs: 0, debounceMs: 1 });
      const latest = archive.latest()!;
      const file = path.join(dir, `${latest.date}.md`);
      runs.push({ name, archive, file, original: fs.readFileSync(file, "utf8"), ms: [], mib: [] });
    }
    process.stdout.write(`${digests.length} digests; Node ${process.version}, load average ${loadAverage()}\n`);
    const edits = Number(values.edits);
    // The archive's watches and timers never keep a process alive.
    const keepAlive = setInterval(() => undefined, 1000);
    for (let i = -2; i < edits; i++) {
      for (const run of runs) {
        const seen = new Promise<void>((resolve) => {
          const off = run.archive.onChange(() => {
            off();
            resolve();
          });
        });
        globalThis.gc!();
        const heap = v8.getHeapStatistics().used_heap_size;
        const t0 = performance.now();
        fs.writeFileSync(run.file, run.original.replace("### ", `### Edit ${i} `));
        await seen;
        const ms = performance.now() - t0;
        const mib = (v8.getHeapStatistics().used_heap_size - heap) / 2 ** 20;
        // The first edits start the parser and warm the code paths: not counted.
        if (i >= 0) run.ms.push(ms), run.mib.push(mib);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    clearInterval(keepAlive);
    for (const run of runs) {
      process.stdout.write(`${run.name.padEnd(10)} save → change: median ${median(run.ms).toFixed(1)} ms (max ${Math.max(...run.ms).toFixed(1)}), heap allocated median ${median(run.mib).toFixed(2)} MiB, ${edits} edits\n`);
      fs.writeFileSync(run.file, run.original);
      await run.archive.close();
    }
    if (runs.length === 2) process.stdout.write(`ratio this/baseline: time ${(median(runs[0]!.ms) / median(runs[1]!.ms)).toFixed(2)}, heap ${(median(runs[0]!.mib) / median(runs[1]!.mib)).toFixed(2)}\n`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    process.stdout.write(`load average after: ${loadAverage()}\n`);
  }
}

runBench(main);
