// `digest-bot ask` runs one command through the console path in a real child process.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const dataDir = mkdtempSync(join(tmpdir(), "digest-bot-ask-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function ask(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "ask", ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", DIGEST_BOT_ENV_FILE: "/dev/null", DIGEST_DIR: join(ROOT, "test/fixtures/sample"), DATA_DIR: dataDir, BOT_LOCALE: "zh", LOG_LEVEL: "info" },
        timeout: 30_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("digest-bot ask", () => {
  it("--json prints the reply model", async () => {
    const { code, stdout, stderr } = await ask(["/links glm-5", "--json"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const reply = JSON.parse(stdout) as { type: string; links: { label: string; url: string }[] };
    expect(reply.type).toBe("links");
    expect(reply.links[0]).toEqual({ label: "GLM‑5 技术报告 arXiv:2602.15763", url: "https://arxiv.org/abs/2602.15763" });
  });

  it("prints the text reply in the asked locale and exits 1 on an error reply", async () => {
    const { code, stdout } = await ask(["section", "体育", "--locale", "en"]);
    expect(code).toBe(1);
    expect(stdout.split("\n")[0]).toBe("There is no section called “体育”.");
  });
});
