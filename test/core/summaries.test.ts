// Summaries: the cut of summarizeText (sentence end, never mid-word, length cap) on the seed and on odd inputs.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildDailyPost, SUMMARY_MAX_CHARS, summarizeText } from "../../src/core/summaries.js";
import { seedDigest } from "./delivery/helpers.js";

const length = (s: string) => Array.from(s).length;
const flat = (s: string) => s.replace(/\s+/g, " ").trim();
/** An ASCII word character: a cut between two of them splits a word, number or URL. */
const wordy = (c: string | undefined) => c !== undefined && /[\x21-\x7e]/.test(c);

/** Checks the promises every summary keeps, and returns the kept prefix (without "…"). */
function expectWellCut(text: string, summary: string, max = SUMMARY_MAX_CHARS): string {
  const source = flat(text);
  expect(length(summary)).toBeLessThanOrEqual(max);
  const kept = summary.endsWith("…") ? summary.slice(0, -1) : summary;
  expect(source.startsWith(kept)).toBe(true);
  if (summary.endsWith("…")) {
    // The cut may drop a dangling clause mark or bracket (`foo, ` → `foo…`); what follows it must not continue a word.
    const next = source.slice(kept.length).replace(/^[,;:(]+/, "")[0];
    expect(wordy(kept.at(-1)) && wordy(next)).toBe(false);
  } else if (kept !== source) {
    expect(kept).toMatch(/[。！？.!?][”’」』）)"']*$/);
  }
  return kept;
}

describe("summarizeText on the seed", () => {
  const stories = seedDigest().sections.flatMap((s) => s.stories);
  const byId = (id: string) => stories.find((s) => s.id === id)!.text;

  it("keeps every summary within the cap, cut at a sentence end or a word boundary", () => {
    for (const story of stories) expectWellCut(story.text, summarizeText(story.text));
  });

  it("takes two sentences when they fit, else one", () => {
    expect(summarizeText(byId("20260218-1-3"))).toBe(
      "Zhipu 发布 GLM‑5 技术报告和 demo，社区测试显示在 WeirdML 等基准上表现强劲，接近甚至超过部分闭源模型。报告重点介绍 DSA 结构、异步强化学习基础设施以及针对 Agent 场景的 RL 算法。",
    );
    expect(summarizeText(byId("20260218-1-1"))).toBe(
      "Anthropic 发布 Sonnet 4.6，号称“最强 Sonnet”，在编码、电脑操作、长上下文推理、Agent 规划等全面升级，并提供 100 万 token 上下文（beta），定价与 4.5 相同。",
    );
  });

  it("cuts a first sentence over the cap at a clause mark, not inside a term like FP8/FP4", () => {
    const summary = summarizeText(byId("20260218-3-1"));
    expect(summary.endsWith("有人用 FlashInfer 的 MoE baseline 在 B200 上做到 5.7× 加速…")).toBe(true);
    expect(summarizeText(byId("20260218-5-1")).endsWith("内部 A/B 中 70% 开发者更喜欢 4.6…")).toBe(true);
  });

  it("feeds the daily post", () => {
    const post = buildDailyPost(seedDigest(), [2]);
    expect(post.sections.map((s) => s.index)).toEqual([2]);
    expect(post.header).toHaveLength(7);
    expect(post.sections[0]!.stories[0]!.summary).toBe(summarizeText(byId("20260218-3-1")));
  });
});

describe("summarizeText on odd inputs", () => {
  it("keeps a short text without punctuation whole", () => {
    expect(summarizeText("Sonnet 4.6 lands in Cursor")).toBe("Sonnet 4.6 lands in Cursor");
  });

  it("cuts a long text without punctuation at a space", () => {
    const text = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");
    const summary = summarizeText(text, 50);
    expect(summary).toBe("word0 word1 word2 word3 word4 word5 word6 word7…");
    expectWellCut(text, summary, 50);
  });

  it("cuts Chinese without any punctuation between characters, at the cap", () => {
    const text = "没有标点的长句".repeat(40);
    expect(summarizeText(text, 20)).toBe(`${text.slice(0, 19)}…`);
  });

  it("does not end a sentence at a decimal, a version or a dotted URL", () => {
    expect(summarizeText("Anthropic ships Sonnet 4.6. It is good! Really? Yes.")).toBe("Anthropic ships Sonnet 4.6. It is good!");
    expect(summarizeText("Released v1.2.3 today with fixes. More to come. Later.")).toBe("Released v1.2.3 today with fixes. More to come.");
    expect(summarizeText("See https://example.com/a.b.c for details. Next one. Third.")).toBe("See https://example.com/a.b.c for details. Next one.");
    expect(summarizeText("价格 4.6 美元。定价不变。第三句。")).toBe("价格 4.6 美元。定价不变。");
  });

  it("does not end a sentence at e.g. or U.S., but does at the end of the text", () => {
    const long = "x ".repeat(60);
    expect(summarizeText(`Use e.g. the new API ${long}ok. Then more words.`, 150)).toBe(`Use e.g. the new API ${long}ok.`);
    expect(summarizeText(`The U.S. military uses Claude ${long}ok. Then more.`, 155)).toBe(`The U.S. military uses Claude ${long}ok.`);
    expect(summarizeText("Made in the U.S.")).toBe("Made in the U.S.");
  });

  it("keeps a closing quote with its sentence", () => {
    expect(summarizeText("他说“这是引用。”后面还有。第三句。")).toBe("他说“这是引用。”后面还有。");
    expect(summarizeText('He said "done." Then left. Later.')).toBe('He said "done." Then left.');
  });

  it("never cuts inside a URL: it stops before it", () => {
    expect(summarizeText(`Visit https://example.com/${"x".repeat(200)} now.`)).toBe("Visit…");
  });

  it("counts characters, not UTF-16 units, and never splits an emoji", () => {
    const summary = summarizeText("好😀".repeat(100), 21);
    expect(summary).toBe(`${"好😀".repeat(10)}…`);
  });

  it("keeps its promises on generated text", () => {
    const word = fc.stringMatching(/^(?:[A-Za-z0-9./%-]{1,12}|[一-龥]{1,6})$/);
    const sep = fc.constantFrom(" ", "，", "。", ". ", "! ", "、", ", ", "；", "“", "”", "?");
    const text = fc.array(fc.tuple(word, sep), { minLength: 1, maxLength: 80 }).map((parts) => parts.map(([w, s]) => w + s).join(""));
    fc.assert(
      fc.property(text, fc.integer({ min: 20, max: 200 }), (t, max) => {
        expectWellCut(t, summarizeText(t, max), max);
      }),
      { numRuns: 300 },
    );
  });
});
