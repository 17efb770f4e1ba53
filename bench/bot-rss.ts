// Whole-process memory benchmark: RSS of a running `digest-bot start` on a 3-year archive as the day's digest arrives and is edited 100 times.
//
// `npm run bench:rss [-- --days N] [--edits N] [--gap-ms N] [--root DIR] [--baseline DIR] [--only cold|warm]
// [--node-options=…] [--node-args=…]` (defaults: 1096 days, 100 edits 700 ms apart, as a publisher saving again and again; `--only
// warm` on a `--root` kept from an earlier run skips the cold start). Each run is a fresh `node bin/digest-bot.js
// start` of the checkout (dist/, as a user runs it) with no token set, so it starts the local console, its stdin a
// pipe kept open. The first run of a checkout is cold (a new DATA_DIR: parse, build, save); the second is warm (the
// saved index and parse cache of the first). In each: RSS once answering (`/search agent` replied), after the day's
// digest is searchable, after the 100th edit is searchable, and 30 s later with nothing happening (settled). Files
// are written as editors save them (a temp file renamed over the digest). RSS is the kernel's (VmRSS, and
// smaps_rollup's anonymous / file-backed split); nothing in the bot is forced (no GC from outside).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Digest } from "../src/core/digest/model.js";
import { loadAverage, runBench } from "./bench-main.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The goal of issue #15: a running bot's RSS at 3 years after the day's digest and 100 edits. */
const GOAL_RSS_MB = 250;

interface Memory {
  rssMb: number;
  anonMb: number;
  fileMb: number;
}
interface Run {
  kind: "cold" | "warm";
  readyS: number;
  loaded: Memory;
  first: Memory;
  after: Memory;
  settled: Memory;
  peakMb: number;
  /** CPU seconds of the process (every thread) from the first edit to the last one searchable. */
  editsCpuS: number;
}

const mb = (kb: number) => Math.round(kb / 1024);
/** CPU seconds (user + system, every thread) of a live process; USER_HZ is 100 on Linux. */
function cpuOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
function memoryOf(pid: number): Memory & { peakMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
  const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const rss = field(rollup, "Rss");
  const anon = field(rollup, "Anonymous");
  return { rssMb: mb(field(status, "VmRSS")), anonMb: mb(anon), fileMb: mb(rss - anon - field(rollup, "Shmem")), peakMb: mb(field(status, "VmHWM")) };
}

/** A console bot whose replies can be awaited. */
/** `--node-options`: what the bot's node is run with (e.g. V8 flags to try), as NODE_OPTIONS. */
let nodeOptions = "";
/** `--node-args`: flags given to the bot's node itself (e.g. `--heap-growing-percent=0` for V8's default growth). */
let nodeArgs: string[] = [];

class Bot {
  private out = "";
  private err = "";
  readonly proc: ChildProcessWithoutNullStreams;
  constructor(code: string, digestDir: string, dataDir: string) {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DIGEST_DIR: digestDir, DATA_DIR: dataDir, BOT_LOCALE: "en", LOG_LEVEL: "warn", ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
    this.proc = spawn(process.execPath, [...nodeArgs, path.join(code, "bin/digest-bot.js"), "start"], { env, stdio: ["pipe", "pipe", "pipe"] });
    this.proc.stdout.on("data", (c: Buffer) => (this.out += c.toString("utf8")));
    this.proc.stderr.on("data", (c: Buffer) => (this.err += c.toString("utf8")));
  }
  /** Sends `line` and resolves with what it printed: a line that is not a command follows it, and its reply ends the answer. */
  async ask(line: string, timeoutMs = 600_000): Promise<string> {
    const from = this.out.length;
    this.proc.stdin.write(`${line}\nnot a command\n`);
    const t0 = Date.now();
    for (;;) {
      const end = this.out.indexOf(NOT_COMMAND, from);
      if (end >= 0) return this.out.slice(from, end);
      if (this.proc.exitCode !== null) throw new Error(`bench: the bot exited (${this.proc.exitCode}):\n${this.err.slice(-2000)}`);
      if (Date.now() - t0 > timeoutMs) throw new Error(`bench: no answer to ${line} in ${timeoutMs} ms:\n${this.err.slice(-2000)}`);
      await sleep(50);
    }
  }
  /** Polls `/search word` until it finds something: the change that put `word` in the archive is applied. */
  async waitSearchable(word: string): Promise<void> {
    while (!(await this.ask(`/search ${word}`)).includes("Results for")) await sleep(200);
  }
  async stop(): Promise<number | null> {
    this.proc.kill("SIGTERM");
    await new Promise((r) => this.proc.once("exit", r));
    return this.proc.exitCode;
  }
}

const NOT_COMMAND = "Commands start with /";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `text` as editors save: a temp file renamed over the digest. */
function saveFile(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

async function runOnce(kind: Run["kind"], code: string, digestDir: string, dataDir: string, day: Digest, markdown: (d: Digest) => string, edits: number, gapMs: number): Promise<Run> {
  const dayFile = path.join(digestDir, `${day.date}.md`);
  fs.rmSync(dayFile, { force: true });
  const t0 = performance.now();
  const bot = new Bot(code, digestDir, dataDir);
  try {
    await bot.waitSearchable("agent");
    const readyS = (performance.now() - t0) / 1000;
    await sleep(2000);
    const loaded = memoryOf(bot.proc.pid!);
    saveFile(dayFile, markdown(withWord(day, "Dayfirst")));
    await bot.waitSearchable("Dayfirst");
    await sleep(2000);
    const first = memoryOf(bot.proc.pid!);
    const cpuBefore = cpuOf(bot.proc.pid!);
    for (let n = 1; n <= edits; n++) {
      saveFile(dayFile, markdown(withWord(day, `Revision${n}`)));
      await sleep(gapMs);
    }
    await bot.waitSearchable(`Revision${edits}`);
    const editsCpuS = Math.round((cpuOf(bot.proc.pid!) - cpuBefore) * 100) / 100;
    await sleep(2000);
    const after = memoryOf(bot.proc.pid!);
    await sleep(30_000);
    const { peakMb, ...settled } = memoryOf(bot.proc.pid!);
    const exit = await bot.stop();
    if (exit !== 0) throw new Error(`bench: the bot exited ${exit} on SIGTERM`);
    return { kind, readyS: Math.round(readyS * 100) / 100, loaded: strip(loaded), first: strip(first), after: strip(after), settled, peakMb, editsCpuS };
  } catch (err) {
    bot.proc.kill("SIGKILL");
    throw err;
  }
}

/** A start that only answers and stops: it leaves the saved state a warm start needs (`--only warm` on a new folder). */
async function warmUp(code: string, digestDir: string, dataDir: string, day: Digest): Promise<void> {
  fs.rmSync(path.join(digestDir, `${day.date}.md`), { force: true });
  const bot = new Bot(code, digestDir, dataDir);
  await bot.waitSearchable("agent");
  await bot.stop();
}

const strip = ({ rssMb, anonMb, fileMb }: Memory): Memory => ({ rssMb, anonMb, fileMb });

/** The day's digest with `word` added to its first story (a new word each edit, so each is a real change). */
function withWord(day: Digest, word: string): Digest {
  const copy = structuredClone(day);
  const story = copy.sections[0]!.stories[0]!;
  story.text = `${story.text}修订：${word} 更新了数据。`;
  story.body = story.text;
  return copy;
}

const show = (m: Memory) => `${m.rssMb} MiB (anon ${m.anonMb}, file ${m.fileMb})`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      days: { type: "string", default: "1096" },
      edits: { type: "string", default: "100" },
      "gap-ms": { type: "string", default: "700" },
      root: { type: "string" },
      baseline: { type: "string" },
      "node-options": { type: "string", default: "" },
      "node-args": { type: "string", default: "" },
      only: { type: "string" },
    },
  });
  nodeOptions = values["node-options"];
  nodeArgs = values["node-args"].split(" ").filter(Boolean);
  const kinds = (values.only ?? "cold,warm").split(",");
  if (kinds.some((k) => k !== "cold" && k !== "warm")) throw new Error(`bench: --only takes cold, warm or both (comma-separated), not ${values.only}`);
  const days = Number(values.days);
  const { generateSyntheticDigests } = await import("./synthetic-archive.js");
  const { digestMarkdown } = await import("./digest-markdown.js");
  const samplePath = path.join(ROOT, "data/digests/2026-02-18.md");
  const root = values.root ? path.resolve(values.root) : fs.mkdtempSync(path.join(os.tmpdir(), "bot-rss-"));
  const digestDir = path.join(root, "digests");
  if (!fs.existsSync(path.join(digestDir, ".complete"))) {
    fs.mkdirSync(digestDir, { recursive: true });
    const digests = generateSyntheticDigests({ samplePath, days });
    for (const d of digests) fs.writeFileSync(path.join(digestDir, `${d.date}.md`), digestMarkdown(d));
    fs.writeFileSync(path.join(digestDir, ".complete"), `${digests.length}\n`);
  }
  // The day after the archive's last, as the day's digest would be.
  const day = generateSyntheticDigests({ samplePath, days: 1, endDate: "2026-02-18", seed: 99 })[0]!;
  const codes: [string, string][] = [["this code", ROOT], ...(values.baseline ? [["baseline", path.resolve(values.baseline)] as [string, string]] : [])];
  process.stdout.write(`${days} digests + the day's (${day.date}) in ${digestDir}; ${values.edits} edits ${values["gap-ms"]} ms apart; Node ${process.version}, load ${loadAverage()}\n`);
  const results: [string, Run][] = [];
  try {
    for (const kind of (["cold", "warm"] as const).filter((k) => kinds.includes(k))) {
      for (const [name, code] of codes) {
        const dataDir = path.join(root, `state-${name.replace(/\W/g, "-")}`);
        if (kind === "cold") fs.rmSync(dataDir, { recursive: true, force: true });
        else if (!fs.existsSync(path.join(dataDir, "search-index.bin"))) await warmUp(code, digestDir, dataDir, day);
        const run = await runOnce(kind, code, digestDir, dataDir, day, digestMarkdown, Number(values.edits), Number(values["gap-ms"]));
        results.push([name, run]);
        process.stdout.write(
          `${name}, ${kind} start (answering after ${run.readyS} s): loaded ${show(run.loaded)}; after the day's digest ${show(run.first)}; ` +
            `after ${values.edits} edits ${show(run.after)}; settled ${show(run.settled)}; peak ${run.peakMb} MiB; CPU during the edits ${run.editsCpuS} s; load ${loadAverage()}\n`,
        );
      }
    }
    for (const [name, run] of results) {
      const growth = ((run.after.rssMb - run.first.rssMb) / run.first.rssMb) * 100;
      const ok = run.after.rssMb <= GOAL_RSS_MB && growth <= 10;
      process.stdout.write(
        `${ok ? "PASS" : "FAIL"} ${name}, ${run.kind}: RSS after the day's digest and ${values.edits} edits ${run.after.rssMb} MiB (goal ≤ ${GOAL_RSS_MB}), ` +
          `growth over the edits ${growth.toFixed(1)} % (goal ≤ 10 %)\n`,
      );
    }
  } finally {
    if (!values.root) fs.rmSync(root, { recursive: true, force: true });
    process.stdout.write(`load average after: ${loadAverage()}\n`);
  }
}

runBench(main);
