// Normalization and tokenization: every spelling a user types lands on the same index terms.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeText } from "../../src/core/search/normalize.js";
import {
  HAN_CHAR_LENGTH,
  decodeTerm,
  encodeHanChar,
  fuzzinessFor,
  isHanTerm,
  tokenize,
  tokenizeQuery,
  usePrefixFor,
} from "../../src/core/search/tokenize.js";

const readable = (text: string) => tokenize(text).map(decodeTerm);

describe("normalizeText", () => {
  it("folds U+2011 and every other dash to '-' (NFKC alone makes U+2011 into U+2010)", () => {
    expect("GLM\u20115".normalize("NFKC")).toBe("GLM\u20105");
    expect(normalizeText("GLM\u20115")).toBe("glm-5");
    expect(normalizeText("a\u2013b\u2014c\uFF0Dd\u2010e")).toBe("a-b-c-d-e");
  });

  it("folds fullwidth letters, digits and NBSP", () => {
    expect(normalizeText("ＧＰＴ－６\u00A0Ｐｒｏ")).toBe("gpt-6 pro");
  });

  it("converts traditional to simplified, with Taiwan phrases only for traditional text", () => {
    expect(normalizeText("開源 顯存 封號 語音客服")).toBe("开源 显存 封号 语音客服");
    expect(normalizeText("記憶體頻寬")).toBe("内存带宽");
    // Simplified text is left alone: the Taiwan table would turn 核心 into 内核.
    expect(normalizeText("核心优先级")).toBe("核心优先级");
  });
});

describe("tokenize", () => {
  it("makes overlapping bigrams of Han runs, and keeps a lone character", () => {
    expect(readable("封号与安全争议")).toEqual(["封号", "号与", "与安", "安全", "全争", "争议"]);
    expect(readable("从 160GB")).toEqual(["从", "160", "gb"]);
  });

  it("splits letters from numbers but keeps decimals, so qwen3.5, Qwen3.5 and qwen 3.5 agree", () => {
    expect(readable("qwen3.5")).toEqual(["qwen", "3.5"]);
    expect(readable("Qwen3.5")).toEqual(["qwen", "3.5"]);
    expect(readable("qwen 3.5")).toEqual(["qwen", "3.5"]);
    expect(readable("Qwen3.5-397B-A17B")).toEqual(["qwen", "3.5", "397", "b", "a", "17", "b"]);
    expect(readable("arXiv:2602.15763")).toEqual(["arxiv", "2602.15763"]);
  });

  it("gives glm-5, GLM 5 and GLM‑5 (U+2011) the same terms", () => {
    expect(tokenize("glm-5")).toEqual(["glm", "5"]);
    expect(tokenize("GLM 5")).toEqual(["glm", "5"]);
    expect(tokenize("GLM\u20115")).toEqual(["glm", "5"]);
  });

  it("treats traditional and simplified text alike", () => {
    expect(tokenize("開源模型")).toEqual(tokenize("开源模型"));
  });

  it("splits at Han/Latin seams without spaces and drops punctuation", () => {
    expect(readable("kv缓存，“有界记忆”！")).toEqual(["kv", "缓存", "有界", "界记", "记忆"]);
  });

  it("re-spells Han characters into A–P, fixed width, and back", () => {
    const code = encodeHanChar("开");
    expect(code).toMatch(/^[A-P]{5}$/);
    expect(code.length).toBe(HAN_CHAR_LENGTH);
    expect(isHanTerm(code)).toBe(true);
    expect(isHanTerm("qwen")).toBe(false);
    expect(decodeTerm(code + encodeHanChar("源"))).toBe("开源");
    // A character's spelling is a prefix of the bigrams it starts.
    expect(tokenize("开源")[0]!.startsWith(code)).toBe(true);
  });
});

describe("tokenizer properties", () => {
  const mixed = fc.string({
    unit: fc.constantFrom(..."ab qwen3.5-GLM‑5 开源显存封號語音，。：“”ＡＢ１２\u00a0\u2011\u2013.".split("")),
    maxLength: 40,
  });

  it("normalizing twice changes nothing, and tokenizing normalized text gives the same terms", () => {
    fc.assert(
      fc.property(mixed, (text) => {
        const once = normalizeText(text);
        expect(normalizeText(once)).toBe(once);
        expect(tokenize(once)).toEqual(tokenize(text));
      }),
    );
  });

  it("yields only non-empty terms: lowercase words, numbers, or 1–2 re-spelt CJK characters", () => {
    fc.assert(
      fc.property(mixed, (text) => {
        for (const term of tokenize(text)) {
          if (isHanTerm(term)) expect(term).toMatch(/^(?:[A-P]{5}){1,2}$/);
          else expect(term).toMatch(/^(?:[\p{Ll}\p{Lo}\p{M}]+|\d+(?:\.\d+)*)$/u);
        }
      }),
    );
  });

  it("query terms of a CJK run cover every character of the run", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."开源显存封号语音客服模型"), minLength: 2, maxLength: 12 }), (run) => {
        const covered = tokenizeQuery(run).map(decodeTerm).join("");
        for (const ch of run) expect(covered).toContain(ch);
      }),
    );
  });
});

describe("query rules", () => {
  it("allows typos only in Latin words of 5+ letters, two from 8 letters", () => {
    expect(fuzzinessFor("sonet")).toBe(1);
    expect(fuzzinessFor("flashinfr")).toBe(2);
    expect(fuzzinessFor("glm")).toBe(0);
    expect(fuzzinessFor("4.6")).toBe(0);
    expect(fuzzinessFor(tokenize("开源")[0]!)).toBe(0);
  });

  it("uses prefix matching for a lone Han character and, when autocompleting, for the last term", () => {
    const terms = tokenize("sonnet 卡");
    expect(usePrefixFor(terms[1]!, 1, terms, false)).toBe(true);
    const typed = tokenize("claude son");
    expect(usePrefixFor(typed[1]!, 1, typed, true)).toBe(true);
    expect(usePrefixFor(typed[0]!, 0, typed, true)).toBe(false);
    expect(usePrefixFor(typed[1]!, 1, typed, false)).toBe(false);
    expect(usePrefixFor("a", 0, ["a"], true)).toBe(false);
  });
});
