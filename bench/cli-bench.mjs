#!/usr/bin/env node
// CLI start-up benchmark: median wall time of 10 runs of `digest-bot --version` and `check` on the sample digest,
// compiled (dist/, what bin/ runs after `npm install`) against the same commands run from source through tsx.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin/digest-bot.js");
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
/** The target for these commands on the 2-core development machine. */
const TARGET_MS = 500;
const CASES = [
  { name: "--version", args: ["--version"] },
  { name: "check sample", args: ["check", join(root, "data/digests/2026-02-18.md")] },
];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function time(args, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`digest-bot ${args.join(" ")} exited ${result.status}:\n${result.stderr}`);
  return ms;
}

if (!existsSync(join(root, "dist/.build-stamp"))) {
  process.stderr.write("bench:cli: dist/ is not built; run `npm run build` first\n");
  process.exit(1);
}
const baseline = median(Array.from({ length: RUNS }, () => {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, ["-e", "0"]);
  return Number(process.hrtime.bigint() - started) / 1e6;
}));
process.stdout.write(`median of ${RUNS} runs, wall ms (bare \`node -e 0\`: ${baseline.toFixed(0)} ms on this machine now)\n`);
process.stdout.write(`${"command".padEnd(16)} ${"tsx (source)".padStart(12)} ${"compiled".padStart(10)}  target\n`);
for (const c of CASES) {
  const source = median(Array.from({ length: RUNS }, () => time(c.args, { DIGEST_BOT_FROM_SOURCE: "1" })));
  const compiled = median(Array.from({ length: RUNS }, () => time(c.args, {})));
  const verdict = compiled <= TARGET_MS ? "ok" : "over";
  process.stdout.write(`${c.name.padEnd(16)} ${source.toFixed(0).padStart(12)} ${compiled.toFixed(0).padStart(10)}  ≤${TARGET_MS} ${verdict}\n`);
}
