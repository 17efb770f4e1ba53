// Archive benchmark: cold and warm start of the archive plus search to the first answer, and the event-loop stall of an edit incl. saves.
//
// `npx tsx bench/archive-bench.ts [days] [--root DIR] [--baseline DIR] [--warm-only] [--edits N]` (default 1096 days).
// Each start runs in its own process (its RSS and peak RSS are its own), as the bot does: parse cache, story-id
// store, worker parser, archive, then the search service (saved index or a build in the background). "Ready" is
// the first `/search` answered by the index (warm: loaded from `search-index.bin`); a cold start's "first
// answer" is the first search answered at all (the substring scan while the index builds), and "index ready" is
// when the build is done. `--root DIR` keeps the generated digests in DIR/digests for later runs (a 10-year
// archive takes a while to write); `--baseline DIR` runs the same starts from another checkout, alternately.
import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { loadAverage, runBench } from "./bench-main.js";

const here = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(here), "..");

interface StartReport {
  label: string;
  archiveMs: number;
  answerMs: number;
  /** CPU time of the process (every thread) from the start until the first answer. */
  answerCpuS: number;
  /** CPU time (every thread) from the start of the start (modules loaded) to the first answer. */
  startCpuS: number;
  /** Peak RSS until the first answer. */
  answerPeakRssMb: number;
  readyMs?: number;
  digests: number;
  source: string;
  stallMs: number;
  rssMb: number;
  peakRssMb: number;
  edits?: { visibleMs: number; stallMs: number; cpuTurnMs: number }[];
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

/** One start (and optionally edits) in this process, from the checkout at `code`. */
async function child(code: string, root: string, mode: "cold" | "warm", edits: number, waitForIndex: boolean): Promise<StartReport> {
  const load = (rel: string) => import(pathToFileURL(path.join(code, rel)).href);
  const { createArchive } = await load("src/core/digest/archive.ts");
  const { createWorkerParser } = await load("src/core/digest/digest-parser.ts");
  const { openParseCache } = await load("src/core/digest/parse-cache.ts");
  const { openStoryIdStore } = await load("src/core/digest/story-id-store.ts");
  const { createStorySearch } = await load("src/core/search/service.ts");
  const { createLogger } = await load("src/core/logger.ts");
  const { monitorEventLoopDelay } = await import("node:perf_hooks");
  const logger = createLogger({ level: "silent" });
  const dir = path.join(root, "digests");
  const state = path.join(root, `state-${path.basename(code)}`);
  if (mode === "cold") fs.rmSync(state, { recursive: true, force: true });
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  // CPU is counted from the same moment as time: the bench's own work before (loading modules, deleting the state
  // of the previous run, which takes seconds at 10 years) is not the start being measured.
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const cache = await openParseCache(path.join(state, "digest-cache"), logger);
  const ids = openStoryIdStore({ dir: path.join(state, "story-ids"), logger });
  const parser = createWorkerParser(process.env.BENCH_WORKERS ? { workers: Number(process.env.BENCH_WORKERS) } : {});
  const archive = await createArchive({ dir, logger, cache, ids, parser, pollMs: 0 });
  const archiveMs = performance.now() - t0;
  const search = await createStorySearch({ archive, dataDir: state, logger });
  const hits = search.searchPage("agent", { limit: 10 });
  if (hits.total === 0) throw new Error("bench: the first search found nothing");
  const answerMs = performance.now() - t0;
  const answerPeakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const cpu = process.cpuUsage(cpu0);
  const answerCpuS = Math.round((cpu.user + cpu.system) / 1e5) / 10;
  const startCpuS = Math.round((cpu.user + cpu.system) / 1e4) / 100;
  // A checkout from before 2026-12-03 booted its parser worker once the start was done, as its app did; this one
  // starts none until a file needs it.
  (parser as { warm?: () => void }).warm?.();
  if (waitForIndex) await search.ready;
  const readyMs = performance.now() - t0;
  h.disable();
  const report: StartReport = {
    label: mode,
    archiveMs: Math.round(archiveMs),
    answerMs: Math.round(answerMs),
    answerPeakRssMb,
    answerCpuS,
    startCpuS,
    ...(waitForIndex ? { readyMs: Math.round(readyMs) } : {}),
    digests: archive.dates().length,
    source: search.stats().source,
    stallMs: Math.round(h.max / 1e6),
    rssMb: mib(process.memoryUsage().rss),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  if (edits > 0) report.edits = await editLatest(archive, search, dir, edits);
  await search.close();
  await archive.close();
  return report;
}

/** Edits the newest digest `n` times; each edit waits until the archive, its caches and the search index are saved. */
async function editLatest(archive: any, search: any, dir: string, n: number) {
  const { monitorEventLoopDelay } = await import("node:perf_hooks");
  const latest = archive.latest();
  const file = archive.all().length ? path.join(dir, `${latest.date}.md`) : "";
  const original = fs.readFileSync(file, "utf8");
  const keepAlive = setInterval(() => undefined, 1000);
  // The parser's worker starts in the background after a warm start; the edits measure the steady state.
  await new Promise((r) => setTimeout(r, 3000));
  const cpuNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const out = [];
  for (let i = 0; i < n; i++) {
    const h = monitorEventLoopDelay({ resolution: 1 });
    let cpuTurn = 0;
    let last = cpuNow();
    const ticker = setInterval(() => {
      const now = cpuNow();
      cpuTurn = Math.max(cpuTurn, now - last);
      last = now;
    }, 1);
    h.enable();
    const t0 = performance.now();
    const seen = new Promise<void>((resolve) => {
      const off = archive.onChange((c: any) => {
        if (c.summary?.kind === "revised") {
          off();
          resolve();
        }
      });
    });
    fs.writeFileSync(file, original.replace("### ", `### Edit ${i} `));
    await seen;
    const visibleMs = performance.now() - t0;
    await search.settled();
    await search.flush(); // the save the debounce would run a few seconds later
    await new Promise((r) => setTimeout(r, 400)); // the parse cache and id writes run in the background
    h.disable();
    clearInterval(ticker);
    out.push({ visibleMs: Math.round(visibleMs), stallMs: Math.round(h.max / 1e6), cpuTurnMs: Math.round(cpuTurn) });
  }
  clearInterval(keepAlive);
  fs.writeFileSync(file, original);
  return out;
}

function run(args: string[]): Promise<StartReport> {
  return new Promise((resolve, reject) => {
    const proc = fork(here, ["--child", ...args], { execArgv: [...process.execArgv, "--max-old-space-size=4096"] });
    let report: StartReport | undefined;
    proc.on("message", (m) => (report = m as StartReport));
    proc.on("exit", (code) => (code === 0 && report ? resolve(report) : reject(new Error(`bench: ${args.join(" ")} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === "--child") {
    const [code, root, mode, edits, wait] = process.argv.slice(3) as [string, string, "cold" | "warm", string, string];
    const report = await child(code, root, mode, Number(edits), wait !== "answer");
    if (process.send) process.send(report);
    else process.stdout.write(`${JSON.stringify(report)}\n`); // run by hand (e.g. under --cpu-prof)
    return;
  }
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      root: { type: "string" },
      baseline: { type: "string" },
      "warm-only": { type: "boolean", default: false },
      "cold-only": { type: "boolean", default: false },
      // A cold start stops at the first answer (the search build, minutes at 10 years on a busy machine, is cancelled).
      "answer-only": { type: "boolean", default: false },
      edits: { type: "string", default: "5" },
    },
  });
  const days = Number(positionals[0] ?? 1096);
  const root = values.root ? path.resolve(values.root) : fs.mkdtempSync(path.join(os.tmpdir(), "archive-bench-"));
  const dir = path.join(root, "digests");
  if (!fs.existsSync(path.join(dir, ".complete"))) {
    const { generateSyntheticDigests } = await import("./synthetic-archive.js");
    const { digestMarkdown } = await import("./digest-markdown.js");
    fs.mkdirSync(dir, { recursive: true });
    const digests = generateSyntheticDigests({ samplePath: path.join(ROOT, "data/digests/2026-02-18.md"), days });
    for (const d of digests) fs.writeFileSync(path.join(dir, `${d.date}.md`), digestMarkdown(d));
    fs.writeFileSync(path.join(dir, ".complete"), `${digests.length}\n`);
  }
  const count = fs.readdirSync(dir).filter((f) => f.endsWith(".md")).length;
  const codes: [string, string][] = [["this code", ROOT], ...(values.baseline ? [["baseline", path.resolve(values.baseline)] as [string, string]] : [])];
  process.stdout.write(`${count} digests in ${dir}; Node ${process.version}, load average ${loadAverage()}\n`);
  const print = (name: string, r: StartReport) =>
    process.stdout.write(
      `${name}, ${r.label} start: archive ${(r.archiveMs / 1000).toFixed(2)} s, first answer ${(r.answerMs / 1000).toFixed(2)} s (${r.startCpuS} s CPU from the start; peak RSS until then ${r.answerPeakRssMb} MiB), ` +
        `${r.readyMs !== undefined ? `index ready ${(r.readyMs / 1000).toFixed(2)} s (${r.source}), ` : ""}${r.digests} digests, longest stall ${r.stallMs} ms, RSS ${r.rssMb} MiB, peak RSS ${r.peakRssMb} MiB\n` +
        (r.edits ?? []).map((e, i) => `  edit ${i + 1}: visible after ${e.visibleMs} ms, longest stall incl. saves ${e.stallMs} ms (longest turn ${e.cpuTurnMs} ms CPU)\n`).join(""),
    );
  try {
    const wait = values["answer-only"] ? "answer" : "index";
    if (!values["warm-only"]) for (const [name, code] of codes) print(name, await run([code, root, "cold", "0", wait]));
    if (values["cold-only"]) return;
    // A cold start that stopped at the first answer saved no index: one start builds and saves it first.
    if (values["answer-only"]) for (const [, code] of codes) await run([code, root, "warm", "0", "index"]);
    for (const [name, code] of codes) print(name, await run([code, root, "warm", values.edits, "index"]));
    for (const [name, code] of codes) print(name, await run([code, root, "warm", "0", "index"]));
  } finally {
    if (!values.root) fs.rmSync(root, { recursive: true, force: true });
    process.stdout.write(`load average after: ${loadAverage()}\n`);
  }
}

runBench(main);
