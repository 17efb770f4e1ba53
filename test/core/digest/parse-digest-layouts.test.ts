// Tests for layout inference: each layout and each date source, with fixtures written for these tests.
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DigestParseError, type ParsedDigest, parseDigest } from "../../../src/core/digest/parse-digest.js";

const DIR = "test/fixtures/layouts";
const MTIME = new Date("2026-03-10T23:30:00Z");
const read = (name: string): ParsedDigest => {
  const file = path.join(DIR, name);
  return parseDigest(fs.readFileSync(file, "utf8"), file, { mtime: MTIME, timeZone: "Europe/Berlin" });
};
const outline = (p: ParsedDigest): string[] =>
  p.digest.sections.map((s) => `${s.title}: ${s.stories.map((t) => `${t.title} (${t.links.length})`).join(" | ")}`);

describe("parseDigest layouts", () => {
  it("bullets with a bold title, an indented body and a mixed source line; a summary section is left out with a warning", () => {
    const p = read("bullets-bold-2026-03-01.md");
    expect(outline(p)).toEqual([
      "🎯 Products: Acme ships Model X (1) | Beta raises $10M (1)",
      "Tools: Gamma CLI 2.0 (2) | Delta IDE (1)",
    ]);
    const acme = p.digest.sections[0]?.stories[0];
    expect(acme?.text).toBe("Acme released Model X with a 1M context window and open weights.");
    expect(acme?.links).toEqual([{ label: "查看原文", url: "https://acme.example/model-x" }]);
    expect(p.digest.sections[1]?.stories[0]?.links.map((l) => l.url)).toEqual(["https://gamma.example/cli", "https://gamma.example/docs"]);
    expect(p.explain.dateSource).toBe("file name");
    expect(p.warnings.map((w) => `${w.line}: ${w.message}`)).toContain("20: text after the last story left out: not part of any story (a footer or closing note)");
  });

  it("circled (①) and bracketed ([1], （2）) numbering: bullets read as stories, numbering dropped from titles", () => {
    const p = read("circled-numbers.md");
    expect(outline(p)).toEqual(["工具: Gamma CLI 2.0 发布 (1) | Delta IDE 开源 (1)", "研究: 稀疏注意力新方法 (1) | 长上下文评测 (1)"]);
    expect(p.warnings).toEqual([]);
    const headings = parseDigest("## 研究\n\n### [1] 稀疏注意力\n\n正文\n\n### ③ 长上下文\n\n正文\n", "2026-03-12.md");
    expect(headings.digest.sections[0]?.stories.map((t) => t.title)).toEqual(["稀疏注意力", "长上下文"]);
  });

  it("N、 paragraphs with a linked or bold lead, a bare N、 before a quote; cover, essay and subscription left out", () => {
    const p = read("numbered-paragraphs.md");
    expect(outline(p)).toEqual([
      "科技动态: 小行星实验 (1) | 元宇宙网站 (2)",
      "言论: 差不多每过一个小时，你就度过了这个世纪的百万分之一。 (1)",
    ]);
    expect(p.explain.leftOut.map((l) => `${l.line} ${l.what}`)).toEqual(["5 \"封面图\"", "34 \"订阅\"", "9 \"本周话题：为什么写周刊\""]);
  });

  it("• paragraphs after a summary and a rule; the date from a Chinese H1", () => {
    const p = read("bullet-paragraphs.md");
    expect(outline(p)).toEqual(["🤖 全球AI日报 - 2026年03月02日: Alpha 发布新模型 (1) | Beta 推出平台 (1)"]);
    expect(p.digest.sections[0]?.stories[0]?.text).toBe("Alpha today released its most capable model yet. 来源: @alpha | 2小时前");
    expect(p.digest.date).toBe("2026-03-02");
  });

  it("one heading level of numbered stories, 原文链接 lines, a page footer stripped", () => {
    const p = read("one-level.md");
    expect(outline(p)).toEqual(["Hacker News 摘要 (2026-03-03): 第一篇文章的标题 (1) | 第二篇文章 (1)"]);
    expect(p.digest.sections[0]?.stories[1]?.body).toBe("第二篇的正文。");
    expect(p.warnings.map((w) => `${w.line}: ${w.message}`)).toContain("21: page footer left out: it follows the last story after a rule");
  });

  it("table rows with linked titles; status and analysis tables are not stories; the date from the folder", () => {
    const p = read("2026-03-04/index.md");
    expect(outline(p)).toEqual(["Governance: Board member joins (1) | CEO returns (1)"]);
    expect(p.digest.sections[0]?.stories[0]?.text).toBe("2026-03-01\n\nA new director.");
    expect(p.explain.dateSource).toBe("folder name");
    expect(p.digest.title).toBe("Table digest");
  });

  it("an H2 title with a template, stories with a links line written as a heading, numbering and {{ }} dropped", () => {
    const p = read("hn-links-heading.md");
    expect(outline(p)).toEqual(["AI Submissions for Thu Mar 05 2026: Tiny autodiff on the GPU (3) | Deterministic hypervisors (3)"]);
    expect(p.digest.sections[0]?.stories[0]?.body).toBe("A project teaches CUDA by building an autodiff engine.");
    expect(p.explain.dateSource).toBe("title heading (H2)");
  });

  it("one-line bullets ending in their source; the date from a Generated on line, day first", () => {
    const p = read("generated-on.md");
    expect(p.digest.date).toBe("2026-03-07");
    expect(p.dateLine).toBe(2);
    expect(outline(p)).toEqual([
      "07-03-2026: Acme releases a model with more improvements coming soon. (1) | Beta tools are now widely available to everyone. (1)",
      "28-02-2026: Gamma proposes a global body for AI governance. (1)",
    ]);
  });

  it("bullet lists of links under headings; the date from a Date: metadata line", () => {
    const p = read("metadata-date.md");
    expect(p.digest.date).toBe("2026-03-08");
    expect(p.explain.dateSource).toBe("Date: line");
    expect(p.dateLine).toBe(2);
    expect(outline(p)).toEqual(["Official: Widgets 2.0 released (1)", "Observations: From gears to widgets (1) | Four levels of widgets (1)"]);
  });

  it("bold paragraphs naming groups of bullet stories with inline links; the date from an ISO datetime in front matter", () => {
    const p = read("bold-groups.md");
    expect(p.digest.date).toBe("2026-03-09");
    expect(outline(p)).toEqual([
      "Model releases and rollouts: Model X keeps expanding across products (2) | Agents become long-running runtimes (1)",
      "Research: Sparsity is back in hardware-friendly form (1)",
    ]);
  });

  it("no date anywhere: the modification day in the given time zone, with a warning; a podcast left out", () => {
    const p = read("no-date.md");
    expect(p.digest.date).toBe("2026-03-11"); // 23:30 UTC is already the 11th in Berlin
    expect(p.explain.dateSource).toBe("file modification time (Europe/Berlin)");
    expect(p.warnings[0]?.message).toBe('no date in the file or its name: using its modification date 2026-03-11 (Europe/Berlin); add front matter "date: YYYY-MM-DD" to fix it');
    expect(outline(p)).toEqual(["Mini Briefs: Widgets are finally starting to mean something (1)", "News: Robots hear as well as see (1) | The robot revolution has arrived (1)"]);
  });

  it("a date in a prefixed or suffixed file name", () => {
    const body = "## S\n\n### T\n\nBody.\n";
    expect(parseDigest(body, "reports/china-ai-digest-2026-02-18.md").digest.date).toBe("2026-02-18");
    expect(parseDigest(body, "content/2026-08-19-this-week.md").digest.date).toBe("2026-08-19");
    expect(parseDigest(body, "data/digest_03-20-2024.md").digest.date).toBe("2024-03-20");
  });

  it("front matter story_level and sections: false", () => {
    const source = "---\ndate: 2026-03-01\ntitle: Flat\nstory_level: 2\nsections: false\n---\n## A\n\nBody a.\n\n### not a story\n\nMore a.\n\n## B\n\nBody b.\n";
    const p = parseDigest(source, "x.md");
    expect(outline(p)).toEqual(["Flat: A (0) | B (0)"]);
    expect(p.digest.sections[0]?.stories[0]?.body).toBe("Body a.\n\n### not a story\n\nMore a.");
    expect(() => parseDigest("---\nstory_level: 9\n---\n## A\n", "2026-03-01.md")).toThrow("2026-03-01.md:2: front matter story_level must be a heading level 1-6 (got 9)");
  });

  it("refuses a raw HTML file with a clear message", () => {
    expect(() => parseDigest("<div>\n<h2>News</h2>\n</div>\n\n<div><a href=\"https://a.example\">a</a></div>\n", "2026-03-01.md")).toThrow(
      "2026-03-01.md:1: the file is raw HTML, not Markdown: digest-bot reads Markdown headings, lists, paragraphs and links",
    );
  });
});

describe("parseDigest hostile input", () => {
  const parseError = (source: string): DigestParseError => {
    try {
      parseDigest(source, "2026-03-01.md");
    } catch (err) {
      if (err instanceof DigestParseError) return err;
      throw err;
    }
    throw new Error("parsed");
  };

  it("refuses thousands of nested quotes and lists with file:line instead of overflowing the stack", () => {
    const quotes = `## S\n\n### T\n\n${">".repeat(5000)} deep\n`;
    expect(parseError(quotes).message).toMatch(/^2026-03-01\.md:5: lists, quotes or emphasis nested more than 100 levels deep/);
    const lists = `## S\n\n### T\n\n${Array.from({ length: 3000 }, (_, i) => `${"  ".repeat(i)}- x`).join("\n")}\n`;
    expect(parseError(lists).message).toMatch(/^2026-03-01\.md:\d+: lists, quotes or emphasis nested more than 100 levels deep/);
  });

  it("refuses quotes and list items interleaved thousands deep on one line (> - > - …) with file:line", () => {
    const mixed = `## S\n\n### T\n\n${"> - ".repeat(3000)}deep\n`;
    expect(parseError(mixed).message).toBe("2026-03-01.md:5: lists, quotes or emphasis nested more than 100 levels deep: flatten this part of the file");
    const numbered = `## S\n\n### T\n\n${"> 1. ".repeat(3000)}deep\n`;
    expect(parseError(numbered).message).toBe("2026-03-01.md:5: lists, quotes or emphasis nested more than 100 levels deep: flatten this part of the file");
  });

  it("refuses a YAML alias bomb and an unresolved alias with the front matter line", () => {
    const bomb = ["---", "a: &a [x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`), "---", "## S", "### T", "Body."].join("\n");
    expect(parseError(bomb).message).toMatch(/^2026-03-01\.md:\d+: front matter is not valid YAML: /);
    expect(parseError("---\ntitle: *nowhere\n---\n## S\n### T\nB\n").message).toMatch(/^2026-03-01\.md:2: front matter is not valid YAML: /);
  });

  it("keeps lone surrogates and NUL from front-matter escapes out of the title", () => {
    const p = parseDigest('---\ntitle: "A\\ud800B\\0C"\ndate: 2026-03-01\n---\n## S\n### T\nBody \u0000 \ud83d.\n', "x.md");
    expect(p.digest.title).toBe("ABC");
    expect(JSON.stringify(p.digest)).not.toMatch(/\\u0000|\\ud83d"/);
    expect(p.digest.sections[0]?.stories[0]?.text).toBe("Body \uFFFD \uFFFD.");
  });

  it("deep nesting and alias bombs either parse or raise DigestParseError (a blow-up would hang past the test's guard)", () => {
    const piece = fc.constantFrom("> ", "- ", "  ", "* ", "1. ", "**", "[", "](https://a.example)", "\n", "x", "*a", "&a [", "]");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 400 }), fc.integer({ min: 0, max: 3000 }), (parts, depth) => {
        const source = `---\nk: &a [${"*a,".repeat(depth % 50)}]\n---\n## S\n### T\n${"> ".repeat(depth)}${parts.join("")}\n`;
        try {
          parseDigest(source, "2026-03-01.md");
        } catch (err) {
          if (!(err instanceof DigestParseError)) throw err;
        }
      }),
      { numRuns: 40 },
    );
  });
});
