// Whole-process start benchmark: `digest-bot start` (console mode) from exec to its first /search and /story answers, wall and CPU.
//
// `npx tsx bench/start-bench.ts [days] [--root DIR] [--baseline DIR] [--runs N]` (default 1096 days, 5 runs).
// Each run is a fresh `node bin/digest-bot.js start` process of the checkout (dist/ when built, as a user runs it)
// with no token set, so it starts the local console; stdin gets `/search agent`, `/story agent` and a line that is
// not a command at once. "First answer" is the moment the /search reply is on stdout, "ready" the moment both
// replies are (the third line's reply follows them), both counted from the spawn, so module loading is included.
// CPU is the process's (every thread, /proc/PID/stat) at those moments. The state is warm: the first start of each
// checkout (cold, not reported) writes its parse cache, story ids and `search-index.bin`. With `--baseline DIR`
// the same starts run from another checkout, alternately, and the replies of both are compared.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadAverage, runBench } from "./bench-main.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TICK_S = 0.01; // USER_HZ on Linux

interface StartRun {
  firstAnswerS: number;
  firstAnswerCpuS: number;
  readyS: number;
  readyCpuS: number;
  peakRssMb: number;
  /** The /search and /story replies, to compare between checkouts. */
  replies: string;
}

/** CPU seconds (user + system, all threads) and peak RSS of a live process. */
function usageOf(pid: number): { cpuS: number; peakRssMb: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuS = (Number(fields[11]) + Number(fields[12])) * TICK_S;
  const hwm = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return { cpuS: Math.round(cpuS * 100) / 100, peakRssMb: hwm ? Math.round(Number(hwm[1]) / 1024) : 0 };
}

const SEARCH_DONE = /Send \/search agent page:2/;
const NOT_COMMAND = "Commands start with /";

/** One start of the checkout at `code` on `dataDir`; resolves once both answers are in and the process has exited. */
function startOnce(code: string, digestDir: string, dataDir: string): Promise<StartRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DIGEST_DIR: digestDir, DATA_DIR: dataDir, BOT_LOCALE: "en", LOG_LEVEL: "warn" };
    const t0 = performance.now();
    const proc = spawn(process.execPath, [path.join(code, "bin/digest-bot.js"), "start"], { env, stdio: ["pipe", "pipe", "pipe"] });
    proc.stdin.end("/search agent\n/story agent\nnot a command\n");
    let out = "";
    let err = "";
    let first: { s: number; cpuS: number } | undefined;
    let ready: { s: number; cpuS: number; peakRssMb: number } | undefined;
    proc.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const s = (performance.now() - t0) / 1000;
      if (!first && SEARCH_DONE.test(out)) first = { s, cpuS: usageOf(proc.pid!).cpuS };
      if (!ready && out.includes(NOT_COMMAND)) ready = { s, ...usageOf(proc.pid!) };
    });
    proc.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
    proc.on("exit", (exitCode) => {
      if (exitCode !== 0 || !first || !ready) {
        reject(new Error(`bench: ${code} exited with ${exitCode} before answering:\n${err}\n${out.slice(-2000)}`));
        return;
      }
      const start = out.indexOf("Results for");
      resolve({
        firstAnswerS: round(first.s),
        firstAnswerCpuS: first.cpuS,
        readyS: round(ready.s),
        readyCpuS: ready.cpuS,
        peakRssMb: ready.peakRssMb,
        replies: out.slice(start, out.indexOf(NOT_COMMAND)),
      });
    });
  });
}

const round = (s: number) => Math.round(s * 100) / 100;
const range = (xs: number[], unit: string) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return `${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)} ${unit} (median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)})`;
};

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { root: { type: "string" }, baseline: { type: "string" }, runs: { type: "string", default: "5" } },
  });
  const days = Number(positionals[0] ?? 1096);
  const root = values.root ? path.resolve(values.root) : fs.mkdtempSync(path.join(os.tmpdir(), "start-bench-"));
  const digestDir = path.join(root, "digests");
  if (!fs.existsSync(path.join(digestDir, ".complete"))) {
    const { generateSyntheticDigests } = await import("./synthetic-archive.js");
    const { digestMarkdown } = await import("./digest-markdown.js");
    fs.mkdirSync(digestDir, { recursive: true });
    const digests = generateSyntheticDigests({ samplePath: path.join(ROOT, "data/digests/2026-02-18.md"), days });
    for (const d of digests) fs.writeFileSync(path.join(digestDir, `${d.date}.md`), digestMarkdown(d));
    fs.writeFileSync(path.join(digestDir, ".complete"), `${digests.length}\n`);
  }
  const codes: [string, string][] = [["this code", ROOT], ...(values.baseline ? [["baseline", path.resolve(values.baseline)] as [string, string]] : [])];
  const count = fs.readdirSync(digestDir).filter((f) => f.endsWith(".md")).length;
  process.stdout.write(`${count} digests in ${digestDir}; Node ${process.version}, load average ${loadAverage()}\n`);
  try {
    const dataDirs = new Map<string, string>();
    for (const [name, code] of codes) {
      const dataDir = path.join(root, `start-state-${path.basename(code)}`);
      dataDirs.set(name, dataDir);
      // The warm-up start (cold when the folder is new) leaves a saved index behind when it closes.
      await startOnce(code, digestDir, dataDir);
      if (!fs.existsSync(path.join(dataDir, "search-index.bin"))) throw new Error(`bench: ${name} saved no search index`);
    }
    const runs = new Map<string, StartRun[]>(codes.map(([name]) => [name, []]));
    for (let i = 0; i < Number(values.runs); i++) {
      for (const [name, code] of codes) {
        const run = await startOnce(code, digestDir, dataDirs.get(name)!);
        runs.get(name)!.push(run);
        process.stdout.write(
          `${name}, warm start ${i + 1}: first answer ${run.firstAnswerS.toFixed(2)} s (${run.firstAnswerCpuS.toFixed(2)} s CPU), ` +
            `/search and /story answered ${run.readyS.toFixed(2)} s (${run.readyCpuS.toFixed(2)} s CPU), peak RSS ${run.peakRssMb} MiB; load ${loadAverage()}\n`,
        );
      }
    }
    for (const [name, list] of runs) {
      process.stdout.write(
        `${name}: first answer ${range(list.map((r) => r.firstAnswerS), "s")}, CPU ${range(list.map((r) => r.firstAnswerCpuS), "s")}; ` +
          `both answered ${range(list.map((r) => r.readyS), "s")}, CPU ${range(list.map((r) => r.readyCpuS), "s")}\n`,
      );
    }
    if (values.baseline) {
      const same = runs.get("this code")!.every((r) => r.replies === runs.get("baseline")![0]!.replies);
      process.stdout.write(`replies identical to the baseline's: ${same ? "yes" : "NO"}\n`);
    }
  } finally {
    if (!values.root) fs.rmSync(root, { recursive: true, force: true });
    process.stdout.write(`load average after: ${loadAverage()}\n`);
  }
}

runBench(main);
