// Splitting Telegram HTML: a source that fits in one message takes a shortcut that gives exactly what cutting it into atoms gives.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dropTrailingBlanks, openTagsAtEnd, openTagsAtEndByPattern, splitTelegramHtml, splitTelegramHtmlByAtoms } from "../../src/telegram/telegram-split.js";

/** Pieces of rendered replies, and the odd ones: unclosed and stray tags, entities that decode to blanks, a lone `<` or `&`. */
const PIECES = [
  "<b>", "</b>", "<i>", "</i>", '<a href="https://t.me/bot?start=1">', "</a>", "<code>", "</code>", "<blockquote>", "</blockquote>",
  "模型", "发布", "GLM‑5", " ", "\n", "\n\n", "·", "&lt;", "&amp;", "&#32;", "&#10;", "&#x1F600;", "&quot;", "<", "&", ">", "😀",
  "</s>", "<b ", "x",
];
const source = fc.array(fc.constantFrom(...PIECES), { maxLength: 80 }).map((p) => p.join(""));

describe("splitTelegramHtml shortcut", () => {
  it("gives byte for byte what cutting into atoms gives, whether or not the source fits", () => {
    let fits = 0;
    fc.assert(
      fc.property(source, fc.integer({ min: 16, max: 400 }), (html, limit) => {
        if (html.length <= limit) fits++;
        expect(splitTelegramHtml(html, limit)).toEqual(splitTelegramHtmlByAtoms(html, limit));
      }),
      { numRuns: 3000 },
    );
    expect(fits).toBeGreaterThan(1000);
  });

  it("closes a tag left open and drops trailing blanks and pieces with nothing to show, as the general path does", () => {
    expect(splitTelegramHtml("<b>模型 ")).toEqual(["<b>模型</b>"]);
    expect(splitTelegramHtml("<b>&#32;</b>")).toEqual([]);
    expect(splitTelegramHtml("<b>&lt;</b>")).toEqual(["<b>&lt;</b>"]);
  });
});

describe("dropTrailingBlanks", () => {
  /** Ends of pieces: blanks of every kind, closing tags (also upper-case and broken ones, which the rule keeps), text. */
  const END = [" ", "\n", "\t", "\u3000", "\u00a0", "\ufeff", "</b>", "</a>", "</B>", "</>", "<b>", "</ b>", "</code-x>", "<", ">", "/", "x", "模型", "😀", "\uD800", "&#32;"];
  const piece = fc.array(fc.constantFrom(...END), { maxLength: 12 }).map((p) => p.join(""));

  it("drops what the pattern replace over the whole piece dropped, for any piece", () => {
    fc.assert(
      fc.property(piece, (p) => {
        expect(dropTrailingBlanks(p)).toBe(p.replace(/\s+((?:<\/[a-z-]+>)*)$/u, "$1"));
      }),
      { numRuns: 5000 },
    );
  });

  it("keeps the closing tags and drops the blanks before them", () => {
    expect(dropTrailingBlanks("<b>模型 \n</b></i>")).toBe("<b>模型</b></i>");
    expect(dropTrailingBlanks("<b>模型 </B>")).toBe("<b>模型 </B>");
    expect(dropTrailingBlanks("模型\u3000")).toBe("模型");
  });
});

describe("openTagsAtEnd", () => {
  /** Tag-like pieces: names in both cases, attributes, blanks of every kind after a name, names the Unicode pattern folds. */
  const PARTS = ["<", ">", "/", "</", "b", "B", "a", "code", "-", " ", "\t", "\u3000", "\u00a0", "ſ", "\u212a", 'href="x<y"', "=", "模型", "😀", "&lt;", "\n"];
  const text = fc.array(fc.constantFrom(...PARTS), { maxLength: 30 }).map((p) => p.join(""));

  it("finds the tags left open that the tag pattern finds, for any text", () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(openTagsAtEnd(t)).toEqual(openTagsAtEndByPattern(t));
      }),
      { numRuns: 5000 },
    );
  });

  it("reads a rendered results page: every tag closed", () => {
    expect(openTagsAtEnd('<b>结果</b>\n1. <a href="https://t.me/bot?start=1"><b>GLM</b></a>\n    模型 · <code>id</code>')).toEqual([]);
    expect(openTagsAtEnd("<b>a <i>b</b>")).toEqual(["i"]);
  });
});
