// Property tests for the digest parser: any input either parses into a valid digest or raises DigestParseError.
import fs from "node:fs";
import fc from "fast-check";
import type { Nodes } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";
import { describe, expect, it } from "vitest";
import { DigestSchema } from "../../../src/core/digest/model.js";
import { DigestParseError, parseDigest } from "../../../src/core/digest/parse-digest.js";

const RUNS = 2000;
/** `FC_SEED=785111967 npx vitest run …` replays the run a failure reported (fast-check prints its seed). */
const FC_OPTIONS = { numRuns: RUNS, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) };

/** The parser's whole contract on hostile input: a schema-valid digest, or a DigestParseError that names a line. */
function checkOutcome(source: string, file: string): void {
  let result: ReturnType<typeof parseDigest>;
  try {
    result = parseDigest(source, file);
  } catch (err) {
    if (!(err instanceof DigestParseError)) throw err;
    expect(err.file).toBe(file);
    expect(Number.isInteger(err.line) && err.line >= 1).toBe(true);
    expect(err.line).toBeLessThanOrEqual(source.split(/\r\n?|\n/).length + 1);
    expect(err.message.startsWith(`${file}:${err.line}: `)).toBe(true);
    return;
  }
  expect(DigestSchema.safeParse(result.digest).success).toBe(true);
  const ids = result.digest.sections.flatMap((s) => s.stories.map((t) => t.id));
  expect(new Set(ids).size).toBe(ids.length);
  for (const link of result.digest.sections.flatMap((s) => s.stories.flatMap((t) => t.links))) {
    expect(link.url).toMatch(/^https?:\/\//i);
  }
  for (const w of result.warnings) expect(w.line).toBeGreaterThanOrEqual(1);
  // Bodies go to renderers as GFM Markdown (the dialect the parser reads them in): their links must be web links.
  // Plain CommonMark can read a body differently (a GFM autolink literal may swallow `[`), so renderers parse with GFM.
  for (const story of result.digest.sections.flatMap((s) => s.stories)) {
    if (!/[\]<:]/.test(story.body)) continue; // no link syntax at all; skips a costly re-parse
    const tree = fromMarkdown(story.body, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
    for (const url of linkTargets(tree)) expect(url).toMatch(/^https?:\/\//i);
  }
}

/**
 * Link targets a renderer would be handed. An address-like run of text (`press@example.com`, or `-@x.io` left by a
 * broken link) is a GFM email autolink literal, `mailto:` + its own text: no link the digest wrote, and the
 * renderers keep only http(s) targets anyway, so it is not counted.
 */
function linkTargets(node: Nodes): string[] {
  const emailLiteral = node.type === "link" && node.children.length === 1 && node.children[0]!.type === "text" && node.url === `mailto:${node.children[0]!.value}`;
  const own = (node.type === "link" && !emailLiteral) || node.type === "image" ? [node.url] : [];
  return "children" in node ? [...own, ...node.children.flatMap(linkTargets)] : own;
}

/** Pieces of digest Markdown, so random strings often look like (broken) digests. */
const FRAGMENTS = [
  "# ", "## ", "### ", "#### ", "##### ", "**", "*", "\n", "\n\n", "  \n", " ", "\u00a0", "\u3000", "\u2011", "---", "> ", " > ",
  "- ", "1. ", "相关链接：", "Links: ", "｜", "|", "·", "、", "[", "]", "(", ")", "](https://example.com/x)",
  "](javascript:alert(1))", "[a](https://a.example)", "[b][r]", "\n[r]: https://r.example\n", "标题", "Title", "body text。",
  "---\ndate: 2026-02-18\n---\n", "---\ndate: 2026-02-30\n---\n", "2026年2月18日", "2026-02-18", "<!-- c -->", "`code`", "\r\n",
  "\uFEFF", "\\", "&amp;", "<https://auto.example>", "www.example.com",
];

const markdownish = fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6 })), { maxLength: 60 }).map((parts) => parts.join(""));

// Small real digests keep thousands of runs within seconds (micromark needs ~30 ms for the whole seed).
const seed = fs.readFileSync("test/fixtures/sample/2026-02-18.md", "utf8");
const seedLines = seed.split("\n");
const seedExcerpt = (...ranges: [number, number][]): string =>
  ranges.map(([from, to]) => seedLines.slice(from - 1, to).join("\n")).join("\n");
const BASES = [
  // Section 1 (title line, story 4 with its NBSP line and `---`), then section 3's opening story: the seed's dialect in small.
  seedExcerpt([1, 1], [14, 23], [45, 49]),
  seedExcerpt([137, 142]),
  fs.readFileSync("test/fixtures/digests/english-weekly.md", "utf8"),
  fs.readFileSync("test/fixtures/digests/zh-h1-title.md", "utf8"),
  fs.readFileSync("test/fixtures/digests/2026-02-21.md", "utf8"),
];

type Mutation =
  | { kind: "delete"; at: number; length: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "dropLine"; at: number }
  | { kind: "swapLines"; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 10 })) }),
  fc.record({ kind: fc.constant("dropLine" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swapLines" as const), at: fc.nat() }),
);

function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % text.length;
  switch (m.kind) {
    case "delete":
      return text.slice(0, at) + text.slice(at + m.length);
    case "insert":
      return text.slice(0, at) + m.text + text.slice(at);
    case "dropLine":
    case "swapLines": {
      const lines = text.split("\n");
      const i = m.at % lines.length;
      if (m.kind === "dropLine") lines.splice(i, 1);
      else if (i + 1 < lines.length) [lines[i], lines[i + 1]] = [lines[i + 1] as string, lines[i] as string];
      return lines.join("\n");
    }
  }
}

describe("parseDigest properties", () => {
  it("arbitrary strings either parse or raise DigestParseError", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), markdownish), fc.constantFrom("2026-02-18.md", "notes.md"), (source, file) =>
        checkOutcome(source, file),
      ),
      FC_OPTIONS,
    );
  }, 120_000);

  it("mutated digests either parse or raise DigestParseError", () => {
    fc.assert(
      fc.property(fc.constantFrom(...BASES), fc.array(mutation, { minLength: 1, maxLength: 6 }), (base, mutations) =>
        checkOutcome(mutations.reduce(mutate, base), "2026-02-18.md"),
      ),
      FC_OPTIONS,
    );
  }, 120_000);
});
