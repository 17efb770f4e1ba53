// Tests for the digest parser on bad input: hostile files (deep nesting, alias bombs, surrogates) and malformed ones, with exact messages; and the date line.
import { describe, expect, it } from "vitest";
import { DigestParseError, parseDigest } from "../../../src/core/digest/parse-digest.js";

/** Runs the parser and returns the DigestParseError it throws (fails the test if it does not throw one). */
function parseError(source: string, file = "2026-02-18.md"): DigestParseError {
  try {
    parseDigest(source, file);
  } catch (err) {
    if (err instanceof DigestParseError) return err;
    throw err;
  }
  throw new Error("expected a DigestParseError");
}

describe("parseDigest: hostile input", () => {
  it("leaves a raw HTML block out of the story and keeps inline tags as text, telling the publisher; comments pass", () => {
    const source = [
      "## S",
      "",
      "### T",
      "",
      "<script>alert(1)</script>",
      "",
      "Body <b onclick=x>bold</b> and <a href=\"javascript:alert(1)\">click</a>. <!-- a note -->",
      "",
      "<!-- an editor's note -->",
    ].join("\n");
    const { digest, warnings } = parseDigest(source, "2026-02-18.md");
    const story = digest.sections[0]?.stories[0];
    expect(story?.body).toBe('Body <b onclick=x>bold</b> and <a href="javascript:alert(1)">click</a>. <!-- a note -->');
    expect(story?.text).toBe("Body bold and click.");
    expect(story?.links).toEqual([]);
    expect(warnings.map((w) => `${w.line}: ${w.message}`)).toEqual([
      '5: HTML block "<script>alert(1)</script>" is left out of the story: digests are Markdown',
      '7: inline HTML "<b onclick=x>" is shown as plain text: digests are Markdown',
      '7: inline HTML "<a href="javascript:alert(1)">" is shown as plain text: digests are Markdown',
    ]);
  });

  it("drops non-web links in the title, section and story headings, with a warning each; titles keep the text", () => {
    const source = [
      "# [Digest](vbscript:x) 2026-02-18",
      "",
      "## [Models](javascript:alert(1))",
      "",
      "### [Launch](data:text/html,x) of `GLM‑5` **now**",
      "",
      "Body.",
    ].join("\n");
    const { digest, warnings } = parseDigest(source, "notes.md");
    expect(digest.title).toBe("Digest 2026-02-18");
    expect(digest.sections[0]?.title).toBe("Models");
    expect(digest.sections[0]?.stories[0]?.title).toBe("Launch of GLM‑5 now");
    expect(digest.sections[0]?.stories[0]?.links).toEqual([]);
    expect(warnings.map((w) => `${w.line}: ${w.message}`)).toEqual([
      '1: link "Digest" dropped: only http(s) links are kept, got "vbscript:x"',
      '3: link "Models" dropped: only http(s) links are kept, got "javascript:alert(1)"',
      '5: link "Launch" dropped: only http(s) links are kept, got "data:text/html,x"',
    ]);
  });

  it("drops links whose URL carries a user name or password (the trusted@evil disguise), in the links line and the text", () => {
    const source = [
      "## S",
      "",
      "### T",
      "",
      "See [the docs](https://docs.example.com@evil.example/x) now.",
      "",
      "Links: [ok](https://ok.example) | [login](https://user:pw@ok.example/)",
    ].join("\n");
    const { digest, warnings } = parseDigest(source, "2026-02-18.md");
    const story = digest.sections[0]?.stories[0];
    expect(story?.body).toBe("See the docs now.");
    expect(story?.links).toEqual([{ label: "ok", url: "https://ok.example" }]);
    expect(warnings.map((w) => `${w.line}: ${w.message}`)).toEqual([
      '5: link "the docs" in the story text has a user name or password ("https://docs.example.com@evil.example/x"); kept as plain text',
      '7: link "login" dropped: a URL with a user name or password can disguise its real host, got "https://user:pw@ok.example/"',
    ]);
  });

  it("loads two stories with the same title under their own ids, and warns about the repeat", () => {
    const source = "## A\n\n### Same\n\nOne.\n\n## B\n\n### Same\n\nTwo.\n";
    const { digest, warnings } = parseDigest(source, "2026-02-18.md");
    expect(digest.sections.flatMap((s) => s.stories.map((t) => [t.id, t.text]))).toEqual([
      ["20260218-1-1", "One."],
      ["20260218-2-1", "Two."],
    ]);
    expect(warnings).toEqual([{ file: "2026-02-18.md", line: 9, message: 'story title "Same" repeats the story at line 3' }]);
  });

  it("keeps emoji, tabs and astral characters in titles and bodies", () => {
    const { digest, warnings } = parseDigest("## 🚀 模型\t动态\n\n### 𠮷野家 😀 上线\n\nBody\twith 😀 emoji.\n", "2026-02-18.md");
    expect(digest.sections[0]?.title).toBe("🚀 模型 动态");
    expect(digest.sections[0]?.stories[0]?.title).toBe("𠮷野家 😀 上线");
    expect(digest.sections[0]?.stories[0]?.body).toBe("Body\twith 😀 emoji.");
    expect(warnings).toEqual([]);
  });

  it("parses a 1 MB story whole, links and all", () => {
    const paragraph = "这是一个很长的故事，讨论 GLM‑5 与 Sonnet 4.6。".repeat(40);
    const body = Array.from({ length: 700 }, () => paragraph).join("\n\n");
    const source = `## S\n\n### Big\n\n${body}\n\n> 相关链接：[a](https://a.example)\n`;
    expect(Buffer.byteLength(source)).toBeGreaterThan(1_000_000);
    const story = parseDigest(source, "2026-02-18.md").digest.sections[0]?.stories[0];
    expect(story?.links).toEqual([{ label: "a", url: "https://a.example" }]);
    expect(story?.text.length).toBe(paragraph.length * 700 + 2 * 699);
  });
});

describe("parseDigest: malformed input", () => {
  const cases: [name: string, source: string, file: string, message: string][] = [
    [
      "an empty file",
      "",
      "2026-02-18.md",
      '2026-02-18.md:1: no sections found: expected section headings (e.g. "## Section") with story headings one level below ("### Story")',
    ],
    [
      "no date anywhere",
      "## S\n\n### T\n\nBody.\n",
      "notes.md",
      'notes.md:1: no date found: add front matter "date: YYYY-MM-DD", put the date in the H1 title, or name the file YYYY-MM-DD.md',
    ],
    ["a story without a title", "## S\n\n### T\n\nBody.\n\n###\n\nMore.\n", "2026-02-18.md", "2026-02-18.md:7: story heading has no title"],
    ["a story title that is only a comment", "## S\n\n### <!-- todo -->\n\nBody.\n", "2026-02-18.md", "2026-02-18.md:3: story heading has no title"],
    [
      "a section with no stories",
      "## A\n\n### T\n\nBody.\n\n---\n\n## B\n\nJust text.\n",
      "2026-02-18.md",
      '2026-02-18.md:9: section "B" has no stories: add story headings one level below it ("### Story")',
    ],
    [
      "an empty section between two sections",
      "## A\n\n### T\n\nBody.\n\n## B\n\n## C\n\n### U\n\nBody.\n",
      "2026-02-18.md",
      '2026-02-18.md:7: section "B" has no stories: add story headings one level below it ("### Story")',
    ],
    [
      "headings at one level only",
      "#### **模型**\n正文\n#### **工具**\n",
      "2026-02-18.md",
      '2026-02-18.md:1: section "模型" has no stories: add story headings one level below it ("##### Story")',
    ],
    [
      "a story before the first section",
      "# Digest 2026-02-18\n\n### Early\n\nText.\n\n## S\n\n### T\n\nBody.\n",
      "notes.md",
      'notes.md:3: story "Early" comes before the first section heading',
    ],
    [
      "an impossible front matter date",
      "---\ntitle: x\ndate: 2026-02-30\n---\n## S\n### T\nBody.\n",
      "notes.md",
      'notes.md:3: front matter date "2026-02-30" is not a calendar date (expected YYYY-MM-DD)',
    ],
    [
      "an unreadable front matter date",
      "---\ndate: tomorrow\n---\n## S\n### T\nBody.\n",
      "notes.md",
      'notes.md:2: front matter date "tomorrow" is not a calendar date (expected YYYY-MM-DD)',
    ],
    [
      "an impossible date in the H1",
      "\n# Digest 2026-13-01\n\n## S\n\n### T\n\nBody.\n",
      "notes.md",
      'notes.md:2: title date "2026-13-01" is not a calendar date',
    ],
    [
      "an impossible date in the file name",
      "## S\n\n### T\n\nBody.\n",
      "data/2026-02-30.md",
      'data/2026-02-30.md:1: file name "2026-02-30.md" is not a calendar date',
    ],
    ["front matter that is not a mapping", "---\n- a\n---\n## S\n### T\nB\n", "2026-02-18.md", "2026-02-18.md:2: front matter must be `key: value` lines"],
    [
      "front matter that is not YAML",
      "---\ndate: 2026-02-18\ntitle: [unclosed\n---\n## S\n### T\nB\n",
      "2026-02-18.md",
      "2026-02-18.md:3: front matter is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ],
  ];

  for (const [name, source, file, message] of cases) {
    it(`rejects ${name}`, () => {
      const err = parseError(source, file);
      expect(err.message).toBe(message);
      expect(err.file).toBe(file);
      expect(err.line).toBe(Number(/:(\d+): /.exec(message)?.[1]));
      expect(err).toBeInstanceOf(Error);
    });
  }
});

describe("dateLine", () => {
  const body = "## Section\n\n### Story\n\nBody.\n";
  it("points at the line the date was read from", () => {
    expect(parseDigest(`---\ntitle: T\ndate: 2026-03-01\n---\n${body}`, "x.md").dateLine).toBe(3);
    expect(parseDigest(`\n# AI 日报 2026年3月1日\n\n${body}`, "x.md").dateLine).toBe(2);
    expect(parseDigest(body, "digests/2026-03-01.md").dateLine).toBe(1);
  });
});
