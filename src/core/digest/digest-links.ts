// Link lines of a digest story: recognises `相关链接：[a](…)｜[b](…)`-style lines, link lists and their labels in the mdast tree.
import type { Blockquote, Definition, List, Nodes, Paragraph, PhrasingContent } from "mdast";

/**
 * Words that introduce a links line (`相关链接：`, `Related links:`, `Links:`, `链接：`, …).
 * Applied to the text of one text node only, never to Markdown source.
 */
const LABEL_WORDS =
  "相关链接|相關連結|相关阅读|参考链接|参考资料|延伸阅读|原文链接|查看原文|原文|链接|鏈接|連結|来源|出处|related\\s+links?|links?|sources?|references?|further\\s+reading|read\\s+more|see\\s+also";
const LEADING_LABEL = new RegExp(`^\\s*(?:${LABEL_WORDS})\\s*[：:]`, "iu");
// `\s*(?:[：:]\s*)?$`, not `\s*[：:]?\s*$`: two blank runs side by side split a long run every way before failing.
const LABEL_ONLY = new RegExp(`^\\s*(?:${LABEL_WORDS})\\s*(?:[：:]\\s*)?$`, "iu");
/** What may stand between two links: `｜`, `|`, `·`, `、`, commas, slashes, dashes, bullets, whitespace. */
const SEPARATORS_ONLY = /^[\s｜|·•・、,，;；/／\-–—]*$/u;

/** A link as found in the tree, before the http(s) check. */
export interface RawLink {
  label: string;
  url: string;
  line: number;
}

/** One piece of a paragraph after flattening emphasis: a link, text, a hard break, or anything else. */
type Token =
  | { kind: "link"; link: RawLink; text: string }
  | { kind: "text"; text: string; offset: number; end: number }
  | { kind: "break"; offset: number; end: number }
  | { kind: "other"; text: string };

interface Line {
  tokens: Token[];
  /** Source offset where this line's content starts. */
  start: number;
  /** Source offset where the previous line's content ends (before the break), for cutting a body short. */
  previousEnd: number;
}

/** Reference-style links (`[a][1]` + `[1]: https://…`) resolve through these definitions. */
export type Definitions = Map<string, Definition>;

/** Collects `[id]: url` definitions anywhere in the tree. */
export function collectDefinitions(node: Nodes, into: Definitions = new Map()): Definitions {
  if (node.type === "definition") into.set(node.identifier.toLowerCase(), node);
  if ("children" in node) for (const child of node.children) collectDefinitions(child, into);
  return into;
}

/** Plain text of any node: inline parts joined as they are, blocks joined by a space, whitespace folded. */
export function plainText(node: Nodes): string {
  return foldWhitespace(rawText(node));
}

/** Folds runs of whitespace (including NBSP and zero-width spaces) into one space and trims. */
/**
 * `text` with the spaces and tabs at the end of each line removed, as `replace(/[ \t]+$/gm, "")` gives, in one
 * pass: that regex retries every start inside a run of blanks that does not end its line (quadratic: a body with
 * 20,000 spaces in a line took 0.5 s).
 */
export function trimLineEnds(text: string): string {
  if (!/[ \t](?:[\n\r\u2028\u2029]|$)/.test(text)) return text;
  // Each line (what `$` with the m flag ends at: \n, \r, U+2028, U+2029) taken whole, its blanks trimmed by hand.
  return text.replace(/[^\n\r\u2028\u2029]+/g, (line) => {
    let end = line.length;
    while (end > 0 && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
    return end === line.length ? line : line.slice(0, end);
  });
}

/**
 * `text` without a colon (`:` or `：`) and the whitespace around it at its end, as `replace(/\s*[：:]\s*$/u, "")`
 * gives, without that regex's retries at every start of a long run of blanks (quadratic).
 */
export function stripTrailingColon(text: string): string {
  const trimmed = text.trimEnd();
  const last = trimmed.at(-1);
  return last === ":" || last === "：" ? trimmed.slice(0, -1).trimEnd() : text;
}

export function foldWhitespace(text: string): string {
  // Most text has single plain spaces only: nothing to fold, and the replace below would rebuild it for nothing.
  if (!FOLDABLE.test(text)) return text.trim();
  return text.replace(/[\s\u200b\u200c\u200d\ufeff]+/gu, " ").trim();
}

/** White space `foldWhitespace` would change: any but a lone plain space. */
const FOLDABLE = /(?! )[\s\u200b\u200c\u200d\ufeff]| {2}/u;

function rawText(node: Nodes): string {
  switch (node.type) {
    case "text":
    case "inlineCode":
    case "code":
      return node.value;
    case "break":
      return " ";
    case "image":
    case "imageReference":
      return node.alt ?? "";
    case "html":
    case "yaml":
    case "definition":
      return "";
    default:
      break;
  }
  if (!("children" in node)) return "";
  const inline = node.type === "paragraph" || node.type === "heading" || node.type === "tableCell" ||
    node.type === "link" || node.type === "linkReference" || node.type === "strong" || node.type === "emphasis" ||
    node.type === "delete";
  return (node.children as Nodes[]).map(rawText).join(inline ? "" : " ");
}

/** True for paragraphs with nothing to read: NBSP-only or zero-width-only lines. */
export function isBlankParagraph(node: Paragraph): boolean {
  return plainText(node) === "" && !node.children.some((c) => c.type === "image" || c.type === "imageReference");
}

function flatten(children: PhrasingContent[], defs: Definitions, out: Token[] = []): Token[] {
  for (const child of children) {
    const pos = child.position;
    switch (child.type) {
      case "text":
        out.push({ kind: "text", text: child.value, offset: pos?.start.offset ?? 0, end: pos?.end.offset ?? 0 });
        break;
      case "break":
        out.push({ kind: "break", offset: pos?.start.offset ?? 0, end: pos?.end.offset ?? 0 });
        break;
      case "strong":
      case "emphasis":
      case "delete":
        flatten(child.children, defs, out);
        break;
      case "link": {
        const text = plainText(child);
        out.push({ kind: "link", text, link: { label: text, url: child.url, line: pos?.start.line ?? 1 } });
        break;
      }
      case "linkReference": {
        const def = defs.get(child.identifier.toLowerCase());
        const text = plainText(child);
        if (def) out.push({ kind: "link", text, link: { label: text, url: def.url, line: pos?.start.line ?? 1 } });
        else out.push({ kind: "other", text });
        break;
      }
      default:
        out.push({ kind: "other", text: plainText(child) });
    }
  }
  return out;
}

/** Splits flattened tokens into source lines (hard breaks and soft line endings inside text). */
function splitLines(tokens: Token[], source: string, paragraphStart: number): Line[] {
  const lines: Line[] = [{ tokens: [], start: paragraphStart, previousEnd: paragraphStart }];
  const current = (): Line => lines[lines.length - 1] as Line;
  for (const token of tokens) {
    if (token.kind === "break") {
      lines.push({ tokens: [], start: token.end, previousEnd: token.offset });
      continue;
    }
    if (token.kind !== "text" || !token.text.includes("\n")) {
      current().tokens.push(token);
      continue;
    }
    // A soft line ending sits inside a text node; find each one in the node's source to know where lines start.
    const raw = source.slice(token.offset, token.end);
    const parts = token.text.split("\n");
    let searchFrom = 0;
    parts.forEach((part, i) => {
      if (i > 0) {
        const nl = raw.indexOf("\n", searchFrom);
        const at = nl === -1 ? token.end : token.offset + nl;
        searchFrom = nl === -1 ? raw.length : nl + 1;
        lines.push({ tokens: [], start: at + 1, previousEnd: at });
      }
      if (part !== "") current().tokens.push({ kind: "text", text: part, offset: token.offset, end: token.end });
    });
  }
  return lines;
}

/** `links` when the line is only links (after an optional label), `label` when it is only a label, else `text`. */
function classifyLine(line: Line): "links" | "label" | "empty" | "text" {
  const tokens = line.tokens.filter((t) => !(t.kind === "text" && t.text.trim() === ""));
  if (tokens.length === 0) return "empty";
  if (tokens.some((t) => t.kind === "other")) return "text";
  const firstLink = tokens.findIndex((t) => t.kind === "link");
  const textOf = (ts: Token[]): string => ts.map((t) => (t.kind === "text" ? t.text : "")).join("");
  if (firstLink === -1) return LABEL_ONLY.test(textOf(tokens)) ? "label" : "text";
  // The label may be split over nodes (`**相关链接**：`), so it is matched on the joined leading text.
  const leading = textOf(tokens.slice(0, firstLink)).replace(LEADING_LABEL, "");
  if (!SEPARATORS_ONLY.test(leading)) return isSourceLine(tokens) ? "links" : "text";
  const between = tokens.slice(firstLink).filter((t) => t.kind === "text");
  if (between.every((t) => SEPARATORS_ONLY.test(t.kind === "text" ? t.text : ""))) return "links";
  return isSourceLine(tokens) ? "links" : "text";
}

/**
 * A mixed source line: links and short facts between `|` (`来源: CNBC | 4天前 | [查看原文](url)`,
 * `[Submission URL](…) | 143 points | by [user](…)`). Sentences with a link inside stay text.
 */
function isSourceLine(tokens: Token[]): boolean {
  const segments: { text: string; link: boolean }[] = [{ text: "", link: false }];
  for (const t of tokens) {
    if (t.kind === "link") (segments[segments.length - 1] as { link: boolean }).link = true;
    else if (t.kind === "text") {
      const parts = t.text.split(/[|｜]/u);
      parts.forEach((part, i) => {
        if (i > 0) segments.push({ text: "", link: false });
        (segments[segments.length - 1] as { text: string }).text += part;
      });
    } else return false;
  }
  if (segments.length < 2) return false;
  return segments.every((s) => (s.link ? s.text.replace(LEADING_LABEL, "").trim().length <= 12 : s.text.trim().length <= 24));
}

/** How a paragraph splits: body text up to `bodyEnd` (source offset), then trailing link lines. */
export interface ParagraphSplit {
  /** Links on the trailing link lines (empty when the paragraph has none). */
  links: RawLink[];
  /** `whole`: the paragraph is only links; `label`: only a label such as `Links:`; `body`: text, maybe with trailing links. */
  kind: "whole" | "label" | "body";
  /** Where the body part ends in the source (the paragraph end when there are no trailing links). */
  bodyEnd: number;
  /** Plain text of the body part. */
  bodyText: string;
  /** The body without its last line(s) when they are only a label such as `相关链接：` (used when links follow). */
  withoutLabel?: { bodyEnd: number; bodyText: string };
}

/**
 * Splits a paragraph into body text and trailing link lines.
 *
 * @example
 * // "Body text.  \nLinks: [a](https://a) | [b](https://b)" → body "Body text.", two links
 */
export function splitParagraph(node: Paragraph, source: string, defs: Definitions): ParagraphSplit {
  const start = node.position?.start.offset ?? 0;
  const end = node.position?.end.offset ?? source.length;
  const lines = splitLines(flatten(node.children, defs), source, start);
  const kinds = lines.map(classifyLine);
  let first = lines.length;
  while (first > 0 && kinds[first - 1] !== "text") first--;
  const tail = lines.slice(first);
  const links = tail.flatMap((l) => l.tokens.flatMap((t) => (t.kind === "link" ? [t.link] : [])));
  const textBefore = (count: number): string =>
    foldWhitespace(lines.slice(0, count).map((l) => l.tokens.map((t) => ("text" in t ? t.text : "")).join("")).join(" "));
  if (links.length === 0) {
    const labelOnly = kinds.length > 0 && kinds.every((k) => k === "label" || k === "empty") && kinds.includes("label");
    const split: ParagraphSplit = { links: [], kind: labelOnly ? "label" : "body", bodyEnd: end, bodyText: plainText(node) };
    // "Body…\nLinks:" followed by a list: the label line belongs to the list, if a list of links follows.
    if (!labelOnly && first > 0 && kinds.slice(first).includes("label")) {
      split.withoutLabel = { bodyEnd: (lines[first] as Line).previousEnd, bodyText: textBefore(first) };
    }
    return split;
  }
  if (first === 0) return { links, kind: "whole", bodyEnd: start, bodyText: "" };
  return { links, kind: "body", bodyEnd: (lines[first] as Line).previousEnd, bodyText: textBefore(first) };
}

/** Links of a list whose every item is only links (a bullet list of sources); `undefined` for any other list. */
export function linksOfList(node: List, source: string, defs: Definitions): RawLink[] | undefined {
  const links: RawLink[] = [];
  for (const item of node.children) {
    if (item.children.length === 0) return undefined;
    for (const block of item.children) {
      if (block.type !== "paragraph") return undefined;
      const split = splitParagraph(block, source, defs);
      if (split.kind !== "whole") return undefined;
      links.push(...split.links);
    }
  }
  return links.length > 0 ? links : undefined;
}

/** Links of a blockquote that holds only link lines (the seed's ` > 相关链接：…`); `undefined` otherwise. */
export function linksOfBlockquote(node: Blockquote, source: string, defs: Definitions): RawLink[] | undefined {
  const links: RawLink[] = [];
  for (const block of node.children) {
    if (block.type === "paragraph") {
      if (isBlankParagraph(block)) continue;
      const split = splitParagraph(block, source, defs);
      if (split.kind === "label") continue;
      if (split.kind !== "whole") return undefined;
      links.push(...split.links);
    } else if (block.type === "list") {
      const listLinks = linksOfList(block, source, defs);
      if (!listLinks) return undefined;
      links.push(...listLinks);
    } else return undefined;
  }
  return links.length > 0 ? links : undefined;
}

/** Links inside a heading (`### [Title](https://…)`), which belong to the story too. */
export function linksOfPhrasing(children: PhrasingContent[], defs: Definitions): RawLink[] {
  return flatten(children, defs).flatMap((t) => (t.kind === "link" ? [t.link] : []));
}
