// The benchmark's measurements, each run in its own child process: build, paired query timings (scorer and command path vs substring), edits.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import MiniSearch from "minisearch";
import type { Digest } from "../src/core/digest/model.js";
import { createLogger } from "../src/core/logger.js";
import type { SearchOptions } from "../src/core/search.js";
import { digestToDocs, type StoryDoc } from "../src/core/search/index-options.js";
import { SubstringScanner } from "../src/core/search/substring-scan.js";
import { matchSection } from "../src/core/section-match.js";
import { createMemoryArchive, loadRelevanceDigests, type MemoryArchive } from "../test/core/search-relevance-archive.js";
import { RELEVANCE_SET } from "../test/core/search-relevance-set.js";
import { generateSyntheticDigests } from "./synthetic-archive.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
const logger = createLogger({ level: "silent" });

/** Queries timed, besides the relevance set: common words, names from the synthetic pool, typos, autocomplete. */
const EXTRA_QUERIES: { query: string; options?: SearchOptions }[] = [
  { query: "agent" }, { query: "开源" }, { query: "上下文" }, { query: "模型 发布" }, { query: "长上下文推理" },
  { query: "多模态 基准" }, { query: "gpu" }, { query: "benchmark" }, { query: "推理 成本" }, { query: "安全 评测" },
  { query: "Calotai" }, { query: "calotai 724" }, { query: "quuveado" }, { query: "papakea 平台" }, { query: "giovo" },
  { query: "calota" }, { query: "vothario 开源" }, { query: "社区 讨论 reddit" }, { query: "官方博客" }, { query: "显卡" },
  { query: "卡" }, { query: "agen", options: { prefix: true } }, { query: "开源 mo", options: { prefix: true } },
  { query: "上下文", options: { section: "模型" } }, { query: "agent", options: { from: "2025-01-01", to: "2025-03-31" } },
];
export const QUERY_MIX = [...RELEVANCE_SET.map(({ query, options }) => ({ query, options })), ...EXTRA_QUERIES];
/** What `/search` can be asked (no ranges, no prefix), plus later pages of common words. */
const COMMAND_MIX: Record<string, unknown>[] = [
  ...QUERY_MIX.filter((q) => !q.options?.prefix && !q.options?.from).map((q) => ({
    query: q.query,
    ...(q.options?.section ? { section: q.options.section } : {}),
    ...(q.options?.date ? { date: q.options.date } : {}),
  })),
  { query: "agent", page: 2 }, { query: "开源", page: 3 }, { query: "模型", page: 2 },
];

export interface Report {
  [key: string]: number | string | undefined;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const mib = (bytes: number) => round(bytes / 2 ** 20, 1);
/**
 * Heap and RSS after a full GC, read once the process has settled: V8 gives freed pages and array buffers back
 * from background threads after a collection, so the RSS read right after `gc()` still held up to ~100 MiB that
 * went within the next second (1 year, after 50 edits: 313 MiB at once, 227 MiB a second later).
 */
async function memory() {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  gc();
  const m = process.memoryUsage();
  return { rssMb: mib(m.rss), heapMb: mib(m.heapUsed) };
}
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const summary = (times: number[]) => {
  const s = [...times].sort((a, b) => a - b);
  return { p50: round(pct(s, 0.5), 4), p99: round(pct(s, 0.99), 4) };
};

/** The implementation under test: this checkout, or another one (`--baseline DIR`, e.g. the code before a change). */
async function implementation(root: string) {
  const mod = <T>(path: string) => import(pathToFileURL(join(root, path)).href) as Promise<T>;
  const search = await mod<typeof import("../src/core/search.js")>("src/core/search.ts");
  const registry = await mod<typeof import("../src/core/command-registry.js")>("src/core/command-registry.ts");
  const discord = await mod<typeof import("../src/discord/discord-render.js")>("src/discord/discord-render.ts");
  const telegram = await mod<typeof import("../src/telegram/telegram-render.js")>("src/telegram/telegram-render.ts");
  const text = await mod<typeof import("../src/core/render-text.js")>("src/core/render-text.ts");
  const config = await mod<typeof import("../src/core/config.js")>("src/core/config.ts");
  // The bot's heap settings (`digest-bot start`), from the checkout measured: a checkout from before they existed has none.
  const heapFile = "src/cli/resident-heap.ts";
  const residentHeap = existsSync(join(root, heapFile)) ? await mod<typeof import("../src/cli/resident-heap.js")>(heapFile) : undefined;
  return { search, registry, discord, telegram, text, config, residentHeap, commandsDir: join(root, "commands") };
}

export const ARCHIVE_FILE = "synthetic-archive.json";
function bigArchive(dir: string): MemoryArchive {
  const digests = JSON.parse(readFileSync(join(dir, ARCHIVE_FILE), "utf8")) as Digest[];
  return createMemoryArchive([...digests, ...loadRelevanceDigests()]);
}

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

/** Search built from the saved index in `state` (written by `build`). */
async function openSearch(impl: Awaited<ReturnType<typeof implementation>>, archive: MemoryArchive, state: string) {
  const started = performance.now();
  const s = await impl.search.createStorySearch({ archive, dataDir: state, logger });
  const loadMs = round(performance.now() - started, 0);
  if (s.stats().source !== "saved") throw new Error(`bench: expected the saved index to load, got ${s.stats().source}`);
  return { s, loadMs };
}

/** Builds the index from scratch and saves it; heap and RSS of the process holding the built index. */
export async function build(root: string, dir: string, state: string): Promise<Report> {
  const impl = await implementation(root);
  const archive = bigArchive(dir);
  await memory();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const s = await impl.search.createStorySearch({ archive, dataDir: state, logger });
  await s.ready;
  await s.flush();
  const total = performance.now() - started;
  const cpuMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000;
  const stories = s.stats().documents;
  const mem = await memory();
  await s.close();
  const saved = statSync(join(state, "search-index.bin")).size;
  return { buildMs: s.stats().buildMs, totalMs: round(total, 0), cpuUsPerStory: round((cpuMs * 1000) / stories, 0), savedMb: mib(saved), builtRssMb: mem.rssMb, builtHeapMb: mem.heapMb };
}

/**
 * Loads the saved index and times, interleaved query by query so a busy machine slows all alike: the substring
 * scan (limit 10), our scorer (limit 10) and `/search` through the command path (command → reply → Discord,
 * Telegram and text payloads), each against a scan of the same query with the same filters.
 */
export async function paired(root: string, dir: string, state: string, rounds: number): Promise<Report> {
  const impl = await implementation(root);
  const archive = bigArchive(dir);
  await memory();
  const { s, loadMs } = await openSearch(impl, archive, state);
  const mem = await memory();
  const registry = await impl.registry.loadCommands({ dir: impl.commandsDir });
  const config = impl.config.parseConfig({});
  const services = { config, archive, search: s, delivery: {} as never, commands: () => registry.commands };
  const ctx = { locale: "zh" as const, platform: "console" as const, isAdmin: false, services, now: new Date(), logger };
  const scanner = new SubstringScanner();
  scanner.scan(archive.all(), "预热");
  const scan = (query: string, options: SearchOptions) => scanner.scan(archive.all(), query, keeper(archive, options)).slice(0, 10);
  // The same command on a substring scan (the same reply, the same three payloads rendered): what a bot that scans
  // would do for /search, so the command path's ratio compares like with like.
  const scanSearch = {
    search: (query: string, options: SearchOptions = {}) => scanner.scan(archive.all(), query, keeper(archive, options)).slice(0, options.limit),
    searchPage(query: string, options: SearchOptions & { offset?: number } = {}) {
      const hits = scanner.scan(archive.all(), query, keeper(archive, options));
      const offset = options.offset ?? 0;
      return { hits: hits.slice(offset, offset + (options.limit ?? hits.length)), total: hits.length };
    },
  };
  const scanCtx = { ...ctx, services: { ...services, search: scanSearch as unknown as typeof s } };
  const command = async (options: Record<string, unknown>, on = ctx) => {
    const reply = await impl.registry.runCommand(registry, "search", options, on);
    impl.discord.toDiscordPayload(reply, "zh");
    impl.telegram.toTelegramMessage(reply, "zh");
    impl.text.renderReplyText(reply, "zh");
    return reply;
  };
  // Each query's runs, per measurement. The scan and the scorer (or the command path) run the same number of times
  // per round, in two adjacent blocks (`inner` scans, then `inner` searches), so a busy machine slows both sides of a
  // ratio alike and no side gets more tries at a lucky run. Blocks, not alternation: a scan reads the whole archive
  // and leaves the CPU caches cold, which would make every search after it pay for the scan (4× the p50 at 10 years).
  const inner = 3;
  const runs = {
    sub: QUERY_MIX.map(() => [] as number[]), ours: QUERY_MIX.map(() => [] as number[]),
    cmdSub: COMMAND_MIX.map(() => [] as number[]), cmd: COMMAND_MIX.map(() => [] as number[]),
  };
  const timed = async (f: () => unknown) => {
    const t = performance.now();
    await f();
    return performance.now() - t;
  };
  for (const q of QUERY_MIX) s.search(q.query, { ...q.options, limit: 10 });
  for (const o of COMMAND_MIX) await command(o);
  for (const o of COMMAND_MIX) await command(o, scanCtx);
  for (let r = 0; r < rounds; r++) {
    for (const [i, q] of QUERY_MIX.entries()) {
      for (let k = 0; k < inner; k++) runs.sub[i]!.push(await timed(() => scan(q.query, q.options ?? {})));
      for (let k = 0; k < inner; k++) runs.ours[i]!.push(await timed(() => s.search(q.query, { ...q.options, limit: 10 })));
    }
    for (const [i, o] of COMMAND_MIX.entries()) {
      for (let k = 0; k < inner; k++) runs.cmdSub[i]!.push(await timed(() => command(o, scanCtx)));
      for (let k = 0; k < inner; k++) runs.cmd[i]!.push(await timed(() => command(o)));
    }
  }
  const recall = RELEVANCE_SET.filter((c) => s.search(c.query, { ...c.options, limit: 1 })[0]?.id === c.want).length / RELEVANCE_SET.length;
  // One common word, the case that used to rank every match to show 10.
  const common: number[] = [];
  for (let k = 0; k < 20; k++) common.push(await timed(() => command({ query: "agent" })));
  const agentAll = summary(common).p50;
  await s.close();
  const all = (m: number[][]) => summary(m.flat());
  /** p50 / p99 over queries of one statistic of each query's runs: its median (typical) or its fastest (best). */
  const median = (m: number[][]) => summary(m.map((t) => summary(t).p50));
  const best = (m: number[][]) => summary(m.map((t) => Math.min(...t)));
  /** The queries at the top of a median-run p99 (with 95 queries, p99 is the slowest one), slowest first, with their median run. */
  const slowest = (m: number[][], label: (i: number) => string) =>
    m.map((t, i) => ({ i, ms: summary(t).p50 })).sort((a, b) => b.ms - a.ms).slice(0, 3).map(({ i, ms }) => `${label(i)} ${round(ms, 3)} ms`).join(", ");
  const queryLabel = (i: number) => `"${QUERY_MIX[i]!.query}"${QUERY_MIX[i]!.options ? ` ${JSON.stringify(QUERY_MIX[i]!.options)}` : ""}`;
  const ratio = (a: number, b: number) => round(a / b, 0);
  const [subS, oursS, cmdS] = [all(runs.sub), all(runs.ours), all(runs.cmd)];
  const [subM, oursM, cmdSubM, cmdM] = [median(runs.sub), median(runs.ours), median(runs.cmdSub), median(runs.cmd)];
  const [subB, oursB, cmdSubB, cmdB] = [best(runs.sub), best(runs.ours), best(runs.cmdSub), best(runs.cmd)];
  return {
    loadMs,
    ...mem,
    subP50: subS.p50, subP99: subS.p99,
    oursP50: oursS.p50, oursP99: oursS.p99,
    cmdP50: cmdS.p50, cmdP99: cmdS.p99,
    medSubP50: subM.p50, medSubP99: subM.p99,
    medOursP50: oursM.p50, medOursP99: oursM.p99,
    medCmdSubP50: cmdSubM.p50, medCmdSubP99: cmdSubM.p99,
    medCmdP50: cmdM.p50, medCmdP99: cmdM.p99,
    bestSubP50: subB.p50, bestSubP99: subB.p99,
    bestOursP50: oursB.p50, bestOursP99: oursB.p99,
    bestCmdP50: cmdB.p50, bestCmdP99: cmdB.p99,
    agentCmdMs: agentAll,
    rawRatioP50: ratio(subS.p50, oursS.p50), rawRatioP99: ratio(subS.p99, oursS.p99),
    ratioP50: ratio(subM.p50, oursM.p50), ratioP99: ratio(subM.p99, oursM.p99),
    cmdRatioP50: ratio(cmdSubM.p50, cmdM.p50), cmdRatioP99: ratio(cmdSubM.p99, cmdM.p99),
    bestRatioP50: ratio(subB.p50, oursB.p50), bestRatioP99: ratio(subB.p99, oursB.p99),
    bestCmdRatioP50: ratio(cmdSubB.p50, cmdB.p50), bestCmdRatioP99: ratio(cmdSubB.p99, cmdB.p99),
    recallBig: round(recall, 3),
    slowOurs: slowest(runs.ours, queryLabel),
    slowSub: slowest(runs.sub, queryLabel),
    samples: `${inner * rounds} runs of each of ${QUERY_MIX.length} queries and ${COMMAND_MIX.length} commands, and of their scans`,
  };
}

/** CPU ms of the main thread (Linux: its schedstat, in ns), or undefined where that cannot be read. */
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
const mainThreadCpu: (() => number) | undefined = existsSync(SCHEDSTAT) ? () => Number(readFileSync(SCHEDSTAT, "latin1").split(" ", 1)[0]) / 1e6 : undefined;

/** A digest of the day after the archive, and its n-th revision (one story's text changed). */
function dayDigest(samplePath: string, after: string): Digest {
  const next = new Date(`${after}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return generateSyntheticDigests({ samplePath, days: 1, endDate: next.toISOString().slice(0, 10), seed: 99 })[0]!;
}
function revision(day: Digest, n: number): Digest {
  const copy = structuredClone(day);
  const stories = copy.sections.flatMap((s) => s.stories);
  const story = stories[n % stories.length]!;
  story.text = `${story.text}修订第${n}版：Revision${n} 更新了数据。`;
  story.body = story.text;
  return copy;
}

/**
 * The day's digest arrives, then is edited 100 times, each change saved (`flush`, as the debounce would):
 * RSS after the first and after the last, the longest event-loop stall (a 1 ms timer's worst delay, and the
 * synchronous update itself), and query times before/after. Run with the bot's heap settings
 * (`tuneHeapForResidentBot`, as `digest-bot start` sets them), but not the bot's memory: this process holds the
 * whole archive as parsed digests and reads RSS after forced full collections; `npm run bench:rss` measures a bot.
 */
export async function edits(root: string, dir: string, state: string, samplePath: string): Promise<Report> {
  const impl = await implementation(root);
  impl.residentHeap?.tuneHeapForResidentBot();
  const archive = bigArchive(dir);
  await memory();
  const { s } = await openSearch(impl, archive, state);
  const time = () => {
    const times: number[] = [];
    for (let r = 0; r < 3; r++) for (const q of QUERY_MIX) {
      const t = performance.now();
      s.search(q.query, { ...q.options, limit: 10 });
      times.push(performance.now() - t);
    }
    return summary(times);
  };
  const before = time();
  const rssLoaded = (await memory()).rssMb;
  const day = dayDigest(samplePath, archive.all().filter((d) => d.date < "2026-02-18").at(-1)!.date);
  const h = monitorEventLoopDelay({ resolution: 1 });
  let applyMax = 0;
  let applyCpuMax = 0;
  let stallMax = 0;
  // CPU time between two ticks of a 1 ms timer: the longest turn's own work, which preemption on a busy machine
  // does not inflate (wall-clock delays are reported too). The main thread's CPU where Linux tells it: the process's
  // also counts GC helper threads and the thread pool writing the file, which run beside the event loop, not in it
  // (at 10 years they made a 40 ms turn look like 250). Process CPU is reported too.
  let cpuTickMax = 0;
  let procTickMax = 0;
  let lastCpu = 0;
  let lastProc = 0;
  const procNow = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const cpuNow = mainThreadCpu ?? procNow;
  const ticker = setInterval(() => {
    const now = cpuNow();
    const proc = procNow();
    if (lastCpu > 0) {
      cpuTickMax = Math.max(cpuTickMax, now - lastCpu);
      procTickMax = Math.max(procTickMax, proc - lastProc);
    }
    lastCpu = now;
    lastProc = proc;
  }, 1);
  const change = async (digest: Digest) => {
    h.reset();
    h.enable();
    await new Promise((r) => setTimeout(r, 3));
    const t = performance.now();
    const c = cpuNow();
    archive.upsert(digest);
    applyCpuMax = Math.max(applyCpuMax, cpuNow() - c);
    applyMax = Math.max(applyMax, performance.now() - t);
    await s.flush();
    await new Promise((r) => setTimeout(r, 3));
    h.disable();
    stallMax = Math.max(stallMax, h.max / 1e6);
  };
  await change(day);
  const rssFirst = (await memory()).rssMb;
  // From the next tick on: the window from the last tick would hold the forced full GC of `memory()` (~150 ms at
  // 10 years), which no change causes.
  cpuTickMax = 0;
  procTickMax = 0;
  lastCpu = 0;
  for (let n = 1; n <= 100; n++) await change(revision(day, n));
  clearInterval(ticker);
  const { rssMb: rssAfter, heapMb: heapAfter } = await memory();
  const after = time();
  await s.close();
  return {
    rssLoaded, rssFirst, rssAfter100: rssAfter, heapAfter100: heapAfter,
    rssGrowthPct: round(((rssAfter - rssFirst) / rssFirst) * 100, 1),
    applyMaxMs: round(applyMax, 1), applyCpuMaxMs: round(applyCpuMax, 1), stallMaxMs: round(stallMax, 1), stallCpuMaxMs: round(cpuTickMax, 1), stallProcCpuMaxMs: round(procTickMax, 1),
    stallCpuOf: mainThreadCpu ? "main thread" : "process",
    heapFlags: impl.residentHeap ? `--heap-growing-percent=${impl.residentHeap.HEAP_GROWING_PERCENT}` : "V8's own",
    queryP50Before: before.p50, queryP50After: after.p50, queryP99Before: before.p99, queryP99After: after.p99,
  };
}

const MINISEARCH_DEFAULTS = { fields: ["title", "section", "text", "links"], storeFields: ["id", "date", "section", "title"] };

/** MiniSearch with default options (its own search, then our filters), timed against the substring scan. */
export async function minisearchDefaults(dir: string, rounds: number): Promise<Report> {
  const archive = bigArchive(dir);
  const index = new MiniSearch<StoryDoc>(MINISEARCH_DEFAULTS);
  let t = performance.now();
  index.addAll(archive.all().flatMap(digestToDocs));
  const buildMs = round(performance.now() - t, 0);
  const mem = await memory();
  const scanner = new SubstringScanner();
  scanner.scan(archive.all(), "预热");
  const sub: number[] = [];
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) for (const q of QUERY_MIX) {
    const keep = keeper(archive, q.options ?? {});
    t = performance.now();
    scanner.scan(archive.all(), q.query, keep).slice(0, 10);
    sub.push(performance.now() - t);
    t = performance.now();
    index.search(q.query).map((x) => ({ id: String(x.id), date: String(x.date) })).filter(keep).slice(0, 10);
    ms.push(performance.now() - t);
  }
  const recall = RELEVANCE_SET.filter((c) => index.search(c.query).map((x) => ({ id: String(x.id), date: String(x.date) })).filter(keeper(archive, c.options ?? {}))[0]?.id === c.want).length / RELEVANCE_SET.length;
  const a = summary(sub);
  const b = summary(ms);
  return { buildMs, ...mem, subP50: a.p50, subP99: a.p99, oursP50: b.p50, oursP99: b.p99, ratioP50: round(a.p50 / b.p50, 0), ratioP99: round(a.p99 / b.p99, 0), recallBig: round(recall, 3) };
}
