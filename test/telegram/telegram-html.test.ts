// The Telegram HTML builder, Markdown renderer and splitter: valid HTML, nothing lost, never over the limit.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  escapeHtml,
  html,
  joinHtml,
  link,
  markdownToTelegramHtml,
  splitTelegramHtml,
  TELEGRAM_MESSAGE_LIMIT,
  telegramTextLength,
} from "../../src/telegram/telegram-html.js";
import { linkButtons } from "../../src/telegram/telegram-render.js";
import { checkTelegramHtml } from "./html-check.js";

const valid = (s: string) => expect(checkTelegramHtml(s).problems).toEqual([]);

describe("escaping builder", () => {
  it("property: html`` and joinHtml build the same markup as escaping each piece and joining the non-empty ones", () => {
    const leaf = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom("", "<", "&", '"', "<b>x</b>", "😀"),
      fc.integer(),
      fc.constantFrom(undefined, null, false),
      fc.string({ maxLength: 12 }).map((s) => html`<b>${s}</b>`),
    );
    const part = fc.oneof(leaf, fc.array(leaf, { maxLength: 4 }));
    // The reference: each piece as text (markup kept, strings and numbers escaped), nothing for absent pieces.
    const asText = (p: unknown): string =>
      p === undefined || p === null || p === false ? "" : Array.isArray(p) ? p.map(asText).join("") : String(p instanceof Object ? p : escapeHtml(String(p)));
    fc.assert(
      fc.property(fc.array(part, { maxLength: 8 }), part, (parts, sep) => {
        const joined = parts.map(asText).filter((s) => s !== "").join(asText(sep));
        expect(joinHtml(parts, sep).value).toBe(joined);
        expect(html`<i>${parts[0]}|${parts[1]}</i>${parts[2]}`.value).toBe(`<i>${asText(parts[0])}|${asText(parts[1])}</i>${asText(parts[2])}`);
      }),
    );
  });

  it("escapes every interpolated string and keeps literal markup", () => {
    const title = `<script>alert("x")</script> & <b>`;
    const out = html`<b>${title}</b>`.value;
    expect(out).toBe("<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;</b>");
    valid(out);
    expect(checkTelegramHtml(out).plain).toBe(title);
  });

  it("links only http(s) URLs; other schemes keep the text and lose the link", () => {
    expect(link("ok", "https://example.com/a?b=1&c=2").value).toBe('<a href="https://example.com/a?b=1&amp;c=2">ok</a>');
    expect(link("js", "javascript:alert(1)").value).toBe("js");
    expect(link("tg", "tg://resolve?domain=x").value).toBe("tg");
    expect(link("<x>", "https://exa mple.com").value).toBe("&lt;x&gt;");
  });

  it("never links a credentials disguise, and sends the URL it checked (normalized)", () => {
    expect(link("a", "https://www.anthropic.com@evil.example/login").value).toBe("a");
    expect(link("a", "https://user:pass@example.com/").value).toBe("a");
    expect(link("a", "//evil.example/").value).toBe("a");
    expect(link("a", "HTTPS://Example.COM/x").value).toBe('<a href="https://example.com/x">a</a>');
    // Telegram and the WHATWG parser could disagree on what a backslash or a bidi override means; send what was checked.
    expect(link("a", "https://evil.example\\@good.example/").value).toBe('<a href="https://evil.example/@good.example/">a</a>');
    expect(link("a", "https://x.example/\u202egpj.exe").value).toBe('<a href="https://x.example/%E2%80%AEgpj.exe">a</a>');
    expect(link("a", 'https://x.example/"><b>').value).toBe('<a href="https://x.example/%22%3E%3Cb%3E">a</a>');
    expect(markdownToTelegramHtml("[登录](https://bank.example@evil.example/) ![图](https://u:p@x.example/i.png)").value).toBe("登录 图");
    expect(linkButtons([{ label: "x", url: "https://a@b.example/" }, { label: " ", url: "HTTP://B.EXAMPLE" }])).toEqual([[{ text: "b.example", url: "http://b.example/" }]]);
  });
});

describe("markdownToTelegramHtml", () => {
  it("renders bold, italic, code and http links, escaping text", () => {
    const out = markdownToTelegramHtml("**GLM‑5** is *fast* & uses `a<b` — [paper](https://arxiv.org/abs/2602.1)").value;
    expect(out).toBe('<b>GLM‑5</b> is <i>fast</i> &amp; uses <code>a&lt;b</code> — <a href="https://arxiv.org/abs/2602.1">paper</a>');
    valid(out);
  });

  it("shows raw HTML as text and drops non-http links", () => {
    const out = markdownToTelegramHtml('<img src=x onerror=alert(1)> [click](javascript:alert(1)) [mail](mailto:a@b.c) <a href="http://x">x</a>').value;
    valid(out);
    expect(out).not.toContain("<img");
    expect(out).not.toContain("javascript:");
    expect(out).not.toContain("mailto:");
    expect(checkTelegramHtml(out).plain).toContain("<img src=x onerror=alert(1)>");
  });

  it("never nests a tag in itself, which Telegram refuses: a quote in a quote, bold in bold, a link in a link", () => {
    expect(markdownToTelegramHtml("> > 引用里的引用").value).toBe("<blockquote>引用里的引用</blockquote>");
    expect(markdownToTelegramHtml("**a **b** c**").value).toBe("<b>a b c</b>");
    expect(markdownToTelegramHtml("[see https://a.example/docs](https://a.example)").value).toBe('<a href="https://a.example/">see https://a.example/docs</a>');
    // A link text naming another site than the target shows the target (see link-label.ts).
    expect(markdownToTelegramHtml("[see https://b.example](https://a.example)").value).toBe('<a href="https://a.example/">https://a.example/</a>');
  });

  it("property: any Markdown, unmatched markers and hostile links included, renders as valid Telegram HTML", () => {
    const token = fc.constantFrom(
      "**", "*", "_", "__", "~~", "`", "```", "[", "]", "(", ")", "<", ">", "&", '"', "\\", "> ", "- ", "1. ", "# ", "\n", "\n\n", " ",
      "text", "粗体", "[a](https://example.com/?q=<&>)", "[b](javascript:alert(1))", "<https://example.com/a_b>", "https://x.example/\"",
      "![i](https://u:p@x.example/i.png)", "<b>", "</i>", "&amp;", "&#0;", "| a | b |\n|---|---|\n| c | d |", "[^1]", "[ref]: https://r.example",
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => {
        const out = markdownToTelegramHtml(tokens.join("")).value;
        const problems = checkTelegramHtml(out).problems.filter((p) => p !== "message text is empty");
        expect(problems, out).toEqual([]);
        // Text stays as written; only the links the bot makes are vetted.
        for (const [, href] of out.matchAll(/<a href="([^"]*)"/g)) {
          const url = new URL(href!.replace(/&amp;/g, "&"));
          expect([url.protocol, url.username, url.password]).toEqual(["https:", "", ""]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps paragraphs apart and renders lists and quotes", () => {
    const out = markdownToTelegramHtml("First para.\n\nSecond **para**.\n\n- one\n- two\n\n> quoted").value;
    expect(out).toBe("First para.\n\nSecond <b>para</b>.\n\n• one\n• two\n\n<blockquote>quoted</blockquote>");
  });
});

describe("splitTelegramHtml", () => {
  it("returns short text unchanged", () => {
    expect(splitTelegramHtml("<b>hi</b> there")).toEqual(["<b>hi</b> there"]);
  });

  it("splits long bold text at spaces, closing and reopening the tag", () => {
    const source = `<b>${"word ".repeat(2000)}</b>`;
    const pieces = splitTelegramHtml(source);
    expect(pieces.length).toBe(3);
    for (const p of pieces) {
      valid(p);
      expect(p.startsWith("<b>") && p.endsWith("</b>")).toBe(true);
      expect(p).not.toMatch(/wor<|\bor\b/); // never inside a word
    }
  });

  it("never cuts inside an entity and counts an entity as one character", () => {
    const source = "&amp;".repeat(5000);
    expect(telegramTextLength(source)).toBe(5000);
    const pieces = splitTelegramHtml(source);
    expect(pieces.map(telegramTextLength)).toEqual([4096, 904]);
    for (const p of pieces) valid(p);
  });

  it("prefers blank lines, then sentence ends", () => {
    const para = "这是一个句子。".repeat(200); // 1400 chars: two fit in a message, three do not
    const pieces = splitTelegramHtml(`${para}\n\n${para}\n\n${para}`);
    expect(pieces).toEqual([`${para}\n\n${para}`, para]);
    const sentences = splitTelegramHtml("这是一个句子。".repeat(700));
    for (const p of sentences) expect(p.endsWith("。")).toBe(true);
  });

  it("property: any text, escaped and marked up, splits into valid pieces within the limit that keep every character", () => {
    const piece = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 300 }),
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.constantFrom("<", ">", "&", '"', "&amp;", "<b>", "\n\n", "。", " ", "😀", "GLM‑5", "\u00a0"),
    );
    const block = fc.tuple(fc.constantFrom("b", "i", "code", "a", "none"), fc.array(piece, { maxLength: 30 }));
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 40 }), fc.integer({ min: 16, max: TELEGRAM_MESSAGE_LIMIT }), (blocks, limit) => {
        const source = blocks
          .map(([tag, parts]) => {
            const text = escapeHtml(parts.join(""));
            if (tag === "none") return text.value;
            if (tag === "a") return link(text, "https://example.com/?q=<&>").value;
            return `<${tag}>${text.value}</${tag}>`;
          })
          .join("\n");
        const pieces = splitTelegramHtml(source, limit);
        const originalPlain = checkTelegramHtml(source).plain;
        for (const p of pieces) {
          const check = checkTelegramHtml(p, limit);
          expect(check.problems).toEqual([]);
        }
        const strip = (s: string) => s.replace(/\s+/g, "");
        expect(strip(pieces.map((p) => checkTelegramHtml(p).plain).join(""))).toBe(strip(originalPlain));
      }),
      { numRuns: 60 },
    );
  });
});

describe("hostile nesting and repeated renders", () => {
  it.each([
    ["quotes", "> ".repeat(5000) + "deep **text**"],
    ["lists", "- ".repeat(5000) + "deep"],
    ["quotes in lists", "> - ".repeat(3000) + "deep"],
    ["indented lists", Array.from({ length: 400 }, (_, i) => `${" ".repeat(2 * i)}- level ${i}`).join("\n")],
  ])("renders %s nested thousands deep as valid HTML instead of overflowing the stack", (name, markdown) => {
    const out = markdownToTelegramHtml(markdown).value;
    // Not split into messages here, so no length limit.
    expect(checkTelegramHtml(out, Number.POSITIVE_INFINITY).problems).toEqual([]);
    expect(checkTelegramHtml(out, Number.POSITIVE_INFINITY).plain).toContain(name === "indented lists" ? "level 399" : "deep");
  });

  it("nesting the depth cap allows still renders as markup", () => {
    expect(markdownToTelegramHtml("> ".repeat(30) + "ok **b**").value).toBe("<blockquote>ok <b>b</b></blockquote>");
  });

  it("renders one body once: the same Markdown again is answered from the cache", () => {
    const body = `**cached** ${Math.random()}`;
    const first = markdownToTelegramHtml(body);
    expect(markdownToTelegramHtml(body)).toBe(first);
    expect(markdownToTelegramHtml(`${body} edited`)).not.toBe(first);
  });
});
