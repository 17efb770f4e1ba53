// Loose section-name matching on the sample digest: words, numbers, case, width and traditional spellings.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDigest } from "../../src/core/digest/parse-digest.js";
import { matchSection } from "../../src/core/section-match.js";

const { digest } = parseDigest(readFileSync("test/fixtures/sample/2026-02-18.md", "utf8"), "test/fixtures/sample/2026-02-18.md");
const titleOf = (name: string) => {
  const i = matchSection(digest, name);
  return i === undefined ? undefined : digest.sections[i]!.title;
};

describe("matchSection", () => {
  it("returns the 0-based index of the section", () => {
    expect(matchSection(digest, "模型与能力")).toBe(0);
    expect(matchSection(digest, "政策、治理与安全")).toBe(6);
  });

  it("matches a word inside the title, ignoring case and width", () => {
    expect(titleOf("agent")).toBe("Agent 与工具链");
    expect(titleOf("ＡＧＥＮＴ")).toBe("Agent 与工具链");
    expect(titleOf("安全")).toBe("政策、治理与安全");
    expect(titleOf("硬件")).toBe("基础设施与硬件");
  });

  it("matches the full title with or without punctuation and spaces", () => {
    expect(titleOf("Agent与工具链")).toBe("Agent 与工具链");
    expect(titleOf("政策 治理 与 安全")).toBe("政策、治理与安全");
  });

  it("matches traditional spellings", () => {
    expect(titleOf("基礎設施")).toBe("基础设施与硬件");
    expect(titleOf("產品與應用")).toBe("产品与应用落地");
  });

  it("takes 1-based numbers, also fullwidth, and rejects out-of-range ones", () => {
    expect(titleOf("1")).toBe("模型与能力");
    expect(titleOf("#3")).toBe("基础设施与硬件");
    expect(titleOf("７")).toBe("政策、治理与安全");
    expect(matchSection(digest, "0")).toBeUndefined();
    expect(matchSection(digest, "8")).toBeUndefined();
  });

  it("prefers an exact title, then a prefix, over a mere containment", () => {
    // "与" is in most titles; the first one containing it wins only when nothing matches better.
    expect(titleOf("研究")).toBe("研究与方法");
    expect(titleOf("行业")).toBe("行业与公司动态");
  });

  it("matches when every word appears, in any order", () => {
    expect(titleOf("工具链 agent")).toBe("Agent 与工具链");
  });

  it("returns undefined for no match or an empty name", () => {
    expect(matchSection(digest, "天气")).toBeUndefined();
    expect(matchSection(digest, "  ")).toBeUndefined();
    expect(matchSection(digest, "、")).toBeUndefined();
  });
});
