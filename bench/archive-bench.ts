// Archive benchmark: cold and warm start over a synthetic archive of digest files, and the event-loop stall and
// latency of one edit while running (issue 15 item 3). Run: `npx tsx bench/archive-bench.ts [days]` (default 1096).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createArchive } from "../src/core/digest/archive.js";
import { createWorkerParser } from "../src/core/digest/digest-parser.js";
import type { Digest } from "../src/core/digest/model.js";
import { openParseCache } from "../src/core/digest/parse-cache.js";
import { openStoryIdStore } from "../src/core/digest/story-id-store.js";
import { createLogger } from "../src/core/logger.js";
import { generateSyntheticDigests } from "./synthetic-archive.js";

const days = Number(process.argv[2] ?? 1096);
const logger = createLogger({ level: "silent" });

function toMarkdown(d: Digest): string {
  return `# ${d.date}\n\n${d.sections
    .map((s) => `## ${s.title}\n\n${s.stories.map((st) => `### ${st.title}\n\n${st.body}\n\n链接：${st.links.map((l) => `[${l.label}](${l.url})`).join("｜")}\n`).join("\n")}`)
    .join("\n")}`;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), "archive-bench-"));
const dir = path.join(root, "digests");
fs.mkdirSync(dir);
const digests = generateSyntheticDigests({ samplePath: "data/digests/2026-02-18.md", days });
for (const d of digests) fs.writeFileSync(path.join(dir, `${d.date}.md`), toMarkdown(d));
const stories = digests.reduce((n, d) => n + d.sections.reduce((m, s) => m + s.stories.length, 0), 0);
console.log(`${digests.length} digests, ${stories} stories`);

async function start(label: string) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = performance.now();
  const cache = await openParseCache(path.join(root, "state", "digest-cache"), logger);
  const ids = openStoryIdStore({ dir: path.join(root, "state", "story-ids"), logger });
  const archive = await createArchive({ dir, logger, cache, ids, parser: createWorkerParser({ timeLimitMs: 30_000 }), pollMs: 0 });
  const ms = performance.now() - t0;
  h.disable();
  console.log(`${label}: ${(ms / 1000).toFixed(2)} s, ${archive.dates().length} digests, longest event-loop stall ${(h.max / 1e6).toFixed(0)} ms, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  return archive;
}

await (await start("cold start (parse everything)")).close();
const archive = await start("warm start (stat only)");
const last = digests.at(-1)!;
const file = path.join(dir, `${last.date}.md`);
// The archive's watches never keep a process alive; this benchmark must stay alive while waiting for them.
const keepAlive = setInterval(() => undefined, 1000);
// The parser's worker starts in the background after a warm start (a few seconds on a busy machine under tsx);
// the edits below measure the steady state.
await new Promise((r) => setTimeout(r, 5000));
for (let i = 0; i < 5; i++) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = performance.now();
  const seen = new Promise<void>((resolve) => {
    const off = archive.onChange((c) => {
      if (c.summary?.kind === "revised") {
        off();
        resolve();
      }
    });
  });
  fs.writeFileSync(file, toMarkdown(last).replace("### ", `### Edit ${i} `));
  await seen;
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 300)); // let the background writes run while measuring
  h.disable();
  console.log(`edit ${i + 1}: visible after ${ms.toFixed(0)} ms, longest event-loop stall ${(h.max / 1e6).toFixed(0)} ms`);
}
clearInterval(keepAlive);
await archive.close();
fs.rmSync(root, { recursive: true, force: true });
