// A fast Markdown reader for the plain subset digests are written in: the same mdast tree as the full parser, or none.
import type { BlockContent, Blockquote, Heading, List, ListItem, Paragraph, Root, RootContent, ThematicBreak, Yaml } from "mdast";
import type { Point } from "unist";
import { OutsideSubset, readInline, type Segment } from "./fast-inline.js";

/** One line as a block sees it: `str` starts at `off` in the source (after any container markers). */
interface Line {
  /** 1-based line number. */
  line: number;
  off: number;
  str: string;
}

const outside = (why: string): never => {
  throw new OutsideSubset(why);
};

/**
 * Control characters (tabs, CR, …) change columns or block structure, and a leading BOM (a second one: the caller
 * cuts the first) is dropped by the full parser, shifting every position: left to the full parser.
 */
const UNSUPPORTED_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f]|^\uFEFF/;
const ATX = /^(#{1,6})(?: |$)/;
const THEMATIC = /^([-*_])(?: *\1){2,} *$/;
const LIST_MARKER = /^(?:[-*+]|\d{1,9}[.)])(?: |$)/;
/** A list item's marker and the spaces after it: bullet, or number and delimiter. */
const ITEM = /^(?:([-*+])|(\d{1,9})([.)]))( *)/;
const FENCE = /^(?:`{3,}|~{3,})/;
/** A line a paragraph could take as a setext underline or a table's delimiter row. */
const UNDERLINE_OR_DELIMITER_ROW = /^(?:[ |:]*-[ |:-]*|=+ *)$/;

/**
 * The mdast tree mdast-util-from-markdown (with GFM and YAML front matter) makes of `text`, positions included, when
 * `text` keeps to the plain subset digests use: ATX headings, paragraphs, quotes of those, thematic breaks, front
 * matter, and inline text with emphasis, code spans and `[text](url)` links. `undefined` for anything else (lists,
 * tables, HTML, setext headings, definitions, tabs, bare URLs, titles in links, …), which the caller then reads
 * with the full parser: every construct not handled here makes the whole document fall back, never a guess.
 *
 * @example
 * const tree = readFastMarkdown(text) ?? fromMarkdown(text, options);
 */
export function readFastMarkdown(text: string): Root | undefined {
  if (UNSUPPORTED_CHARACTERS.test(text)) return undefined;
  try {
    return readDocument(text);
  } catch (err) {
    if (err instanceof OutsideSubset) return undefined;
    throw err;
  }
}

function readDocument(text: string): Root {
  const lineStarts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  const lines: Line[] = [];
  for (let k = 0; k < lineStarts.length; k++) {
    const off = lineStarts[k] as number;
    lines.push({ line: k + 1, off, str: text.slice(off, k + 1 < lineStarts.length ? (lineStarts[k + 1] as number) - 1 : text.length) });
  }
  const reader = new BlockReader(text, lineStarts);
  const children: RootContent[] = [];
  let first = 0;
  const yaml = readFrontMatter(lines, reader);
  if (yaml) {
    children.push(yaml.node);
    first = yaml.next;
  }
  children.push(...reader.blocks(lines.slice(first)));
  return { type: "root", children, position: { start: { line: 1, column: 1, offset: 0 }, end: reader.pointAt(lines.length, text.length) } };
}

/** `---` … `---` at the very top; anything close to a fence that is not exactly one goes to the full parser. */
function readFrontMatter(lines: readonly Line[], reader: BlockReader): { node: Yaml; next: number } | undefined {
  const open = lines[0]?.str ?? "";
  if (!/^[ ]*-{3,}[ ]*$/.test(open)) return undefined;
  if (open !== "---") return outside("front matter fence with spaces or more dashes");
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k] as Line;
    if (line.str === "---") {
      const value = lines.slice(1, k).map((l) => l.str).join("\n");
      const end = reader.pointAt(line.line, line.off + 3);
      return { node: { type: "yaml", value, position: { start: { line: 1, column: 1, offset: 0 }, end } }, next: k + 1 };
    }
    if (/^[ ]*(?:-{3,}|\.{3,})[ ]*$/.test(line.str)) outside("front matter fence lookalike");
  }
  return outside("front matter never closed");
}

class BlockReader {
  constructor(
    private readonly source: string,
    private readonly lineStarts: readonly number[],
  ) {}

  pointAt(line: number, offset: number): Point {
    return { line, column: offset - (this.lineStarts[line - 1] as number) + 1, offset };
  }

  blocks(lines: readonly Line[], nested = false): BlockContent[] {
    const out: BlockContent[] = [];
    let i = 0;
    while (i < lines.length) {
      const line = lines[i] as Line;
      const indent = leadingSpaces(line.str);
      if (indent === line.str.length) {
        i++;
        continue;
      }
      if (indent >= 4) outside("indented code");
      const rest = line.str.slice(indent);
      const c = rest[0];
      if (c === "#" && ATX.test(rest)) {
        out.push(this.heading(line, indent, nested));
        i++;
      } else if (c === "<" || FENCE.test(rest)) {
        outside("HTML or fenced code");
      } else if (LIST_MARKER.test(rest) && !THEMATIC.test(rest)) {
        i = this.list(lines, i, out);
      } else if (THEMATIC.test(rest)) {
        out.push(this.thematicBreak(line, indent));
        i++;
      } else if (c === ">") {
        i = this.blockquote(lines, i, out);
      } else {
        i = this.paragraph(lines, i, out, nested);
      }
    }
    return out;
  }

  private heading(line: Line, indent: number, nested: boolean): Heading {
    const depth = (ATX.exec(line.str.slice(indent)) as RegExpExecArray)[1]?.length as 1 | 2 | 3 | 4 | 5 | 6;
    const from = line.off + indent + depth;
    const raw = this.source.slice(from, line.off + line.str.length);
    const start = from + leadingSpaces(raw);
    const end = line.off + trimSpacesEnd(line.str).length;
    const content = this.source.slice(start, Math.max(start, end));
    // A closing `#` sequence moves the heading's end; such headings are left to the full parser.
    if (/(?:^| )#+$/.test(content)) outside("closing sequence on a heading");
    const segment: Segment = { start, end: Math.max(start, end), line: line.line, lineStart: this.lineStarts[line.line - 1] as number, rawEnd: line.off + line.str.length, hardBreak: false };
    return {
      type: "heading",
      depth,
      children: content === "" ? [] : readInline(this.source, [segment], this.lineStarts, nested),
      position: { start: this.pointAt(line.line, line.off + indent), end: this.pointAt(line.line, line.off + line.str.length) },
    };
  }

  private thematicBreak(line: Line, indent: number): ThematicBreak {
    return { type: "thematicBreak", position: { start: this.pointAt(line.line, line.off + indent), end: this.pointAt(line.line, line.off + line.str.length) } };
  }

  /** Consecutive `>` lines; a quote followed by anything but a blank line or a heading (lazy text) is left to the full parser. */
  private blockquote(lines: readonly Line[], from: number, out: BlockContent[]): number {
    const inner: Line[] = [];
    let i = from;
    for (; i < lines.length; i++) {
      const line = lines[i] as Line;
      const indent = leadingSpaces(line.str);
      if (indent >= 4 || line.str[indent] !== ">") break;
      const skip = indent + 1 + (line.str[indent + 1] === " " ? 1 : 0);
      inner.push({ line: line.line, off: line.off + skip, str: line.str.slice(skip) });
    }
    const next = lines[i];
    if (next && leadingSpaces(next.str) < next.str.length && !ATX.test(next.str.slice(leadingSpaces(next.str)))) outside("lazy continuation of a quote");
    const first = lines[from] as Line;
    const last = lines[i - 1] as Line;
    const node: Blockquote = {
      type: "blockquote",
      children: this.blocks(inner, true),
      position: { start: this.pointAt(first.line, first.off + leadingSpaces(first.str)), end: this.pointAt(last.line, last.off + last.str.length) },
    };
    out.push(node);
    return i;
  }

  /**
   * A list whose items are blocks indented to their content column. Left to the full parser: lazy lines, blank lines
   * inside an item, empty items, task items, a change of marker, and anything but a heading right after the list.
   */
  private list(lines: readonly Line[], from: number, out: BlockContent[]): number {
    const items: ListItem[] = [];
    let spread = false;
    let i = from;
    let bullet: string | undefined;
    let delimiter: string | undefined;
    let start: number | null = null;
    for (;;) {
      const line = lines[i] as Line;
      const indent = leadingSpaces(line.str);
      const m = ITEM.exec(line.str.slice(indent)) as RegExpExecArray;
      const spaces = (m[4] as string).length;
      if (spaces === 0 || spaces > 4 || indent + m[0].length === line.str.length) outside("list item without plain content");
      if (items.length === 0) {
        bullet = m[1];
        delimiter = m[3];
        if (m[2] !== undefined) start = Number(m[2]);
      } else if (m[1] !== bullet || m[3] !== delimiter) outside("list marker changes");
      const column = indent + m[0].length;
      if (/^\[[ xX]\]/.test(line.str.slice(column))) outside("task list item");
      const own: Line[] = [{ line: line.line, off: line.off + column, str: line.str.slice(column) }];
      let last = line;
      let next: "item" | "end" = "end";
      for (i++; i < lines.length; i++) {
        const l = lines[i] as Line;
        const ind = leadingSpaces(l.str);
        if (ind === l.str.length) {
          let j = i + 1;
          while (j < lines.length && leadingSpaces((lines[j] as Line).str) === (lines[j] as Line).str.length) j++;
          const after = lines[j];
          if (!after) break;
          const afterIndent = leadingSpaces(after.str);
          if (afterIndent >= column) outside("blank line inside a list item");
          const afterRest = after.str.slice(afterIndent);
          // `* **` after a blank line is a thematic break that ends the list, not its next item.
          if (afterIndent < 4 && LIST_MARKER.test(afterRest) && !THEMATIC.test(afterRest)) {
            spread = true;
            i = j;
            next = "item";
          }
          break;
        }
        if (ind >= column) {
          own.push({ line: l.line, off: l.off + column, str: l.str.slice(column) });
          last = l;
          continue;
        }
        const rest = l.str.slice(ind);
        if (ind < 4 && LIST_MARKER.test(rest) && !THEMATIC.test(rest)) next = "item";
        else if (ind >= 4 || !ATX.test(rest)) outside("lazy line or block after a list item");
        break;
      }
      items.push({
        type: "listItem",
        spread: false,
        checked: null,
        children: this.blocks(own, true),
        position: { start: this.pointAt(line.line, line.off + indent), end: this.pointAt(last.line, last.off + last.str.length) },
      });
      if (next === "end") break;
    }
    const node: List = {
      type: "list",
      ordered: start !== null,
      start,
      spread,
      children: items,
      position: { start: (items[0] as ListItem).position?.start as Point, end: (items[items.length - 1] as ListItem).position?.end as Point },
    };
    out.push(node);
    return i;
  }

  private paragraph(lines: readonly Line[], from: number, out: BlockContent[], nested: boolean): number {
    let i = from + 1;
    for (; i < lines.length; i++) {
      const str = (lines[i] as Line).str;
      const indent = leadingSpaces(str);
      if (indent === str.length) break;
      if (indent >= 4) continue;
      const rest = str.slice(indent);
      if (ATX.test(rest) || rest[0] === ">") break;
      if (rest[0] === "<" || FENCE.test(rest) || UNDERLINE_OR_DELIMITER_ROW.test(rest)) outside("setext heading, table, HTML or code after a paragraph line");
      if (THEMATIC.test(rest)) break;
      if (LIST_MARKER.test(rest)) {
        // A list interrupts a paragraph only with content, and an ordered one only from 1.
        const m = ITEM.exec(rest) as RegExpExecArray;
        if (m[0].length === rest.length || (m[2] !== undefined && Number(m[2]) !== 1)) outside("list marker that may not interrupt a paragraph");
        break;
      }
    }
    const own = lines.slice(from, i);
    const firstRest = (own[0] as Line).str.slice(leadingSpaces((own[0] as Line).str));
    // micromark's failed look-ahead for a definition's label, in a list item or quote, ends the text before the
    // first line ending after the next line's indent: a label still open at the end of the first line is left to it.
    if (nested && own.length > 1 && firstRest.startsWith("[") && !/(?:^|[^\\])\]/.test(firstRest)) outside("label open across lines in a container");
    const segments: Segment[] = [];
    for (let k = 0; k < own.length; k++) {
      const line = own[k] as Line;
      if (firstRest.startsWith("[") && line.str.includes("]:")) outside("possible definition");
      const trimmed = trimSpacesEnd(line.str);
      segments.push({
        start: line.off + leadingSpaces(line.str),
        end: line.off + trimmed.length,
        line: line.line,
        lineStart: this.lineStarts[line.line - 1] as number,
        rawEnd: line.off + line.str.length,
        hardBreak: k < own.length - 1 && line.str.length - trimmed.length >= 2,
      });
    }
    const first = own[0] as Line;
    const last = own[own.length - 1] as Line;
    const node: Paragraph = {
      type: "paragraph",
      children: readInline(this.source, segments, this.lineStarts, nested),
      position: { start: this.pointAt(first.line, first.off + leadingSpaces(first.str)), end: this.pointAt(last.line, last.off + last.str.length) },
    };
    out.push(node);
    return i;
  }
}

function leadingSpaces(s: string): number {
  let n = 0;
  while (s.charCodeAt(n) === 32) n++;
  return n;
}

/** Cuts trailing spaces only: other white space (U+00A0, U+3000) is text to Markdown. */
function trimSpacesEnd(s: string): string {
  let n = s.length;
  while (n > 0 && s.charCodeAt(n - 1) === 32) n--;
  return s.slice(0, n);
}
