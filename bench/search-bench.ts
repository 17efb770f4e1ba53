// `npm run bench`: story search over a synthetic 3-year archive — ours vs MiniSearch defaults vs a substring scan, in one run.
import { fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import MiniSearch from "minisearch";
import { createLogger } from "../src/core/logger.js";
import type { Digest } from "../src/core/digest/model.js";
import { createStorySearch, type SearchHit, type SearchOptions } from "../src/core/search.js";
import { digestToDocs, type StoryDoc } from "../src/core/search/index-options.js";
import { SAVED_INDEX_FILE } from "../src/core/search/saved-index.js";
import { SubstringScanner } from "../src/core/search/substring-scan.js";
import { matchSection } from "../src/core/section-match.js";
import { createMemoryArchive, loadRelevanceDigests, type MemoryArchive } from "../test/core/search-relevance-archive.js";
import { RELEVANCE_SET } from "../test/core/search-relevance-set.js";
import { generateSyntheticDigests } from "./synthetic-archive.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SAMPLE = join(ROOT, "data/digests/2026-02-18.md");
const logger = createLogger({ level: "silent" });

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

/** Queries timed, besides the relevance set: common words, names from the synthetic pool, typos, autocomplete. */
const EXTRA_QUERIES: { query: string; options?: SearchOptions }[] = [
  { query: "agent" }, { query: "开源" }, { query: "上下文" }, { query: "模型 发布" }, { query: "长上下文推理" },
  { query: "多模态 基准" }, { query: "gpu" }, { query: "benchmark" }, { query: "推理 成本" }, { query: "安全 评测" },
  { query: "Calotai" }, { query: "calotai 724" }, { query: "quuveado" }, { query: "papakea 平台" }, { query: "giovo" },
  { query: "calota" }, { query: "vothario 开源" }, { query: "社区 讨论 reddit" }, { query: "官方博客" }, { query: "显卡" },
  { query: "卡" }, { query: "agen", options: { prefix: true } }, { query: "开源 mo", options: { prefix: true } },
  { query: "上下文", options: { section: "模型" } }, { query: "agent", options: { from: "2025-01-01", to: "2025-03-31" } },
];
const QUERY_MIX = [...RELEVANCE_SET.map(({ query, options }) => ({ query, options })), ...EXTRA_QUERIES];

interface EngineReport {
  engine: string;
  buildMs?: number;
  saveMs?: number;
  savedBytes?: number;
  loadMs?: number;
  rssMb: number;
  heapMb: number;
  p50: number;
  p99: number;
  mean: number;
  recallBig?: number;
}

type Engine = (query: string, options: SearchOptions) => { id: string }[];

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const mb = (bytes: number) => round(bytes / 2 ** 20, 1);

function memory() {
  gc();
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapMb: mb(m.heapUsed) };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function timeQueries(engine: Engine, repetitions: number): { p50: number; p99: number; mean: number } {
  for (const q of QUERY_MIX) engine(q.query, { ...q.options, limit: 10 }); // warm-up
  const times: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    for (const q of QUERY_MIX) {
      const t = performance.now();
      engine(q.query, { ...q.options, limit: 10 });
      times.push(performance.now() - t);
    }
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { p50: round(percentile(times, 0.5), 3), p99: round(percentile(times, 0.99), 3), mean: round(mean, 3) };
}

function recallAt1(engine: Engine): number {
  return RELEVANCE_SET.filter((c) => engine(c.query, { ...c.options, limit: 1 })[0]?.id === c.want).length / RELEVANCE_SET.length;
}

/** Date/section filters for the baselines, with the same rules as ours. */
function keeper(archive: MemoryArchive, options: SearchOptions): (hit: { id: string; date: string }) => boolean {
  return (hit) => {
    if (options.date && hit.date !== options.date) return false;
    if (options.from && hit.date < options.from) return false;
    if (options.to && hit.date > options.to) return false;
    if (options.section) {
      const digest = archive.get(hit.date);
      const index = digest && matchSection(digest, options.section);
      return index !== undefined && hit.id.split("-")[1] === String(index + 1);
    }
    return true;
  };
}

function minisearchDefault(archive: MemoryArchive, index: MiniSearch<StoryDoc>): Engine {
  return (query, options) => {
    const keep = keeper(archive, options);
    return index
      .search(query)
      .map((r) => ({ id: String(r.id), date: String(r.date) }))
      .filter(keep)
      .slice(0, options.limit);
  };
}

function substringEngine(archive: MemoryArchive, scanner: SubstringScanner): Engine {
  return (query, options) => scanner.scan(archive.all(), query, keeper(archive, options)).slice(0, options.limit);
}

const MINISEARCH_DEFAULTS = { fields: ["title", "section", "text", "links"], storeFields: ["id", "date", "section", "title"] };

/** File (in the bench's temp dir) the parent writes the generated archive to, so every child indexes the same digests. */
const ARCHIVE_FILE = "synthetic-archive.json";

function bigArchive(dir: string): MemoryArchive {
  const digests = JSON.parse(readFileSync(join(dir, ARCHIVE_FILE), "utf8")) as Digest[];
  return createMemoryArchive([...digests, ...loadRelevanceDigests()]);
}

/** One engine in a fresh process, so RSS and heap are its own. */
async function child(mode: string, dir: string): Promise<EngineReport> {
  const archive = bigArchive(dir);
  const dataDir = join(dir, "state");
  memory(); // start each engine from a collected heap
  const report = (r: Omit<EngineReport, "rssMb" | "heapMb">): EngineReport => ({ ...r, ...memory() });
  if (mode === "ours-build") {
    const started = performance.now();
    const s = await createStorySearch({ archive, dataDir, logger });
    await s.ready;
    const total = performance.now() - started;
    const buildMs = s.stats().buildMs ?? 0;
    await s.close();
    return report({ engine: mode, buildMs, saveMs: round(total - buildMs, 0), savedBytes: statSync(join(dataDir, SAVED_INDEX_FILE)).size, p50: 0, p99: 0, mean: 0 });
  }
  if (mode === "ours") {
    const started = performance.now();
    const s = await createStorySearch({ archive, dataDir, logger });
    const loadMs = round(performance.now() - started, 0);
    if (s.stats().source !== "saved") throw new Error(`bench: expected the saved index to load, got ${s.stats().source}`);
    const mem = memory();
    const engine: Engine = (q, o) => s.search(q, o);
    const timing = timeQueries(engine, 20);
    return { engine: mode, loadMs, ...timing, recallBig: round(recallAt1(engine), 3), ...mem };
  }
  if (mode === "minisearch") {
    const docs = archive.all().flatMap(digestToDocs);
    let started = performance.now();
    const built = new MiniSearch<StoryDoc>(MINISEARCH_DEFAULTS);
    built.addAll(docs);
    const buildMs = round(performance.now() - started, 0);
    const json = JSON.stringify(built);
    started = performance.now();
    const index = MiniSearch.loadJSON<StoryDoc>(json, MINISEARCH_DEFAULTS);
    const loadMs = round(performance.now() - started, 0);
    const mem = memory();
    const engine = minisearchDefault(archive, index);
    return { engine: mode, buildMs, loadMs, savedBytes: Buffer.byteLength(json), ...timeQueries(engine, 20), recallBig: round(recallAt1(engine), 3), ...mem };
  }
  if (mode === "substring") {
    const scanner = new SubstringScanner();
    const started = performance.now();
    scanner.scan(archive.all(), "预热"); // normalizes and caches every story once
    const buildMs = round(performance.now() - started, 0);
    const mem = memory();
    const engine = substringEngine(archive, scanner);
    return { engine: mode, buildMs, ...timeQueries(engine, 2), recallBig: round(recallAt1(engine), 3), ...mem };
  }
  throw new Error(`bench: unknown mode ${mode}`);
}

function runChild(mode: string, dataDir: string): Promise<EngineReport> {
  return new Promise((resolveReport, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), [mode, dataDir], { execArgv: process.execArgv });
    proc.on("message", (m) => resolveReport(m as EngineReport));
    proc.on("exit", (code) => (code === 0 ? undefined : reject(new Error(`bench: ${mode} exited with ${code}`))));
  });
}

/** Recall@1 of each engine on the relevance set's own digests (sample + fixtures). */
async function smallRecall(): Promise<Record<string, number>> {
  const archive = createMemoryArchive(loadRelevanceDigests());
  const ours = await createStorySearch({ archive, logger });
  await ours.ready;
  const mini = new MiniSearch<StoryDoc>(MINISEARCH_DEFAULTS);
  mini.addAll(archive.all().flatMap(digestToDocs));
  const result = {
    ours: recallAt1((q, o) => ours.search(q, o) as SearchHit[]),
    minisearch: recallAt1(minisearchDefault(archive, mini)),
    substring: recallAt1(substringEngine(archive, new SubstringScanner())),
  };
  await ours.close();
  return result;
}

function table(reports: Record<string, EngineReport>, recall: Record<string, number>, stories: number): string {
  const sub = reports.substring!;
  const ms = (n: number | undefined) => (n === undefined ? "—" : `${n.toLocaleString("en-US")} ms`);
  const rows = [
    ["", "ours", "MiniSearch defaults", "substring scan"],
    ["build (ours: in 100-story chunks)", ms(reports["ours-build"]!.buildMs), ms(reports.minisearch!.buildMs), `${ms(sub.buildMs)} (normalize all)`],
    ["saved index size", `${mb(reports["ours-build"]!.savedBytes ?? 0)} MB`, `${mb(reports.minisearch!.savedBytes ?? 0)} MB`, "—"],
    ["start from saved index", ms(reports.ours!.loadMs), `${ms(reports.minisearch!.loadMs)} (loadJSON only)`, "—"],
    ["RSS (archive + index)", `${reports.ours!.rssMb} MB`, `${reports.minisearch!.rssMb} MB`, `${sub.rssMb} MB`],
    ["heap used", `${reports.ours!.heapMb} MB`, `${reports.minisearch!.heapMb} MB`, `${sub.heapMb} MB`],
    ["query p50", ms(reports.ours!.p50), ms(reports.minisearch!.p50), ms(sub.p50)],
    ["query p99", ms(reports.ours!.p99), ms(reports.minisearch!.p99), ms(sub.p99)],
    ["query mean", ms(reports.ours!.mean), ms(reports.minisearch!.mean), ms(sub.mean)],
    ["mean speed-up vs substring", `${round(sub.mean / reports.ours!.mean, 0)}×`, `${round(sub.mean / reports.minisearch!.mean, 0)}×`, "1×"],
    ["p50 speed-up vs substring", `${round(sub.p50 / reports.ours!.p50, 0)}×`, `${round(sub.p50 / reports.minisearch!.p50, 0)}×`, "1×"],
    ["p99 speed-up vs substring", `${round(sub.p99 / reports.ours!.p99, 0)}×`, `${round(sub.p99 / reports.minisearch!.p99, 0)}×`, "1×"],
    ["recall@1, relevance digests", String(round(recall.ours!, 3)), String(round(recall.minisearch!, 3)), String(round(recall.substring!, 3))],
    [`recall@1, inside ${stories} stories`, String(reports.ours!.recallBig), String(reports.minisearch!.recallBig), String(sub.recallBig)],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ")} |`;
  return [line(rows[0]!), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}

async function main(): Promise<void> {
  const [mode, dataDir] = process.argv.slice(2);
  if (mode && dataDir) {
    const r = await child(mode, dataDir);
    process.send?.(r);
    return;
  }
  const digests: Digest[] = generateSyntheticDigests({ samplePath: SAMPLE });
  const stories = digests.reduce((n, d) => n + d.sections.reduce((m, s) => m + s.stories.length, 0), 0);
  process.stdout.write(
    `Synthetic archive: ${digests.length} daily digests (${digests[0]!.date} … ${digests.at(-1)!.date}), ${stories} stories, plus the relevance digests.\n` +
      `Query mix: ${QUERY_MIX.length} queries (${RELEVANCE_SET.length} from the relevance set + ${EXTRA_QUERIES.length} more); ours and MiniSearch ×20, substring ×2. Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${availableParallelism()} cores.\n` +
      `Times are wall-clock; RSS/heap after a full GC with the archive and the index loaded (each engine in its own process).\n\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), "digest-bench-"));
  writeFileSync(join(dir, ARCHIVE_FILE), JSON.stringify(digests));
  try {
    const reports: Record<string, EngineReport> = {};
    for (const mode of ["ours-build", "ours", "minisearch", "substring"]) {
      process.stdout.write(`running ${mode}…\n`);
      reports[mode] = await runChild(mode, dir);
    }
    const recall = await smallRecall();
    process.stdout.write(`\n${table(reports, recall, stories)}\n\n`);
    const ours = reports.ours!;
    const checks = [
      [`query p99 ≤ 5 ms`, ours.p99 <= 5],
      [`start from saved index ≤ 2 s`, (ours.loadMs ?? Infinity) <= 2000],
      [`RSS ≤ 300 MB`, ours.rssMb <= 300],
      [`≥ 50× faster than substring per query (p50 and mean)`, reports.substring!.p50 / ours.p50 >= 50 && reports.substring!.mean / ours.mean >= 50],
      [`recall@1 ≥ 0.95`, recall.ours! >= 0.95],
    ] as const;
    for (const [name, ok] of checks) process.stdout.write(`${ok ? "PASS" : "MISS"}  ${name}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
