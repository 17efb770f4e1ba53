// The inline half of the fast Markdown reader: text, emphasis, code spans and inline links, as micromark reads them.
import type { PhrasingContent, Text } from "mdast";
import type { Point } from "unist";

/** Thrown wherever the text leaves the plain subset; the caller then reads the whole document with the full parser. */
export class OutsideSubset extends Error {
  override readonly name = "OutsideSubset";
}

const outside = (why: string): never => {
  throw new OutsideSubset(why);
};

/** One line of inline content: `start`–`end` in the source (line prefix and trailing spaces already cut off). */
export interface Segment {
  start: number;
  end: number;
  /** 1-based line number. */
  line: number;
  /** Offset where the raw line begins (a hard break or line ending before this line ends here). */
  lineStart: number;
  /** Offset of the raw line's end (after trailing spaces): a line ending starting a text node starts here. */
  rawEnd: number;
  /** The raw line ended in two or more spaces before this segment's successor: a hard break. */
  hardBreak: boolean;
}

type Item =
  | { t: "text"; s: number; e: number; v: string }
  | { t: "delim"; s: number; n: number; m: string; open: boolean; close: boolean }
  /** `level`: how deep emphasis and links nest inside this node, counting itself. */
  | { t: "node"; node: PhrasingContent; level?: number }
  | { t: "bracket"; s: number; active: boolean };

const WHITESPACE = 1;
const PUNCTUATION = 2;
const PUNCTUATION_RE = /\p{P}|\p{S}/u;
const WHITESPACE_RE = /\s/;
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;

/** micromark's `classifyCharacter`, on one UTF-16 unit as micromark sees it (an astral character is two "other" units). */
function classify(code: number): number {
  if (Number.isNaN(code) || code === 32 || code === 10 || WHITESPACE_RE.test(String.fromCharCode(code))) return WHITESPACE;
  if (PUNCTUATION_RE.test(String.fromCharCode(code))) return PUNCTUATION;
  return 0;
}

/** The few named references digests use; any other name goes to the full parser, which knows all of HTML's. */
const NAMED: Record<string, string> = {
  amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0", copy: "©", reg: "®", trade: "™", mdash: "—",
  ndash: "–", hellip: "…", middot: "·", bull: "•", laquo: "«", raquo: "»", ldquo: "“", rdquo: "”", lsquo: "‘",
  rsquo: "’", times: "×",
};

/** micromark's `decodeNumericCharacterReference`. */
function decodeNumeric(value: string, base: number): string {
  const code = Number.parseInt(value, base);
  if (
    code < 9 || code === 11 || (code > 13 && code < 32) || (code > 126 && code < 160) || (code > 55295 && code < 57344) ||
    (code > 64975 && code < 65008) || (code & 65535) === 65535 || (code & 65535) === 65534 || code > 1114111
  ) {
    return "\uFFFD";
  }
  return String.fromCodePoint(code);
}

const REFERENCE = /&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z][A-Za-z0-9]{0,31}));/y;

/** Text the GFM autolink-literal extension would turn into a link: such a document is left to the full parser. */
const AUTOLINK_RISK = /https?:\/\/|www\.|mailto:|xmpp:|[\w+.-]@/i;

/**
 * Reads the inline content of one block (its lines `segments`, joined by line endings) into mdast phrasing nodes,
 * positions included, exactly as mdast-util-from-markdown with GFM would, or throws {@link OutsideSubset}. `nested`:
 * the block is inside a quote.
 */
export function readInline(source: string, segments: readonly Segment[], lineStarts: readonly number[], nested: boolean): PhrasingContent[] {
  const points = new Points(source, segments, lineStarts);
  const s = points.s;
  const items: Item[] = [];
  const brackets: number[] = [];
  /** Sizes of the tilde runs so far that could open a strikethrough. */
  const tildeOpeners = new Set<number>();
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === "\\") {
      const next = s[i + 1];
      if (next === "\n") outside("backslash hard break");
      if (next !== undefined && ASCII_PUNCTUATION.test(next)) {
        items.push({ t: "text", s: i, e: i + 2, v: next });
        i += 2;
      } else {
        items.push({ t: "text", s: i, e: i + 1, v: "\\" });
        i++;
      }
    } else if (c === "`") {
      let n = 1;
      while (s[i + n] === "`") n++;
      const close = findBackticks(s, i + n, n);
      if (close < 0) {
        // micromark's failed look-ahead for the closing run moves the next line ending's end past a quote marker.
        if (nested && segments.length > 1) outside("unclosed code span in a quote");
        items.push({ t: "text", s: i, e: i + n, v: "`".repeat(n) });
        i += n;
        continue;
      }
      let value = s.slice(i + n, close);
      if (value.includes("\n")) outside("code span across lines");
      if (value.startsWith(" ") && value.endsWith(" ") && /[^ ]/.test(value)) value = value.slice(1, -1);
      items.push({ t: "node", node: { type: "inlineCode", value, position: { start: points.point(i), end: points.point(close + n) } } });
      i = close + n;
    } else if (c === "*" || c === "_") {
      let n = 1;
      while (s[i + n] === c) n++;
      const before = classify(i > 0 ? s.charCodeAt(i - 1) : Number.NaN);
      const after = classify(i + n < s.length ? s.charCodeAt(i + n) : Number.NaN);
      // A tilde (GFM strikethrough's marker) beside the run lets it open or close whatever the classes say.
      const open = !after || (after === PUNCTUATION && before !== 0) || s[i + n] === "~";
      const close = !before || (before === PUNCTUATION && after !== 0) || s[i - 1] === "~";
      items.push({
        t: "delim", s: i, n, m: c,
        open: c === "*" ? open : open && (before !== 0 || !close),
        close: c === "*" ? close : close && (after !== 0 || !open),
      });
      i += n;
    } else if (c === "[") {
      if (s[i + 1] === "^") outside("footnote call");
      brackets.push(items.length);
      items.push({ t: "bracket", s: i, active: true });
      i++;
    } else if (c === "]") {
      const at = brackets.pop();
      const opener = at === undefined ? undefined : (items[at] as Item & { t: "bracket" });
      if (at === undefined || !opener || !opener.active || s[i + 1] !== "(") {
        items.push({ t: "text", s: i, e: i + 1, v: "]" });
        i++;
        continue;
      }
      const dest = readDestination(s, i + 2);
      const label = resolveEmphasis(items.slice(at + 1));
      const level = levelOf(label) + 1;
      const children = toNodes(label, points);
      items.length = at;
      items.push({
        t: "node",
        level,
        node: { type: "link", title: null, url: dest.url, children, position: { start: points.point(opener.s), end: points.point(dest.end) } },
      });
      for (const b of brackets) (items[b] as Item & { t: "bracket" }).active = false;
      i = dest.end;
    } else if (c === "&") {
      REFERENCE.lastIndex = i;
      const m = REFERENCE.exec(s);
      if (!m) {
        items.push({ t: "text", s: i, e: i + 1, v: "&" });
        i++;
        continue;
      }
      const value = m[1] !== undefined ? decodeNumeric(m[1], 16) : m[2] !== undefined ? decodeNumeric(m[2], 10) : NAMED[m[3] as string];
      if (value === undefined) outside("named character reference");
      items.push({ t: "text", s: i, e: i + m[0].length, v: value as string });
      i += m[0].length;
    } else if (c === "<") {
      if (/[A-Za-z/!?]/.test(s[i + 1] ?? "")) outside("HTML or autolink");
      items.push({ t: "text", s: i, e: i + 1, v: "<" });
      i++;
    } else if (c === "~") {
      let n = 1;
      while (s[i + n] === "~") n++;
      if (n <= 2) {
        if (i > 0 && s[i - 1] === "~") outside("tilde after an escaped tilde");
        const before = classify(i > 0 ? s.charCodeAt(i - 1) : Number.NaN);
        const after = classify(i + n < s.length ? s.charCodeAt(i + n) : Number.NaN);
        const close = !before || (before === PUNCTUATION && after !== 0);
        // A tilde run that could close an earlier one may be strikethrough: left to the full parser.
        if (close && tildeOpeners.has(n)) outside("strikethrough");
        if (!after || (after === PUNCTUATION && before !== 0)) tildeOpeners.add(n);
      }
      items.push({ t: "text", s: i, e: i + n, v: "~".repeat(n) });
      i += n;
    } else if (c === "!" && s[i + 1] === "[") {
      outside("image");
    } else if (c === "\n" && (segments[points.segmentAt(i)] as Segment).hardBreak) {
      const k = points.segmentAt(i);
      const next = segments[k + 1] as Segment;
      const start = points.point(i);
      items.push({ t: "node", node: { type: "break", position: { start, end: { line: next.line, column: 1, offset: next.lineStart } } } });
      i++;
    } else {
      let j = i + 1;
      while (j < s.length && SPECIAL[s.charCodeAt(j)] !== 1) j++;
      items.push({ t: "text", s: i, e: j, v: s.slice(i, j) });
      i = j;
    }
  }
  return toNodes(resolveEmphasis(items), points);
}

/** The block's lines joined by "\n", and where each of its indices is in the source. */
class Points {
  readonly s: string;
  private readonly starts: number[] = [];

  constructor(
    source: string,
    private readonly segments: readonly Segment[],
    private readonly lineStarts: readonly number[],
  ) {
    let s = "";
    for (let k = 0; k < segments.length; k++) {
      const seg = segments[k] as Segment;
      if (k > 0) s += "\n";
      this.starts.push(s.length);
      s += source.slice(seg.start, seg.end);
    }
    this.s = s;
  }

  /** The last segment starting at or before `i` (binary search: a paragraph may have thousands of lines). */
  segmentAt(i: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Inside segment k an index is a plain shift; the joining "\n" maps to the end of the line's text. */
  point(i: number): Point {
    const k = this.segmentAt(i);
    const seg = this.segments[k] as Segment;
    const offset = seg.start + (i - (this.starts[k] as number));
    return { line: seg.line, column: offset - (this.lineStarts[seg.line - 1] as number) + 1, offset };
  }

  /** A text node that starts with a line ending starts after the line's trailing spaces. */
  textStart(i: number): Point {
    if (this.s.charCodeAt(i) !== 10) return this.point(i);
    const seg = this.segments[this.segmentAt(i)] as Segment;
    return { line: seg.line, column: seg.rawEnd - (this.lineStarts[seg.line - 1] as number) + 1, offset: seg.rawEnd };
  }

  /** A text node that ends with a line ending ends where the next raw line begins (before its prefix). */
  textEnd(e: number): Point {
    if (this.s.charCodeAt(e - 1) !== 10) return this.point(e);
    const seg = this.segments[this.segmentAt(e)] as Segment;
    return { line: seg.line, column: 1, offset: seg.lineStart };
  }
}

/** 1 for the characters the scan stops at (the rest is plain text). */
const SPECIAL = new Uint8Array(128);
for (const c of "\\`*_[]&<~!\n") SPECIAL[c.charCodeAt(0)] = 1;

/** The index of the next run of exactly `n` backticks from `from`, or -1. */
function findBackticks(s: string, from: number, n: number): number {
  let i = s.indexOf("`", from);
  while (i >= 0) {
    let m = 1;
    while (s[i + m] === "`") m++;
    if (m === n) return i;
    i = s.indexOf("`", i + m);
  }
  return -1;
}

/** A plain link destination `(url)` from just after its `(`: no title, spaces, escapes, references or `<…>`. */
function readDestination(s: string, from: number): { url: string; end: number } {
  let depth = 0;
  let i = from;
  for (; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "(") {
      if (++depth > 3) outside("deeply nested parentheses in a link");
    } else if (c === ")") {
      if (depth === 0) break;
      depth--;
    } else if (c === " " || c === "\n" || c === "\\" || c === "&" || c === "<" || c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127) {
      outside("link destination beyond the plain form");
    }
  }
  if (i >= s.length || i === from) outside("link destination beyond the plain form");
  return { url: s.slice(from, i), end: i + 1 };
}

/** Deeper emphasis goes to the full parser, so the recursion building nodes never nears the stack's limit. */
const MAX_EMPHASIS_DEPTH = 200;

function levelOf(items: readonly Item[]): number {
  let level = 0;
  for (const item of items) if (item.t === "node" && item.level !== undefined && item.level > level) level = item.level;
  return level;
}

/** micromark's attention resolver: each closer, in order, takes the nearest opener of its marker it may pair with. */
function resolveEmphasis(items: Item[]): Item[] {
  for (let index = 0; index < items.length; index++) {
    const closer = items[index] as Item;
    if (closer.t !== "delim" || !closer.close) continue;
    for (let o = index - 1; o >= 0; o--) {
      const opener = items[o] as Item;
      if (opener.t !== "delim" || !opener.open || opener.m !== closer.m) continue;
      if ((opener.close || closer.open) && closer.n % 3 && !((opener.n + closer.n) % 3)) continue;
      const use = opener.n > 1 && closer.n > 1 ? 2 : 1;
      const inner = resolveEmphasis(items.slice(o + 1, index));
      const level = levelOf(inner) + 1;
      // Emphasis nested this deep is refused by the digest parser anyway; the full parser gets to say how.
      if (level > MAX_EMPHASIS_DEPTH) outside("emphasis nested too deep");
      const group: Item = { t: "node", level, node: { type: use > 1 ? "strong" : "emphasis", children: [] } };
      (group as { inner?: Item[]; from?: number; to?: number }).inner = inner;
      (group as { from?: number }).from = opener.s + opener.n - use;
      (group as { to?: number }).to = closer.s + use;
      opener.n -= use;
      closer.s += use;
      closer.n -= use;
      const replacement: Item[] = [...(opener.n > 0 ? [opener] : []), group, ...(closer.n > 0 ? [closer] : [])];
      items.splice(o, index - o + 1, ...replacement);
      index = o + replacement.length - (closer.n > 0 ? 1 : 0) - 1;
      break;
    }
  }
  return items;
}

/** Items → mdast nodes: emphasis groups get their children and positions, adjacent literal text merges into one node. */
function toNodes(items: readonly Item[], at: Points): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  // The literal run being gathered: unmatched delimiters and brackets are text too, merged with their neighbours.
  let runStart = -1;
  let runEnd = -1;
  let value = "";
  for (const item of items) {
    let s: number;
    let e: number;
    let v: string;
    if (item.t === "text") [s, e, v] = [item.s, item.e, item.v];
    else if (item.t === "delim") [s, e, v] = [item.s, item.s + item.n, item.m.repeat(item.n)];
    else if (item.t === "bracket") [s, e, v] = [item.s, item.s + 1, "["];
    else {
      if (runStart >= 0) out.push(textNode(value, runStart, runEnd, at));
      runStart = -1;
      const g = item as { inner?: Item[]; from?: number; to?: number };
      if (g.inner) {
        const node = item.node as PhrasingContent & { children: PhrasingContent[] };
        node.children = toNodes(g.inner, at);
        node.position = { start: at.point(g.from as number), end: at.point(g.to as number) };
      }
      out.push(item.node);
      continue;
    }
    if (runStart < 0) {
      runStart = s;
      value = v;
    } else value += v;
    runEnd = e;
  }
  if (runStart >= 0) out.push(textNode(value, runStart, runEnd, at));
  return out;
}

function textNode(value: string, s: number, e: number, at: Points): Text {
  if (AUTOLINK_RISK.test(value)) outside("autolink literal");
  return { type: "text", value, position: { start: at.textStart(s), end: at.textEnd(e) } };
}
