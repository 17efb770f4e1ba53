// The search benchmark's command line: a mistyped `--only` mode is refused before the archive is generated and built.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { guardMs } from "../load-slack.js";

const ROOT = join(import.meta.dirname, "../..");

it("npm run bench -- --only edits,TYPO names the bad mode and the valid ones, exits 2, and measures nothing", async () => {
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(ROOT, "bench/search-bench.ts"), "--only", "edits,TYPO"],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "" }, timeout: guardMs(60_000) },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  expect(result).toEqual({ code: 2, stdout: "", stderr: 'bench: unknown --only mode "TYPO"; the modes are build, paired, edits (comma-separated)\n' });
});
