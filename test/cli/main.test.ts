// The command line's own usage: --version, no command (exit 2), a quoted `ask` command followed by stray words (exit 2).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
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
});
