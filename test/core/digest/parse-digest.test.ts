// Tests for the digest parser: the seed digest exactly, other dialects and warnings (bad input: parse-digest-errors.test.ts).
import fs from "node:fs";
import path from "node:path";
import type { Nodes } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { toString } from "mdast-util-to-string";
import { gfm } from "micromark-extension-gfm";
import { describe, expect, it } from "vitest";
import { DigestSchema } from "../../../src/core/digest/model.js";
import { parseDigest } from "../../../src/core/digest/parse-digest.js";

const SEED = "test/fixtures/sample/2026-02-18.md";
const FIXTURES = "test/fixtures/digests";
const read = (file: string): string => fs.readFileSync(file, "utf8");
const parseFile = (file: string) => parseDigest(read(file), file);

describe("parseDigest: the seed digest", () => {
  const { digest, warnings } = parseFile(SEED);
  const stories = digest.sections.flatMap((s) => s.stories);

  it("finds the date from the file name and has no title", () => {
    expect(digest.date).toBe("2026-02-18");
    expect(digest.title).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it("has the 7 sections with their exact titles (no bold markers) and story counts", () => {
    expect(digest.sections.map((s) => [s.title, s.stories.length])).toEqual([
      ["模型与能力", 4],
      ["Agent 与工具链", 4],
      ["基础设施与硬件", 4],
      ["研究与方法", 4],
      ["产品与应用落地", 5],
      ["行业与公司动态", 4],
      ["政策、治理与安全", 4],
    ]);
    expect(stories).toHaveLength(29);
  });

  it("keeps exact story titles, including U+2011 hyphens and fullwidth punctuation", () => {
    expect(stories[0]?.title).toBe("Anthropic 推出 Claude Sonnet 4.6：1M 上下文，逼近 Opus，成本与质量新权衡");
    expect(stories[2]?.title).toBe("GLM\u20115 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练");
    expect(stories[28]?.title).toBe("Cybench“旗子没随机”翻车：一次设计疏忽就能让防御评测高估一大截");
    for (const story of stories) expect(story.title).not.toMatch(/\*/);
  });

  it("gives stable, position-based story ids", () => {
    expect(stories.map((s) => s.id).slice(0, 5)).toEqual([
      "20260218-1-1",
      "20260218-1-2",
      "20260218-1-3",
      "20260218-1-4",
      "20260218-2-1",
    ]);
    expect(digest.sections[4]?.stories[4]?.id).toBe("20260218-5-5");
    expect(new Set(stories.map((s) => s.id)).size).toBe(29);
  });

  it("splits the 相关链接 line on ｜ into labelled links, without the label prefix", () => {
    expect(stories.reduce((n, s) => n + s.links.length, 0)).toBe(71);
    expect(stories[0]?.links).toHaveLength(8);
    expect(stories[0]?.links[0]).toEqual({
      label: "官方发布：Claude Sonnet 4.6",
      url: "https://www.anthropic.com/news/claude-sonnet-4-6",
    });
    expect(stories[2]?.links).toEqual([
      { label: "GLM\u20115 技术报告 arXiv:2602.15763", url: "https://arxiv.org/abs/2602.15763" },
      { label: "GLM\u20115 能力展示视频", url: "https://www.youtube.com/watch?v=vtWMgVCMsx8" },
      { label: "社区基准与讨论（含 WeirdML 数据）", url: "https://x.com/htihle/status/2023734346943775179" },
    ]);
    for (const link of stories.flatMap((s) => s.links)) {
      expect(link.label).not.toMatch(/相关链接|｜/);
      expect(link.url).toMatch(/^https:\/\//);
    }
  });

  it("keeps the body as Markdown source without the links line or trailing hard-break spaces", () => {
    const body = stories[3]?.body ?? "";
    expect(body).toBe(
      "Cohere Labs 发布 Tiny Aya 系列，3.35B 参数、多语言（70+），定位在手机/边缘设备运行的开放模型。据称仅用 64 块 GPU 就完成训练，并附详细技术报告。目标是做“能实际部署”的多语助手，而不是追求顶级基准分。",
    );
    for (const story of stories) {
      expect(story.body).not.toMatch(/相关链接|\u00a0| \n| $|---/);
      expect(story.text.length).toBeGreaterThan(50);
    }
  });

  it("produces a digest that the model schema accepts", () => {
    expect(DigestSchema.safeParse(digest).success).toBe(true);
  });

  it("parses the same with CRLF line endings and a BOM", () => {
    const crlf = `\uFEFF${read(SEED).replace(/\n/g, "\r\n")}`;
    expect(parseDigest(crlf, SEED).digest).toEqual(digest);
  });
});

describe("parseDigest: other dialects", () => {
  it("English, front matter, ##/###, no bold, Related links with |, multi-paragraph body, a story without links", () => {
    const file = path.join(FIXTURES, "english-weekly.md");
    const { digest, warnings } = parseFile(file);
    expect(digest.date).toBe("2026-02-19");
    expect(digest.title).toBe("AI Weekly Notes");
    expect(digest.sections.map((s) => s.title)).toEqual(["Models", "Tools"]);
    const [gemma, quiet] = digest.sections[0]?.stories ?? [];
    expect(gemma?.title).toBe("Gemma 4 ships with a 1M context window");
    expect(gemma?.body).toBe(
      "Google released Gemma 4 in four sizes.\nThe largest one handles a million tokens.\n\nBenchmarks put it close to GPT-5.2 on reasoning tasks.",
    );
    expect(gemma?.text).toBe(
      "Google released Gemma 4 in four sizes. The largest one handles a million tokens.\n\nBenchmarks put it close to GPT-5.2 on reasoning tasks.",
    );
    expect(gemma?.links).toEqual([
      { label: "Google blog", url: "https://blog.google/gemma-4" },
      { label: "Model card", url: "https://ai.google.dev/gemma/docs/4" },
    ]);
    expect(quiet?.links).toEqual([]);
    expect(quiet?.body).toBe("Nothing to click here, just *plain* text with `code`.");
    expect(quiet?.text).toBe("Nothing to click here, just plain text with code.");
    const [langgraph, mcp] = digest.sections[1]?.stories ?? [];
    // `Links:` with `·` separators; the javascript: link is dropped with a warning naming its line.
    expect(langgraph?.links.map((l) => l.label)).toEqual(["Release notes", "Docs"]);
    expect(warnings).toEqual([
      {
        file,
        line: 29,
        message: 'link "Bad one" dropped: only http(s) links are kept, got "javascript:alert(1)"',
      },
    ]);
    // A bullet list of links is the links block, not body.
    expect(mcp?.body).toBe("Zed, Cursor and VS Code all speak MCP now.");
    expect(mcp?.links).toEqual([
      { label: "Zed announcement", url: "https://zed.dev/blog/mcp" },
      { label: "Cursor changelog", url: "https://cursor.com/changelog" },
    ]);
  });

  it("Chinese with a dated H1 title, ###/####, 链接 with 、, a links line after a hard break, a labelled bullet list", () => {
    const { digest, warnings } = parseFile(path.join(FIXTURES, "zh-h1-title.md"));
    expect(warnings).toEqual([]);
    expect(digest.date).toBe("2026-02-20");
    expect(digest.title).toBe("AI 日报 2026年2月20日");
    expect(digest.sections.map((s) => [s.title, s.stories.map((t) => t.title)])).toEqual([
      ["模型动态", ["DeepSeek V4 发布：更长上下文", "Kimi K3 开源"]],
      ["安全", ["越狱数据集公开"]],
    ]);
    const [deepseek, kimi] = digest.sections[0]?.stories ?? [];
    expect(deepseek?.links.map((l) => l.label)).toEqual(["官方公告", "Hugging Face"]);
    expect(kimi?.body).toBe("月之暗面开源 Kimi K3。");
    expect(kimi?.links).toEqual([
      { label: "GitHub 仓库", url: "https://github.com/MoonshotAI/Kimi-K3" },
      { label: "技术博客", url: "https://moonshotai.github.io/Kimi-K3/" },
    ]);
    const jail = digest.sections[1]?.stories[0];
    expect(jail?.body).toBe("研究者公开了一个越狱提示数据集。\n\n第二段：数据集包含 1 万条样本。");
    expect(jail?.links.map((l) => l.url)).toEqual([
      "https://arxiv.org/abs/2602.00001",
      "https://huggingface.co/datasets/jailbreak-10k",
    ]);
  });

  it("date from the file name, unlabelled links, reference links, a Sources blockquote, NBSP lines and rules", () => {
    const { digest, warnings } = parseFile(path.join(FIXTURES, "2026-02-21.md"));
    expect(warnings).toEqual([]);
    expect(digest.date).toBe("2026-02-21");
    const [sparse, unlabelled] = digest.sections[0]?.stories ?? [];
    expect(sparse?.body).toBe("A new kernel halves the cost of sparse attention on H100.");
    expect(sparse?.links).toEqual([
      { label: "Paper", url: "https://arxiv.org/abs/2602.11111" },
      { label: "Code", url: "https://github.com/example/sparse-kernel" },
    ]);
    expect(unlabelled?.body).toBe("Body of the story.");
    expect(unlabelled?.links.map((l) => l.label)).toEqual(["Blog post", "Thread"]);
    expect(digest.sections[1]?.stories[0]?.links.map((l) => l.label)).toEqual(["Reuters", "TechCrunch"]);
  });

  it("accepts the date spellings 2026-02-18, 2026年2月18日 and 2026/2/18 in the H1", () => {
    for (const h1 of ["Digest 2026-02-18", "日报 2026年2月18日", "Digest 2026/2/18"]) {
      const { digest } = parseDigest(`# ${h1}\n\n## S\n\n### T\n\nBody.\n`, "notes.md");
      expect(digest.date).toBe("2026-02-18");
    }
  });

  it("keeps body links inside sentences as body, and drops non-web links wherever they are", () => {
    const source = [
      "## S",
      "",
      "### T",
      "",
      "See [the post](https://example.com/a) for more.",
      "",
      "链接：[站内](/relative)｜[数据](data:text/html,x)｜[好的](https://example.com/b)",
    ].join("\n");
    const { digest, warnings } = parseDigest(source, "2026-02-18.md");
    const story = digest.sections[0]?.stories[0];
    expect(story?.body).toBe("See [the post](https://example.com/a) for more.");
    expect(story?.links).toEqual([{ label: "好的", url: "https://example.com/b" }]);
    expect(warnings.map((w) => `${w.line}: ${w.message}`)).toEqual([
      '7: link "站内" dropped: only http(s) links are kept, got "/relative"',
      '7: link "数据" dropped: only http(s) links are kept, got "data:text/html,x"',
    ]);
  });
  it("turns non-web links inside the story text into plain text, with a warning per link", () => {
    const source = "## S\n\n### T\n\nClick [me *now*](javascript:alert(1)), see ![chart](data:image/png,x) or [ok](https://ok.example).\n";
    const { digest, warnings } = parseDigest(source, "2026-02-18.md");
    expect(digest.sections[0]?.stories[0]?.body).toBe("Click me now, see chart or [ok](https://ok.example).");
    expect(warnings).toEqual([
      { file: "2026-02-18.md", line: 5, message: 'link "me now" in the story text is not http(s) ("javascript:alert(1)"); kept as plain text' },
      { file: "2026-02-18.md", line: 5, message: 'link "chart" in the story text is not http(s) ("data:image/png,x"); kept as plain text' },
    ]);
  });

  // Found by the property test (seed 2083997863): the body is read again without the digest's link definitions, so a
  // reference link followed by "(…)" turns into an inline link to whatever the parentheses hold.
  it("keeps a reference link followed by parentheses from becoming a link to them once the body is read on its own", () => {
    const source = "## S\n\n### T\n\nSee [Code][code](javascript:alert(1)) and [it][](javascript:x), ![pic][it](javascript:y) now.\n\n[code]: https://example.com/code\n[it]: https://example.com/it\n";
    const { digest } = parseDigest(source, "2026-02-18.md");
    const story = digest.sections[0]!.stories[0]!;
    const tree = fromMarkdown(story.body, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
    const targets: string[] = [];
    const walk = (n: Nodes): void => {
      if (n.type === "link" || n.type === "image") targets.push(n.url);
      if ("children" in n) for (const c of n.children) walk(c as Nodes);
    };
    walk(tree);
    expect(targets).toEqual([]);
    expect(toString(tree)).toBe("See [Code][code](javascript:alert(1)) and [it][](javascript:x), ![pic][it](javascript:y) now.");
  });

  // Found by the property test (seed 785111967): an NBSP before the URL is no CommonMark white space, so micromark
  // reads the target as " https://…"; the parser must not keep one target and hand renderers another.
  it("reads a link whose URL has non-ASCII white space around it as the URL itself, in the links and in the body", () => {
    const url = "https://github.com/flashinfer-ai/mlsys26-agent-baseline";
    const source = [
      "## S",
      "",
      "### T",
      "",
      "Body.",
      "",
      `> 相关链接：[a]((Ahttps://a.example)｜[FlashInfer mlsys26 agent baseline](\u00a0${url})`,
      "",
      "### U",
      "",
      "Body.",
      "",
      "链接：[b](https://b.example/\u3000)",
    ].join("\n");
    const { digest, warnings } = parseDigest(source, "2026-02-18.md");
    const [t, u] = digest.sections[0]?.stories ?? [];
    expect(t?.links).toEqual([{ label: "FlashInfer mlsys26 agent baseline", url }]);
    expect(t?.body).toBe(`Body.\n\n> 相关链接：[a]((Ahttps://a.example)｜[FlashInfer mlsys26 agent baseline](${url})`);
    expect(u?.links).toEqual([{ label: "b", url: "https://b.example/" }]);
    expect(warnings.map((w) => `${w.line}: ${w.message}`)).toEqual([
      `7: link "FlashInfer mlsys26 agent baseline" has invisible white space (U+00A0) around its URL; read as "${url}"`,
      '13: link "b" has invisible white space (U+3000) around its URL; read as "https://b.example/"',
    ]);
  });

  it("treats a label at the end of a body paragraph as the label of the link list below it", () => {
    const source = [
      "## S",
      "",
      "### With a list",
      "",
      "Body line one.",
      "相关链接：",
      "- [a](https://a.example)",
      "- [b](https://b.example)",
      "",
      "### Without a list",
      "",
      "Body.",
      "Links:",
      "",
      "Not links after all.",
    ].join("\n");
    const [withList, withoutList] = parseDigest(source, "2026-02-18.md").digest.sections[0]?.stories ?? [];
    expect(withList?.body).toBe("Body line one.");
    expect(withList?.links.map((l) => l.url)).toEqual(["https://a.example", "https://b.example"]);
    expect(withoutList?.body).toBe("Body.\nLinks:\n\nNot links after all.");
    expect(withoutList?.links).toEqual([]);
  });
});

describe("parseDigest: warnings", () => {
  it("warns about a story without body text and about text before a section's first story", () => {
    const source = "## S\n\nStray text.\n\n### Empty\n\n> 相关链接：[a](https://a.example)\n\n### Full\n\nBody.\n";
    const { digest, warnings } = parseDigest(source, "2026-02-18.md");
    expect(digest.sections[0]?.stories.map((s) => s.body)).toEqual(["", "Body."]);
    expect(warnings).toEqual([
      { file: "2026-02-18.md", line: 3, message: 'text before the first story of section "S" is ignored' },
      { file: "2026-02-18.md", line: 5, message: 'story "Empty" has no body text' },
    ]);
  });

  it("warns when the H1 date differs from the file name, and takes the H1's", () => {
    const { digest, warnings } = parseDigest("# 日报 2026年2月19日\n\n## S\n### T\nBody.\n", "d/2026-02-18.md");
    expect(digest.date).toBe("2026-02-19");
    expect(warnings).toEqual([
      { file: "d/2026-02-18.md", line: 1, message: "date 2026-02-19 differs from the file name's 2026-02-18" },
    ]);
  });

  it("warns when the front matter date differs from the file name", () => {
    const { digest, warnings } = parseDigest("---\ndate: 2026-02-19\n---\n## S\n### T\nBody.\n", "d/2026-02-18.md");
    expect(digest.date).toBe("2026-02-19");
    expect(warnings).toEqual([
      { file: "d/2026-02-18.md", line: 2, message: "date 2026-02-19 differs from the file name's 2026-02-18" },
    ]);
  });
});
