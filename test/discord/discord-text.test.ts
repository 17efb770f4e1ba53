// Discord text escaping: the shortcut for text no escape rule acts on gives exactly what the full escaping gives.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeText, escapeTextFully, escapeToFit, escapeToFitFully, needsNoEscaping } from "../../src/discord/discord-text.js";

/** Pieces of digest titles and bodies, and every character some escape rule acts on (list markers, quotes, mentions…). */
const PLAIN = ["模型", "发布", "GLM", "5", "3.5", "Qwen3", "·", "：", "，", " ", "\n", "-", ".", "12", "12. ", "- ", "  ", "x", "a-b", "😀", "\u3000"];
const SPECIAL = ["*", "_", "~~", "||", "`", "\\", "# ", "> ", "[", "]", "(", ")", "@everyone", "@here", "<@1>", "<#2>", "</deploy:3>", "<", "__", "**"];
const mostlyPlain = fc.array(fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...PLAIN) }, { weight: 1, arbitrary: fc.constantFrom(...SPECIAL) }), { maxLength: 160 }).map((p) => p.join(""));
const plainOnly = fc.array(fc.constantFrom(...PLAIN), { maxLength: 160 }).map((p) => p.join(""));
/** Past 200 characters text is escaped in chunks, and a chunk may start anywhere: at a number and a dot, at a dash. */
const long = (pieces: string[]) => fc.array(fc.constantFrom(...pieces), { minLength: 80, maxLength: 250 }).map((p) => p.join(""));
const longListLike = fc.oneof(long(["12.", " 7. ", "模型", " ", "x", "xx"]), long(["-", " - ", "模型", " ", "x", "xx"]));

describe("escapeText shortcut", () => {
  it("leaves a title with no Markdown, list marker, quote or mention as it is, and still escapes one that has", () => {
    expect(needsNoEscaping("GLM‑5 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练")).toBe(true);
    expect(escapeText("Qwen3.5 发布 · 20260218-1-3")).toBe("Qwen3.5 发布 · 20260218-1-3");
    expect(escapeText("1. 第一条")).toBe("1\\. 第一条");
    expect(escapeText("- 列表")).toBe("\\- 列表");
    expect(escapeText("**粗体** @everyone")).toBe("\\*\\*粗体\\*\\* @\u200beveryone");
    // A command mention pings nobody but renders as a button that fills in the command: digest text shows it as text.
    expect(escapeText("运行 </deploy:123> 部署")).toBe("运行 <\u200b/deploy:123> 部署");
  });

  it("gives byte for byte what the full escaping gives, short texts and ones escaped in chunks alike", () => {
    fc.assert(
      fc.property(fc.oneof(mostlyPlain, plainOnly, longListLike), (text) => {
        expect(escapeText(text)).toBe(escapeTextFully(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("is taken only where the full escaping changes nothing", () => {
    let taken = 0;
    fc.assert(
      fc.property(plainOnly, (text) => {
        if (!needsNoEscaping(text)) return;
        taken++;
        expect(escapeTextFully(text)).toBe(text);
      }),
      { numRuns: 2000 },
    );
    // The property above says something only if the shortcut is often taken.
    expect(taken).toBeGreaterThan(200);
  });

  it("escapeToFit cuts exactly where the full escaping would, for every limit", () => {
    fc.assert(
      fc.property(fc.oneof(mostlyPlain, plainOnly), fc.integer({ min: 2, max: 300 }), (text, max) => {
        expect(escapeToFit(text, max)).toBe(escapeToFitFully(text, max));
      }),
      { numRuns: 1500 },
    );
  });
});
