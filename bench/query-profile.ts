// `tsx bench/query-profile.ts [--years N]`: each query of the bench mix at its best of several runs, slowest first — finds the slow query class.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createLogger } from "../src/core/logger.js";
import { createStorySearch } from "../src/core/search.js";
import { createMemoryArchive, loadRelevanceDigests } from "../test/core/search-relevance-archive.js";
import { QUERY_MIX } from "./bench-engines.js";
import { generateSyntheticDigests } from "./synthetic-archive.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { years: { type: "string", default: "3" }, runs: { type: "string", default: "7" } } });
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
const rows: { q: string; best: number; total: number }[] = [];
for (const q of QUERY_MIX) s.searchPage(q.query, { ...q.options, limit: 10 });
for (const q of QUERY_MIX) {
  let best = Infinity;
  let total = 0;
  for (let r = 0; r < Number(values.runs); r++) {
    const t = performance.now();
    total = s.searchPage(q.query, { ...q.options, limit: 10 }).total;
    best = Math.min(best, performance.now() - t);
  }
  rows.push({ q: `${q.query} ${q.options ? JSON.stringify(q.options) : ""}`, best, total });
}
rows.sort((a, b) => b.best - a.best);
for (const r of rows.slice(0, 25)) process.stdout.write(`${r.best.toFixed(3).padStart(8)} ms  total ${String(r.total).padStart(6)}  ${r.q}\n`);
await s.close();
rmSync(dir, { recursive: true, force: true });
