// Story bodies and links: turns the Markdown nodes under a story heading into body, plain text and safe links.
import type { Heading, Nodes, RootContent } from "mdast";
import {
  type Definitions,
  isBlankParagraph,
  linksOfBlockquote,
  linksOfList,
  plainText,
  type RawLink,
  splitParagraph,
  trimLineEnds,
} from "./digest-links.js";
import type { StoryDraft } from "./digest-items.js";
import type { Link, Story } from "./model.js";
import type { DigestWarning } from "./parse-digest.js";

/** What story building needs from the parse: the file, its (normalised) source, link definitions, the warning sink. */
export interface Context {
  file: string;
  source: string;
  defs: Definitions;
  warnings: DigestWarning[];
}

export type { StoryDraft } from "./digest-items.js";

/** 1-based line where a node starts. */
export const lineOf = (node: { position?: { start: { line: number } } | undefined }): number => node.position?.start.line ?? 1;

/** Rules, HTML comments, definitions and NBSP-only lines carry nothing a reader would miss. */
export function isIgnorable(node: RootContent): boolean {
  return (
    node.type === "thematicBreak" ||
    node.type === "html" ||
    node.type === "definition" ||
    node.type === "yaml" ||
    (node.type === "paragraph" && isBlankParagraph(node))
  );
}

interface BodyPart {
  start: number;
  end: number;
  text: string;
}

export function buildStory(draft: StoryDraft, id: string, ctx: Context): Story {
  const { source, defs } = ctx;
  const parts: BodyPart[] = [];
  const raw: RawLink[] = [...draft.headLinks];
  let pendingLabel: BodyPart | undefined;
  /** A body part ending in a label line, and the part without it, in case links come next. */
  let labelTail: { index: number; cut: BodyPart } | undefined;
  const partOf = (node: Nodes): BodyPart => ({
    start: node.position?.start.offset ?? 0,
    end: node.position?.end.offset ?? 0,
    text: plainText(node),
  });
  const flushLabel = (): void => {
    if (pendingLabel) parts.push(pendingLabel);
    pendingLabel = undefined;
  };

  for (const node of draft.nodes) {
    if (isIgnorable(node)) continue;
    const tail = labelTail;
    labelTail = undefined;
    let links: RawLink[] | undefined;
    if (node.type === "paragraph") {
      const split = splitParagraph(node, source, defs);
      if (split.kind === "label") {
        // `Links:` on its own line: a label for the list that follows, or body text if no links follow.
        flushLabel();
        pendingLabel = partOf(node);
        continue;
      }
      if (split.kind === "whole") links = split.links;
      else {
        flushLabel();
        const start = node.position?.start.offset ?? 0;
        parts.push({ start, end: split.bodyEnd, text: split.bodyText });
        raw.push(...split.links);
        if (split.withoutLabel) {
          labelTail = { index: parts.length - 1, cut: { start, end: split.withoutLabel.bodyEnd, text: split.withoutLabel.bodyText } };
        }
        continue;
      }
    } else if (node.type === "list") links = linksOfList(node, source, defs);
    else if (node.type === "blockquote") links = linksOfBlockquote(node, source, defs);

    if (links) {
      pendingLabel = undefined;
      if (tail) parts[tail.index] = tail.cut;
      raw.push(...links);
    } else {
      flushLabel();
      parts.push(partOf(node));
    }
  }
  flushLabel();

  warnAboutHtml(draft.nodes, ctx);
  const unsafe = findUnsafeLinks(draft.nodes, defs);
  // A story with no links line keeps the web links of its text (a bullet whose sources are inline).
  if (raw.length === draft.headLinks.length || draft.inferred) raw.push(...inlineWebLinks(draft.nodes, defs));
  const body = parts
    .map((p) => trimLineEnds(sliceSafely(p, unsafe, ctx)).trim())
    .filter(Boolean)
    .join("\n\n");
  const text = parts.map((p) => p.text).filter(Boolean).join("\n\n");
  if (!text) ctx.warnings.push({ file: ctx.file, line: draft.line, message: `story "${draft.title}" has no body text` });
  return { id, title: draft.title, body, text, links: keepWebLinks(raw, ctx) };
}

/** Web links anywhere in the story's text (for stories whose sources are inline); unsafe ones are left to `sliceSafely`. */
function inlineWebLinks(nodes: readonly Nodes[], defs: Definitions, out: RawLink[] = []): RawLink[] {
  for (const node of nodes) {
    let url: string | undefined;
    if (node.type === "link") url = node.url;
    else if (node.type === "linkReference") url = defs.get(node.identifier.toLowerCase())?.url;
    if (url !== undefined) {
      if (urlProblem(url.trim()) === undefined) out.push({ label: plainText(node), url: url.trim(), line: lineOf(node) });
    } else if ("children" in node) inlineWebLinks(node.children, defs, out);
  }
  return out;
}

/**
 * A link or image in body text the renderers must not be handed as it stands: a target that is not http(s)
 * (`javascript:`, `data:`, relative paths), or a web address with white space around it that CommonMark keeps
 * (an NBSP or U+3000 is no Markdown white space, so `[a](\u00a0https://…)` targets " https://…").
 */
interface UnsafeLink {
  start: number;
  end: number;
  text: string;
  url: string;
  line: number;
  /** "reference": a safe reference link, recorded only where it ends (see `sliceSafely`). */
  problem: UrlProblem | "padded" | "reference";
  /** For a padded link: the image or link, and where its label's source lies (with its own unsafe links inside). */
  padded?: { image: boolean; alt: string; rawUrl: string; label?: { start: number; end: number }; inner: UnsafeLink[] };
}

function findUnsafeLinks(nodes: readonly Nodes[], defs: Definitions, out: UnsafeLink[] = []): UnsafeLink[] {
  for (const node of nodes) {
    let url: string | undefined;
    if (node.type === "link" || node.type === "image") url = node.url;
    else if (node.type === "linkReference" || node.type === "imageReference") url = defs.get(node.identifier.toLowerCase())?.url;
    const problem = url === undefined ? undefined : urlProblem(url.trim());
    const at = { start: node.position?.start.offset ?? 0, end: node.position?.end.offset ?? 0, text: plainText(node), line: lineOf(node) };
    if (url !== undefined && problem) out.push({ ...at, problem, url: url.trim() });
    else if (url !== undefined && url !== url.trim() && (node.type === "link" || node.type === "image")) {
      // References are left as they are: their definitions stay out of the body, so renderers never see the target.
      const children = node.type === "link" ? node.children : [];
      const first = children[0]?.position;
      const last = children[children.length - 1]?.position;
      const label = first && last ? { start: first.start.offset ?? 0, end: last.end.offset ?? 0 } : undefined;
      const alt = node.type === "image" ? (node.alt ?? "") : "";
      out.push({ ...at, problem: "padded", url: url.trim(), padded: { image: node.type === "image", alt, rawUrl: url, label, inner: findUnsafeLinks(children, defs) } });
    } else if ("children" in node) findUnsafeLinks(node.children, defs, out);
    if ((node.type === "linkReference" || node.type === "imageReference") && url !== undefined && !problem) {
      out.push({ start: at.end, end: at.end, text: "", url, line: at.line, problem: "reference" });
    }
  }
  return out;
}

const escapeMarkdown = (text: string): string => text.replace(/[\\`*_[\]()<>#!|~&]/g, "\\$&");

/** A link destination that reads back as `url` exactly: bare when it can be, else in `<…>` with escapes. */
function writeDestination(url: string): string {
  return /[\s<>()\\&\p{Cc}]/u.test(url) ? `<${url.replace(/[\\<>&]/g, "\\$&")}>` : url;
}

/** Names the characters `trim` took off a URL (`U+00A0`, `U+3000`), for the publisher, who cannot see them. */
function namePadding(raw: string, trimmed: string): string {
  const at = raw.indexOf(trimmed);
  const cut = raw.slice(0, at) + raw.slice(at + trimmed.length);
  return [...new Set(cut)].map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`).join(", ");
}

/**
 * The Markdown source of a body part with every non-web link turned into its (escaped) text, so that renderers
 * downstream can never be handed a `javascript:` target, and every padded web link rewritten to the address the
 * story's links keep. Each one is reported with its line.
 */
function sliceSafely(part: BodyPart, unsafe: UnsafeLink[], ctx: Context): string {
  let out = "";
  let at = part.start;
  for (const link of unsafe) {
    if (link.start < part.start || link.end > part.end) continue;
    out += ctx.source.slice(at, link.start);
    at = link.end;
    // The body is read again without the digest's definitions: there `[Code][code](…)` or `[it][](…)` would be an
    // inline link to what the parentheses hold. An escaped "(" keeps them text, as they were.
    if (link.problem === "reference") {
      if (ctx.source[link.end] === "(") out += "\\";
      continue;
    }
    if (link.padded) {
      const { image, alt, rawUrl, label, inner } = link.padded;
      const text = image ? escapeMarkdown(alt) : label ? sliceSafely({ ...label, text: "" }, inner, ctx) : "";
      out += `${image ? "!" : ""}[${text}](${writeDestination(link.url)})`;
      ctx.warnings.push({ file: ctx.file, line: link.line, message: paddedMessage(link.text, rawUrl, link.url) });
      continue;
    }
    out += escapeMarkdown(link.text);
    ctx.warnings.push({
      file: ctx.file,
      line: link.line,
      message:
        link.problem === "credentials"
          ? `link "${link.text}" in the story text has a user name or password ("${shorten(link.url)}"); kept as plain text`
          : `link "${link.text}" in the story text is not http(s) ("${shorten(link.url)}"); kept as plain text`,
    });
  }
  return out + ctx.source.slice(at, part.end);
}

function paddedMessage(label: string, raw: string, url: string): string {
  return `link "${label}" has invisible white space (${namePadding(raw, url)}) around its URL; read as "${shorten(url)}"`;
}

function shorten(url: string): string {
  return url.length > 80 ? `${url.slice(0, 79)}…` : url;
}

/**
 * Warns about links in a heading that carries no links of its own (a section heading, the digest title) whose
 * target is not http(s): they are dropped like any other, and the publisher should hear about it.
 */
export function warnAboutHeadingLinks(heading: Heading, ctx: Context): void {
  for (const link of findUnsafeLinks(heading.children, ctx.defs)) {
    if (link.problem === "padded" || link.problem === "reference") continue; // a web link, dropped as all of such a heading's links are
    ctx.warnings.push({
      file: ctx.file,
      line: link.line,
      message: droppedMessage(link.text, link.url, link.problem),
    });
  }
}

function droppedMessage(label: string, url: string, problem: UrlProblem): string {
  return problem === "credentials"
    ? `link "${label}" dropped: a URL with a user name or password can disguise its real host, got "${shorten(url)}"`
    : `link "${label}" dropped: only http(s) links are kept, got "${shorten(url)}"`;
}

const isComment = (html: string): boolean => /^\s*<!--[\s\S]*-->\s*$/.test(html);
const snippet = (html: string): string => {
  const first = (html.trim().split("\n")[0] ?? "").trim();
  return first.length > 40 ? `${first.slice(0, 39)}…` : first;
};

/**
 * Raw HTML is no part of a digest: a block (`<script>…</script>`, `<div>…`) is left out of the story, inline tags
 * (`<b>`, `<br>`) stay in the body as source and renderers show them as plain text. Either way the publisher is told,
 * with the line; HTML comments are notes and pass silently.
 */
function warnAboutHtml(nodes: readonly Nodes[], ctx: Context, inline = false): void {
  for (const node of nodes) {
    if (node.type === "html") {
      // Comments are notes; a closing tag belongs to an opening one already reported.
      if (isComment(node.value) || /^\s*<\//.test(node.value)) continue;
      ctx.warnings.push({
        file: ctx.file,
        line: lineOf(node),
        message: inline
          ? `inline HTML "${snippet(node.value)}" is shown as plain text: digests are Markdown`
          : `HTML block "${snippet(node.value)}" is left out of the story: digests are Markdown`,
      });
    } else if ("children" in node) {
      warnAboutHtml(node.children, ctx, inline || node.type === "paragraph" || node.type === "heading" || node.type === "tableCell");
    }
  }
}

/** Keeps http(s) links (first of each URL); anything else is dropped with a warning naming its line. */
function keepWebLinks(raw: RawLink[], ctx: Context): Link[] {
  const seen = new Set<string>();
  const links: Link[] = [];
  for (const link of raw) {
    const url = link.url.trim();
    const problem = urlProblem(url);
    if (problem) {
      ctx.warnings.push({ file: ctx.file, line: link.line, message: droppedMessage(link.label, url, problem) });
      continue;
    }
    if (url !== link.url) ctx.warnings.push({ file: ctx.file, line: link.line, message: paddedMessage(link.label, link.url, url) });
    if (seen.has(url)) continue;
    seen.add(url);
    links.push({ label: link.label || new URL(url).hostname, url });
  }
  return links;
}

/** Why a link target is not kept: not an absolute http(s) URL, or one with credentials (`https://trusted.example@evil.example`). */
type UrlProblem = "scheme" | "credentials";

function urlProblem(url: string): UrlProblem | undefined {
  if (!/^https?:\/\//i.test(url)) return "scheme";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "scheme";
  }
  if (parsed.hostname === "") return "scheme";
  return parsed.username !== "" || parsed.password !== "" ? "credentials" : undefined;
}
