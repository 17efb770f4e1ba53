// Tests for `digest-bot check`: per-file summaries, warnings, file:line errors, exit codes and --json.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/cli/check.js";

const SEED = "test/fixtures/sample/2026-02-18.md";
const ENGLISH = "test/fixtures/digests/english-weekly.md";

async function check(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await run(args, {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
  });
  return { code, out, err };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "digest-check-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("digest-bot check", () => {
  it("prints date and counts per file, each warning, and exits 0 when all are valid", async () => {
    const { code, out, err } = await check(SEED, ENGLISH);
    expect(code).toBe(0);
    expect(err).toBe("");
    expect(out).toBe(
      [
        "test/fixtures/sample/2026-02-18.md: 2026-02-18, 7 sections, 29 stories, 71 links",
        "test/fixtures/digests/english-weekly.md: 2026-02-19, 2 sections, 4 stories, 6 links",
        '  test/fixtures/digests/english-weekly.md:29: warning: link "Bad one" dropped: only http(s) links are kept, got "javascript:alert(1)"',
        "2 files OK",
        "",
      ].join("\n"),
    );
  });

  it("exits 1 and prints file:line: message for each bad file, still checking the rest", async () => {
    const bad = path.join(dir, "2026-03-01.md");
    fs.writeFileSync(bad, "## A\n\n### B\n\nBody.\n\n## Empty section\n");
    const missing = path.join(dir, "missing.md");
    const { code, out, err } = await check(bad, SEED, missing);
    expect(code).toBe(1);
    expect(err).toBe(
      `${bad}:7: section "Empty section" has no stories: add story headings one level below it ("### Story")\n` +
        `${missing}:1: cannot read the file (no such file)\n`,
    );
    expect(out).toBe("test/fixtures/sample/2026-02-18.md: 2026-02-18, 7 sections, 29 stories, 71 links\n2 problems in 3 files\n");
  });

  it("reports two files with the same date, naming both", async () => {
    const copy = path.join(dir, "copy.md");
    fs.writeFileSync(copy, "---\ndate: 2026-02-18\n---\n## S\n\n### T\n\nBody.\n");
    const { code, err } = await check(SEED, copy);
    expect(code).toBe(1);
    expect(err).toBe(`${copy}:2: date 2026-02-18 is already used by ${SEED}; each digest needs its own date\n`);
  });

  it("checks every digest in a directory", async () => {
    const { code, out } = await check("test/fixtures/digests");
    expect(code).toBe(0);
    expect(out.split("\n").filter((l) => /^\S.*: \d{4}-\d{2}-\d{2}, /.test(l))).toHaveLength(3);
    expect(out).toMatch(/3 files OK\n$/);
  });

  it("--json prints the parsed digests with their warnings", async () => {
    const { code, out } = await check("--json", SEED, ENGLISH);
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as { file: string; digest: { date: string; sections: unknown[] }; warnings: unknown[] }[];
    expect(parsed.map((p) => [p.file, p.digest.date, p.digest.sections.length, p.warnings.length])).toEqual([
      [SEED, "2026-02-18", 7, 0],
      [ENGLISH, "2026-02-19", 2, 1],
    ]);
  });

  it("explains its usage when given no files", async () => {
    const { code, err } = await check();
    expect(code).toBe(2);
    expect(err).toMatch(/^digest-bot check: name at least one digest file/);
  });

  it("works through the real CLI entry point", async () => {
    const bad = path.join(dir, "2026-03-02.md");
    fs.writeFileSync(bad, "## A\n\n###\n\nBody.\n");
    const result = await promisify(execFile)("node", ["bin/digest-bot.js", "check", SEED, bad]).then(
      () => ({ code: 0, stdout: "", stderr: "" }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("test/fixtures/sample/2026-02-18.md: 2026-02-18, 7 sections, 29 stories, 71 links");
    expect(result.stderr).toBe(`${bad}:3: story heading has no title\n`);
  });
});

describe("digest-bot check --explain", () => {
  it("prints the date's source, sections → stories with lines, kinds and link counts, and what was left out", async () => {
    const { code, out } = await check("--explain", "test/fixtures/layouts/bullets-bold-2026-03-01.md");
    expect(code).toBe(0);
    expect(out).toBe(
      [
        "test/fixtures/layouts/bullets-bold-2026-03-01.md: 2026-03-01, 2 sections, 4 stories, 5 links",
        "  date 2026-03-01 from the file name",
        "      6  🎯 Products (2 stories)",
        "      8    - Acme ships Model X [list item, 1 link]",
        "     11    - Beta raises $10M [list item, 1 link]",
        "     15  Tools (2 stories)",
        "     17    - Gamma CLI 2.0 [list item, 2 links]",
        "     18    - Delta IDE [list item, 1 link]",
        "  left out:",
        '      1    "📌 Highlights": prose without links among item stories (an essay, an ad or commentary)',
        "     20    text after the last story: not part of any story (a footer or closing note)",
        "  test/fixtures/layouts/bullets-bold-2026-03-01.md:20: warning: text after the last story left out: not part of any story (a footer or closing note)",
        '  test/fixtures/layouts/bullets-bold-2026-03-01.md:1: warning: "📌 Highlights" left out: prose without links among item stories (an essay, an ad or commentary)',
        "1 file OK",
        "",
      ].join("\n"),
    );
  });
});
