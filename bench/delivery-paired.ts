// `npm run bench:delivery -- --baseline DIR [--rounds N] [scenario…]`: each scenario run alternately by this checkout and DIR's (one child process per run), compared per pair.
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { resolve } from "node:path";

/** The figures of one scenario run, read from the line a bench prints for it. */
interface RunFigures {
  fraction: number;
  seconds: number;
  violations: number;
  duplicates: number;
  lost: number;
  load: number;
}

/** Every scenario of the bench, in its order (the `pg …` ones start their own PostgreSQL server per run). */
export const PAIRED_SCENARIOS = [
  "telegram 100",
  "telegram 300",
  "telegram 1000",
  "discord 300",
  "pg telegram 1000 x1",
  "pg discord 300 x1",
  "pg telegram 1000 x3",
  "pg discord 300 x3",
];

const LINE = /^(?:PASS|FAIL) (.+?): \d+ messages in ([\d.]+) s = .*? = ([\d.]+) of \d+\/s .*?429s (\d+), duplicates (\d+), lost (\d+)/m;

/** Runs one scenario with the bench of `checkout` in a child process (its own cwd: the sample path is relative). */
function runOne(checkout: string, scenario: string): Promise<RunFigures> {
  const load = loadavg()[0]!;
  const args = ["--import", "tsx", "bench/delivery-bench.ts", scenario, ...(scenario.startsWith("pg ") ? [] : ["--no-instances"])];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: checkout, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += String(d)));
    child.stderr.on("data", (d: Buffer) => (err += String(d)));
    child.once("error", fail);
    child.once("exit", () => {
      const m = LINE.exec(out);
      if (!m) return fail(new Error(`${checkout}: no result line for "${scenario}"; output:\n${out}\n${err.slice(-2000)}`));
      done({ seconds: Number(m[2]), fraction: Number(m[3]), violations: Number(m[4]), duplicates: Number(m[5]), lost: Number(m[6]), load });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const show = (r: RunFigures) => `${r.fraction.toFixed(3)} (${r.seconds.toFixed(1)} s, 429s ${r.violations}, dup ${r.duplicates}, lost ${r.lost}, load ${r.load.toFixed(1)})`;

/**
 * Each scenario `rounds` times per checkout, this one and the baseline alternating (this first in odd rounds, the
 * baseline first in even ones) so a load that drifts weighs on both alike; prints every pair and the median ratio.
 */
export async function runPaired(baselineDir: string, only: string[], rounds: number, write: (line: string) => void): Promise<void> {
  const here = resolve(import.meta.dirname, "..");
  const base = resolve(baselineDir);
  for (const scenario of PAIRED_SCENARIOS.filter((s) => only.length === 0 || only.includes(s))) {
    const ratios: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? [here, base] : [base, here];
      const got = new Map<string, RunFigures>();
      for (const checkout of order) got.set(checkout, await runOne(checkout, scenario));
      const [mine, theirs] = [got.get(here)!, got.get(base)!];
      ratios.push(mine.fraction / theirs.fraction);
      write(`${scenario} round ${round}: this ${show(mine)} | baseline ${show(theirs)} | ratio ${(mine.fraction / theirs.fraction).toFixed(3)}`);
    }
    write(`${scenario}: median ratio this/baseline ${median(ratios).toFixed(3)} over ${rounds} pairs`);
  }
}
