// Telegram HTML that is always valid: an escaping builder and Markdown → Telegram HTML (the splitter, re-exported here, is in telegram-split.ts).
import type { Nodes } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";
import { displayLinkLabel } from "../core/safety/link-label.js";
import { flatText, nestingDepth } from "./markdown-depth.js";

export { TELEGRAM_MESSAGE_LIMIT, splitTelegramHtml, splitTelegramHtmlByAtoms, telegramTextLength } from "./telegram-split.js";

/** Most bytes of an inline button's `callback_data`. */
export const TELEGRAM_CALLBACK_DATA_LIMIT = 64;
/** Most bytes of a `/start` deep-link payload (`A-Za-z0-9_-`). */
export const TELEGRAM_START_PAYLOAD_LIMIT = 64;
/** Most results in one `answerInlineQuery`. */
export const TELEGRAM_INLINE_RESULTS_LIMIT = 50;
/** Most characters of an inline result's title / description we send (Telegram truncates in its UI anyway). */
export const TELEGRAM_INLINE_TITLE_LIMIT = 128;
export const TELEGRAM_INLINE_DESCRIPTION_LIMIT = 256;
/** Button labels are cut to this many characters so keyboards stay readable. */
export const TELEGRAM_BUTTON_TEXT_LIMIT = 40;

/**
 * A piece of Telegram HTML that is known to be valid: built only by the functions here, never from raw strings.
 * Interpolating a plain string into {@link html} escapes it, so digest text can never inject markup.
 */
export class TelegramHtml {
  /** @internal use {@link html}, {@link escapeHtml} or the tag helpers. */
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type HtmlPart = string | number | TelegramHtml | readonly HtmlPart[] | undefined | false | null;

const NEEDS_ESCAPE = /[&<>"]/;

/** Escapes text for Telegram HTML (`&`, `<`, `>`, `"`). */
export function escapeHtml(text: string): TelegramHtml {
  return new TelegramHtml(escapeText(text));
}

function escapeText(text: string): string {
  // Most text (titles, ids, dates) holds none of the four: testing first skips building a copy of it.
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"));
}

function partToString(part: HtmlPart): string {
  if (part === undefined || part === null || part === false) return "";
  if (part instanceof TelegramHtml) return part.value;
  if (Array.isArray(part)) return (part as readonly HtmlPart[]).map(partToString).join("");
  return escapeText(String(part));
}

/**
 * Tagged template for Telegram HTML: the literal parts are markup, every interpolated string is escaped.
 *
 * @example
 * html`<b>${story.title}</b>` // "<b>a &lt; b</b>" for the title "a < b"
 */
export function html(strings: TemplateStringsArray, ...parts: HtmlPart[]): TelegramHtml {
  let out = strings[0] ?? "";
  for (let i = 0; i < parts.length; i++) out += partToString(parts[i]) + (strings[i + 1] ?? "");
  return new TelegramHtml(out);
}

/** Joins pieces with a separator (escaped when it is a plain string). */
export function joinHtml(parts: readonly HtmlPart[], separator: HtmlPart = ""): TelegramHtml {
  const sep = partToString(separator);
  let out = "";
  let first = true;
  for (const part of parts) {
    const piece = partToString(part);
    if (piece === "") continue;
    out += first ? piece : sep + piece;
    first = false;
  }
  return new TelegramHtml(out);
}

export const bold = (content: HtmlPart) => html`<b>${content}</b>`;
export const italic = (content: HtmlPart) => html`<i>${content}</i>`;
export const code = (content: HtmlPart) => html`<code>${content}</code>`;
export const blockquote = (content: HtmlPart) => html`<blockquote>${content}</blockquote>`;

/**
 * The URL as the bot sends it when it is an absolute http(s) URL without whitespace, control characters or
 * credentials; undefined otherwise. Normalized by the WHATWG parser (scheme and host lowercased, non-ASCII and
 * bidi characters percent-encoded, `\\` read as `/`), so the link Telegram opens is the one that was checked, and a
 * `https://trusted.example@evil.example` disguise never gets through.
 *
 * @example
 * safeHttpUrl("HTTPS://Example.com/a b") // undefined (whitespace)
 * safeHttpUrl("HTTPS://Example.com/ä")   // "https://example.com/%C3%A4"
 */
export function safeHttpUrl(url: string): string | undefined {
  if (!/^https?:\/\/[^\s\u0000-\u001f\u007f]+$/i.test(url)) return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
    if (parsed.hostname === "" || parsed.username !== "" || parsed.password !== "") return undefined;
    return parsed.href;
  } catch {
    return undefined;
  }
}

/** True for the URLs {@link safeHttpUrl} accepts — the only links the bot ever makes. */
export function isSafeUrl(url: string): boolean {
  return safeHttpUrl(url) !== undefined;
}

/** A link when the URL is http(s); otherwise just the (escaped) text, so no other scheme ever gets through. */
export function link(text: HtmlPart, url: string): TelegramHtml {
  const safe = safeHttpUrl(url);
  return safe ? html`<a href="${safe}">${text}</a>` : html`${text}`;
}

/**
 * Renders a digest's Markdown (bold, italic, strikethrough, inline code, links, lists, quotes) as Telegram HTML.
 * Raw HTML in the Markdown is shown as text; links that are not http(s) keep their text and lose the link.
 *
 * @example
 * markdownToTelegramHtml("**GLM‑5** beats <x> [paper](https://arxiv.org/abs/1)").value
 * // '<b>GLM‑5</b> beats &lt;x&gt; <a href="https://arxiv.org/abs/1">paper</a>'
 */
export function markdownToTelegramHtml(markdown: string): TelegramHtml {
  const cached = rendered.get(markdown);
  if (cached !== undefined) {
    // Most recently used last, so the oldest is the one dropped.
    rendered.delete(markdown);
    rendered.set(markdown, cached);
    return cached;
  }
  // The Markdown parser itself recurses per nesting level (and overflows the stack thousands deep): such a body is
  // shown as its escaped source instead of being parsed.
  const html =
    nestingDepth(markdown) > TELEGRAM_RENDER_MAX_DEPTH
      ? new TelegramHtml(escapeText(markdown.replace(/\u0000/g, "")).trim())
      : new TelegramHtml(renderNode(fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] }), new Set(), 0).trim());
  rendered.set(markdown, html);
  if (rendered.size > TELEGRAM_RENDER_CACHE_SIZE) rendered.delete(rendered.keys().next().value!);
  return html;
}

/**
 * Story bodies rendered lately, keyed on their Markdown: `/story`, inline queries and daily posts of the same story
 * revision parse it once (a changed body is another key). A body of a deeply nested story can take seconds to parse.
 */
export const TELEGRAM_RENDER_CACHE_SIZE = 256;
const rendered = new Map<string, TelegramHtml>();

/**
 * Nesting depth (quotes in lists in quotes…) rendered as markup; deeper content is shown as its plain text, so a
 * hostile digest nested thousands of levels deep renders instead of overflowing the stack.
 */
export const TELEGRAM_RENDER_MAX_DEPTH = 64;


/** Tags open around a node ("a" for a link): Telegram rejects a tag nested in itself, such as a quote in a quote. */
type OpenTags = ReadonlySet<string>;

function renderChildren(node: { children: Nodes[] }, open: OpenTags, depth: number): string {
  return node.children.map((c) => renderNode(c, open, depth + 1)).join("");
}

function renderBlocks(node: { children: Nodes[] }, open: OpenTags, depth: number): string {
  return node.children
    .map((c) => renderNode(c, open, depth + 1))
    .filter((s) => s.trim() !== "")
    .join("\n\n");
}

/** `<tag>…</tag>` around what `render` makes, or just that when the tag is already open (`> > x`, `**a **b** c**`). */
function wrap(tag: string, open: OpenTags, render: (open: OpenTags) => string): string {
  if (open.has(tag)) return render(open);
  const inner = render(new Set([...open, tag]));
  return inner ? `<${tag}>${inner}</${tag}>` : "";
}

function renderNode(node: Nodes, open: OpenTags, depth: number): string {
  if (depth > TELEGRAM_RENDER_MAX_DEPTH) return escapeText(flatText(node));
  switch (node.type) {
    case "root":
    case "listItem":
    case "footnoteDefinition":
      return renderBlocks(node, open, depth);
    case "blockquote":
      return wrap("blockquote", open, (o) => renderBlocks(node, o, depth).trim());
    case "paragraph":
    case "tableCell":
      return renderChildren(node, open, depth);
    case "heading":
    case "strong":
      return wrap("b", open, (o) => renderChildren(node, o, depth));
    case "text":
      return escapeText(node.value);
    case "emphasis":
      return wrap("i", open, (o) => renderChildren(node, o, depth));
    case "delete":
      return wrap("s", open, (o) => renderChildren(node, o, depth));
    case "inlineCode":
      return `<code>${escapeText(node.value)}</code>`;
    case "code":
      return `<pre>${escapeText(node.value)}</pre>`;
    case "break":
      return "\n";
    case "thematicBreak":
      return "———";
    case "link": {
      const url = safeHttpUrl(node.url);
      // Telegram does not nest links; an inner link (autolink inside a link) keeps only its text.
      if (open.has("a") || !url) return renderChildren(node, open, depth);
      // `[https://good.example](https://evil.example)` in a body shows where it really goes.
      const label = flatText(node);
      if (label.trim() !== "" && displayLinkLabel(label, url) !== label.trim()) return `<a href="${escapeText(url)}">${escapeText(url)}</a>`;
      const text = renderChildren(node, new Set([...open, "a"]), depth);
      return `<a href="${escapeText(url)}">${text || escapeText(node.url)}</a>`;
    }
    case "image": {
      const url = open.has("a") ? undefined : safeHttpUrl(node.url);
      // The alt text is the link's label: `![https://good.example](https://evil.example/x.png)` shows the target.
      return url ? `<a href="${escapeText(url)}">${escapeText(displayLinkLabel(node.alt ?? "", url))}</a>` : escapeText(node.alt ?? "");
    }
    case "list":
      return node.children
        .map((item, i) => {
          const marker = node.ordered ? `${(node.start ?? 1) + i}. ` : "• ";
          return marker + renderBlocks(item, open, depth).replace(/\n/g, "\n  ");
        })
        .join("\n");
    case "table":
      return node.children.map((row) => row.children.map((cell) => renderNode(cell, open, depth + 1)).join(" | ")).join("\n");
    case "html":
      return escapeText(node.value);
    default:
      // Anything else (references, footnote calls, frontmatter): its plain text, escaped.
      return escapeText(flatText(node));
  }
}
