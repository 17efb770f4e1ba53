// The command line's own usage: --version, no command (exit 2), a quoted `ask` command followed by stray words (exit 2),
// output into a pipe closed early (`| head`).
import { execFile, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURE_DIGESTS, ROOT } from "./launch.js";

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin/digest-bot.js"), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "", DIGEST_BOT_ENV_FILE: "/dev/null", DIGEST_DIR: FIXTURE_DIGESTS, DATA_DIR: join(ROOT, "test/fixtures/.no-state") }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("digest-bot", () => {
  it("--version prints the package version", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(await cli(["--version"])).toEqual({ code: 0, stdout: `digest-bot ${version}\n`, stderr: "" });
  });

  it("without a command prints the usage on stderr and exits 2", async () => {
    const { code, stdout, stderr } = await cli([]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^Usage: digest-bot <command> \[options\]\n/);
  });

  it('ask "/story sonnet" extra args is a usage error instead of joining the extras into the query', async () => {
    const { code, stdout, stderr } = await cli(["ask", "/story sonnet", "extra", "args"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      'digest-bot ask: unexpected "extra args" after the quoted command; put the whole command in one argument, e.g. digest-bot ask "/story sonnet"\n',
    );
  });

  it("check … | head: a reader closing the pipe early ends nothing but the output, and the exit code stays check's", async () => {
    // Thirty digests print ~1.3 MB of JSON, far more than a pipe holds: the write is still going when the reader leaves.
    // One more file has a bad name, so the problem report on stderr and the exit code 1 must survive the closed pipe.
    const dir = mkdtempSync(join(tmpdir(), "digest-bot-pipe-"));
    try {
      for (let day = 1; day <= 30; day++) copyFileSync(join(ROOT, "test/fixtures/sample/2026-02-18.md"), join(dir, `2026-01-${String(day).padStart(2, "0")}.md`));
      copyFileSync(join(ROOT, "test/fixtures/sample/2026-02-18.md"), join(dir, "2026-02-30.md"));
      const child = spawn(process.execPath, [join(ROOT, "bin/digest-bot.js"), "check", "--json", dir], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", DIGEST_BOT_ENV_FILE: "/dev/null" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
      child.stdout.once("data", (d: Buffer) => {
        expect(d.toString("utf8")).toMatch(/^\[\n  \{\n    "file": /);
        child.stdout.destroy(); // what `head -c 100` does after its 100 bytes
      });
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect({ code, stderr }).toEqual({ code: 1, stderr: `${join(dir, "2026-02-30.md")}:1: file name "2026-02-30.md" is not a calendar date\n` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
