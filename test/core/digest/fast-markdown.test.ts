// Tests for the fast Markdown reader: on fixtures and generated documents it gives micromark's exact tree, or none.
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readFastMarkdown } from "../../../src/core/digest/fast-markdown.js";
import { parseDigest, parseFullMarkdown } from "../../../src/core/digest/parse-digest.js";

const FIXTURES = path.resolve(__dirname, "../../fixtures");

function markdownFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return markdownFiles(full);
    return e.name.endsWith(".md") ? [full] : [];
  });
}

/** The text as parseDigest hands it to the Markdown reader (BOM cut, line endings normalised). */
const normalise = (source: string) => source.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");

/** The fast tree must be the full parser's, node for node and position for position, whenever there is one. */
function expectSameTree(text: string): boolean {
  const fast = readFastMarkdown(text);
  if (fast) expect(fast).toStrictEqual(parseFullMarkdown(text));
  return fast !== undefined;
}

describe("readFastMarkdown on the fixtures", () => {
  it("gives the full parser's tree, positions included, for every fixture it reads, and reads the plain ones", () => {
    const read: string[] = [];
    for (const file of markdownFiles(FIXTURES)) {
      if (expectSameTree(normalise(fs.readFileSync(file, "utf8")))) read.push(path.relative(FIXTURES, file));
    }
    expect(read).toEqual(expect.arrayContaining(["sample/2026-02-18.md", "plain/2026-03-05.md"]));
  });

  it("reads the plain fixture into the digest a reader sees", () => {
    const file = path.join(FIXTURES, "plain/2026-03-05.md");
    const { digest, warnings } = parseDigest(fs.readFileSync(file, "utf8"), file);
    expect(warnings).toEqual([]);
    expect(digest.title).toBe("Plain Weekly");
    expect(digest.sections.map((s) => [s.title, s.stories.map((t) => t.title)])).toEqual([
      ["模型与能力", ["Acme 发布 Model 7：推理更快、上下文更长", "Beta Labs open-sources beta-3, a 3B model"]],
      ["Agent 与工具链", ["Gamma 推出 Agent 工作台", "Delta CLI adds plan mode"]],
    ]);
    const first = digest.sections[0]?.stories[0];
    expect(first?.links.map((l) => l.url)).toEqual([
      "https://example.com/blog/model-7",
      "https://example.com/papers/model-7.pdf",
      "https://example.com/r/Model_7_(discussion)",
    ]);
    expect(first?.text).toContain("价格与上一代相同 & 支持 1M 上下文， 续行的文字和 下划线强调 一起出现，还有一个 *转义的星号*。");
  });
});

describe("readFastMarkdown on hand-picked cases", () => {
  // Delimiter and bracket cases where a reader that skipped a CommonMark rule would build another tree.
  const read = [
    "*a **b** c*", "**a*", "*a**", "***a***", "***a* b**", "_a_b_", "a_b_ c", "__a__b", "*a_b*", "**a**b", "中文**粗体**中文",
    "：**粗体**。", "**“引号”**后", "*(a)*", "[a [b](https://c) d](e)", "`` \n  **b**", "[a](https://b(c)d)",
    "[*a*](https://b)*", "*[a*](https://b)", "`*a*` *b*", "`` a`b ``", "` `", "`  `", "[a]", "[a](https://b) [c]",
    "\\*a\\* \\_", "a\\b", "&amp; &copy; &#65; &#x4e2d; &#0; &", "a  \nb", "a \nb", "a\n  **b**", "**a** \nb",
    "## a  \npara", "# \n", "> a\n>\n> b  ", " > q [x](https://y)  \n\n---  ", "---\ntitle: x\n---\n\n# t", "x ~350 ~ y",
    "😀**a**😀", "- item", "* a *", "1. item", "- a\n- b  \n  c\n\nx", " 1.  a **b**\n 2.  c\n", "* a\n  * b\n* c", "- a\n\n- b",
    "> - a\n> - b", "- > a\n- b", "- a\n# h", "- a\n  **b**", "- [a] b\n  *c*", "- a\n  [\n  *b*", "* a\n\n* **\n\n* b", "- a\n\n- - -\n\n- b", "2. x\n3. y", "**a**\u00a0b", "a\u3000**b**", "***\n***", "a\n***\nb", "# a\n> b\n# c",
  ];
  it("reads emphasis nested 150 deep as the full parser does", () => {
    expect(expectSameTree("*a ".repeat(150) + "b* ".repeat(150))).toBe(true);
  });

  it.each(read)("reads %j as the full parser does", (doc) => {
    expect(expectSameTree(doc)).toBe(true);
  });

  // Constructs outside the subset: the fast reader must decline them (the full parser then reads the document).
  const declined = [
    "- a\nlazy", "- a\n\n  b", "- [ ] task", "- a\n* b", "-\n  a", "a\n2. b", "1. a\n  \n2) b", "``` x", "[a [b](https://c) d](https://e)", ">`` \n>`alpha`", "| a | b |\n| --- | --- |", "Title\n===", "Title\n---", "<div>x</div>", "```\ncode\n```",
    "    indented", "a\tb", "[a]: https://x.y\n\n[a]", "see https://bare.example", "mail me@example.com", "www.example.com",
    "![img](https://x/y.png)", "~~del~~", "~a~", "note[^1]", "text\\\nmore", "## closed ##", "> quote\nlazy",
    "&unknown;", "[link](<https://x>)", '[link](https://x "title")', "<https://auto.example>", "a <b>html</b>",
    "[a](b c)", "[a]()", "---\nunclosed", "`a\nb`", "\uFEFF# a", "\uFEFFa",
    // A list item's paragraph opening with a label that stays open past its first line: micromark's failed
    // definition look-ahead ends the first line's text after the next line's indent (found by the generated documents).
    "- [\n  *alpha* \n\n# alpha", "1. [\n   `x`", "> - [\n>   *a*",
    // Emphasis nested 300 deep (the reader's own recursion would near the stack's limit).
    "_a ".repeat(300) + "a_ ".repeat(300),
  ];
  it.each(declined)("leaves %j to the full parser", (doc) => {
    expect(readFastMarkdown(doc)).toBeUndefined();
  });
});

// Generated documents: inline atoms and blocks of the subset, and (for the second property) constructs just outside it.
const words = fc.constantFrom("alpha", "Beta", "GPT‑5.2", "3.5", "v2", "it's", "a_b", "x*y", "foo_", "_bar", "100%", "(note)", "Q&A", "a|b", "#tag", "C++");
const han = fc.constantFrom("模型", "发布", "，", "。", "：", "“全面领先”", "（测试）", "｜", "、", "😀", "①", "\u00a0", "\u3000");
const marks = fc.constantFrom("*", "**", "***", "_", "__", "`", "``", "[", "]", "(", ")", "!", "&amp;", "&#65;", "&copy;", "\\*", "\\[", "\\", " ~350", "&", ">");
const gap = fc.constantFrom(" ", "", " ", "  ");

const inline: fc.Arbitrary<string> = fc.letrec<{ span: string }>((tie) => ({
  span: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    words,
    han,
    marks,
    tie("span").map((x) => `**${x}**`),
    tie("span").map((x) => `*${x}*`),
    tie("span").map((x) => `_${x}_`),
    words.map((x) => `\`${x}\``),
    // Link text without links (a link inside one leaves the outer brackets as text, and their URL a bare one).
    fc.tuple(words, han, fc.constantFrom("", "**", "*", "`"), words).map(([a, b, m, p]) => `[${a} ${m}${b}${m}](https://example.com/${p.replace(/[^\w.-]/g, "")}_(x))`),
    fc.array(tie("span"), { minLength: 1, maxLength: 3 }).chain((parts) => gap.map((g) => parts.join(g))),
  ),
})).span;

const line = fc.array(fc.tuple(inline, gap), { minLength: 1, maxLength: 6 }).map((parts) => parts.map(([a, g]) => a + g).join(""));
const lineEnd = fc.constantFrom("", " ", "  ");
const paragraph = fc.array(fc.tuple(line, lineEnd), { minLength: 1, maxLength: 3 }).map((ls) => ls.map(([l, e]) => l + e).join("\n"));
const heading = fc.tuple(fc.integer({ min: 1, max: 6 }), line, lineEnd).map(([d, l, e]) => `${"#".repeat(d)} ${l}${e}`);
const quote = fc.tuple(fc.constantFrom(">", "> ", " > "), fc.array(line, { minLength: 1, maxLength: 3 })).map(([p, ls]) => ls.map((l) => p + l).join("\n"));
const rule = fc.constantFrom("---", "***", "* * *", "___  ");
const marker = fc.constantFrom("- ", "* ", "+ ", "-   ", "1. ", "1) ", "3. ", "10. ");
const item = fc.tuple(marker, line, fc.array(fc.tuple(line, lineEnd), { maxLength: 2 }), fc.constantFrom("", "", "  - nested")).map(([m, first, more, sub]) => {
  const pad = " ".repeat(m.length);
  return [m + first, ...more.map(([l, e]) => pad + l + e), ...(sub ? [pad + sub] : [])].join("\n");
});
const list = fc.tuple(fc.array(item, { minLength: 1, maxLength: 4 }), fc.constantFrom("\n", "\n", "\n\n")).map(([items, j]) => {
  // Items of one list share their marker's kind, as a publisher writes them; a mixed list is tried by the near documents.
  const kind = (items[0] as string).match(/^(?:[-*+]|\d+[.)])/)?.[0].replace(/\d+/, "") ?? "-";
  return items.map((x) => x.replace(/^(?:[-*+]|\d+[.)])/, (mk) => (kind === "." || kind === ")" ? mk.replace(/[.)]/, kind) : kind))).join(j);
});
const subsetBlock = fc.oneof(paragraph, paragraph, heading, quote, rule, list);
const nearBlock = fc.oneof(
  subsetBlock,
  fc.constantFrom(
    "- item", "* item", "1. item", "| a | b |\n| --- | --- |\n| c | d |", "Title\n===", "Title\n---", "<div>x</div>", "```\ncode\n```",
    "    indented", "\ttab", "[a]: https://x.y", "https://bare.example", "mail@example.com", "www.example.com", "![i](https://x/y.png)",
    "~~del~~", "~a~", "a ~b~ c", "[^1]", "text\\\nmore", "## closed ##", "> quote\nlazy", "> > nested", "&unknown;", "&#0;",
    "[l](<https://x>)", '[l](https://x "t")', "<https://auto>", "a <b>html</b>", "[a](b c)", "lazy\n  indented  \n",
    "- a\nlazy", "- a\n\n  b", "- [ ] task", "- a\n* b", "-\n  a", "2. a", "- a\n    - deep", "1. a\n\n2. b", "- a\n> q",
  ),
);
const frontMatter = fc.constantFrom("", "", "---\ntitle: x\n---\n", "---\n---\n", "---\ndate: 2026-03-05\n\n---\n\n");
const joiner = fc.constantFrom("\n\n", "\n\n", "\n", "\n \n");
const document = (block: fc.Arbitrary<string>) =>
  fc.tuple(frontMatter, fc.array(fc.tuple(block, joiner), { minLength: 1, maxLength: 6 }), fc.constantFrom("", "\n", "  \n"))
    .map(([fm, blocks, end]) => fm + blocks.map(([b, j]) => b + j).join("").trimEnd() + end);

describe("readFastMarkdown on generated documents", () => {
  it("agrees with the full parser on documents of the subset, and reads most of them", () => {
    let fast = 0;
    let total = 0;
    fc.assert(
      fc.property(document(subsetBlock), (doc) => {
        total++;
        if (expectSameTree(doc)) fast++;
      }),
      { numRuns: 600 },
    );
    expect(fast / total).toBeGreaterThan(0.5);
  });

  it("agrees with the full parser on documents near the subset, reading some and declining others", () => {
    let fast = 0;
    let total = 0;
    fc.assert(
      fc.property(document(nearBlock), (doc) => {
        total++;
        if (expectSameTree(doc)) fast++;
      }),
      { numRuns: 600 },
    );
    expect(fast).toBeGreaterThan(0);
    expect(fast).toBeLessThan(total);
  });
});
