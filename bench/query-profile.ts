// `tsx bench/query-profile.ts [--years N] [--cold] [--after-gc] [--match TEXT]`: each query of the bench mix, slowest first — finds the query that sets the bench's p99.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createLogger } from "../src/core/logger.js";
import { createStorySearch } from "../src/core/search.js";
import { SubstringScanner } from "../src/core/search/substring-scan.js";
import { createMemoryArchive, loadRelevanceDigests } from "../test/core/search-relevance-archive.js";
import { QUERY_MIX } from "./bench-engines.js";
import { generateSyntheticDigests } from "./synthetic-archive.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// `--cold`: as the bench times them (bench-engines.ts `paired`): each query's runs in a block right after 3 substring
// scans of it (cold CPU caches), its median run kept. Otherwise warm: the best of `--runs` back-to-back runs.
// `--match`: only the queries containing TEXT, e.g. to take a CPU profile of one (`node --cpu-prof --import tsx …`).
const { values } = parseArgs({
  options: {
    years: { type: "string", default: "3" },
    runs: { type: "string", default: "7" },
    cold: { type: "boolean", default: false },
    match: { type: "string" },
    top: { type: "string", default: "25" },
    "after-gc": { type: "boolean", default: false },
  },
});
const digests = generateSyntheticDigests({ samplePath: join(ROOT, "data/digests/2026-02-18.md"), days: Math.round(Number(values.years) * 365.25) });
const archive = createMemoryArchive([...digests, ...loadRelevanceDigests()]);
const dir = mkdtempSync(join(tmpdir(), "digest-qprof-"));
mkdirSync(dir, { recursive: true });
const logger = createLogger({ level: "silent" });
await (await createStorySearch({ archive, dataDir: dir, logger })).close().catch(() => undefined);
const built = await createStorySearch({ archive, dataDir: dir, logger });
await built.ready;
await built.close();
const s = await createStorySearch({ archive, dataDir: dir, logger });
const scanner = new SubstringScanner();
scanner.scan(archive.all(), "预热");
const mix = QUERY_MIX.filter((q) => values.match === undefined || q.query.includes(values.match));
const rows: { q: string; ms: number; total: number }[] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const q of mix) s.searchPage(q.query, { ...q.options, limit: 10 });
const runs = Number(values.runs);
const times = mix.map(() => [] as number[]);
const totals = mix.map(() => 0);
// `--after-gc` (run with `node --expose-gc --import tsx`): each run right after a full collection, as a search in a
// running bot often is; a collection used to throw away the search's optimized code (see `lastQuery`, pruned-search.ts).
const gc = (globalThis as { gc?: () => void }).gc;
if (values["after-gc"] && !gc) throw new Error("query-profile: --after-gc needs node --expose-gc");
// Cold: rounds of (3 scans, 3 searches) per query, as the bench; warm: `runs` searches in a row.
for (let r = 0; r < (values.cold ? Math.max(1, Math.round(runs / 3)) : 1); r++) {
  for (const [i, q] of mix.entries()) {
    if (values.cold) for (let k = 0; k < 3; k++) scanner.scan(archive.all(), q.query).slice(0, 10);
    for (let k = 0; k < (values.cold ? 3 : runs); k++) {
      if (values["after-gc"]) gc!();
      const t = performance.now();
      totals[i] = s.searchPage(q.query, { ...q.options, limit: 10 }).total;
      times[i]!.push(performance.now() - t);
    }
  }
}
for (const [i, q] of mix.entries()) {
  rows.push({ q: `${q.query} ${q.options ? JSON.stringify(q.options) : ""}`, ms: values.cold ? median(times[i]!) : Math.min(...times[i]!), total: totals[i]! });
}
rows.sort((a, b) => b.ms - a.ms);
process.stdout.write(`${values.cold ? "median run after 3 scans (cold caches)" : `best of ${runs} runs (warm)`}${values["after-gc"] ? ", each right after a full GC" : ""}, ${mix.length} queries\n`);
for (const r of rows.slice(0, Number(values.top))) process.stdout.write(`${r.ms.toFixed(3).padStart(8)} ms  total ${String(r.total).padStart(6)}  ${r.q}\n`);
await s.close();
rmSync(dir, { recursive: true, force: true });
