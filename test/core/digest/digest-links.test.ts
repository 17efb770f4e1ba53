// Text helpers of the digest reader: line-end trimming and a title's trailing colon, exactly as the regexes they replace, in one pass.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stripTrailingColon, trimLineEnds } from "../../../src/core/digest/digest-links.js";
import { parseDigest } from "../../../src/core/digest/parse-digest.js";

const text = fc
  .array(fc.constantFrom(" ", "\t", "\n", "\r", "\u2028", "\u3000", "\u00a0", ":", "：", "a", "字"), { maxLength: 40 })
  .map((parts) => parts.join(""));

describe("trimLineEnds", () => {
  it("gives what replace(/[ \\t]+$/gm, '') gives, on any text of blanks, line breaks, colons and letters", () => {
    fc.assert(fc.property(text, (t) => void expect(trimLineEnds(t)).toBe(t.replace(/[ \t]+$/gm, ""))), { numRuns: 5000 });
  });
});

describe("stripTrailingColon", () => {
  it("gives what replace(/\\s*[：:]\\s*$/u, '') gives, on any text of blanks, line breaks, colons and letters", () => {
    fc.assert(fc.property(text, (t) => void expect(stripTrailingColon(t)).toBe(t.replace(/\s*[：:]\s*$/u, ""))), { numRuns: 5000 });
  });
});

describe("a digest with a long run of spaces inside a line", () => {
  it("reads its story, title and links as with a short run", () => {
    const digest = (blanks: string) =>
      `## News\n\n### **Title${blanks}x**：\n\nBody${blanks}x.   \n\n > 相关链接：[a](https://a.example/)${blanks}[b](https://b.example/)\n`;
    const story = (blanks: string) => parseDigest(digest(blanks), "/x/2026-03-01.md").digest.sections[0]!.stories[0]!;
    const long = story(" ".repeat(20_000));
    const short = story(" ");
    expect(long.title).toBe(short.title);
    expect(long.body.replace(/ +/g, " ")).toBe(short.body);
    expect(long.links).toEqual(short.links);
  });
});
