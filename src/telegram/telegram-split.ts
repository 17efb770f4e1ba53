// Telegram HTML measured as Telegram counts it and split into messages that fit, never inside a tag or an entity.
import type { TelegramHtml } from "./telegram-html.js";

/** Most characters of a message text, counted after entity parsing (Bot API `sendMessage`). */
export const TELEGRAM_MESSAGE_LIMIT = 4096;

type Atom =
  | { kind: "open"; name: string; raw: string }
  | { kind: "close"; name: string; raw: string }
  | { kind: "text"; raw: string; visible: string };

const ATOM = /<\/([a-z-]+)>|<([a-z-]+)(?:\s[^>]*)?>|&(?:#\d+|#x[0-9a-f]+|[a-z]+);|[\s\S]/giu;

/** Cuts Telegram HTML into tags and text atoms (one entity or one code point each). */
function atomize(source: string): Atom[] {
  const atoms: Atom[] = [];
  for (const m of source.matchAll(ATOM)) {
    const raw = m[0];
    if (m[1]) atoms.push({ kind: "close", name: m[1], raw });
    else if (m[2]) atoms.push({ kind: "open", name: m[2], raw });
    else atoms.push({ kind: "text", raw, visible: raw.startsWith("&") && raw.length > 1 ? decodeEntity(raw) : raw });
  }
  return atoms;
}

function decodeEntity(entity: string): string {
  const body = entity.slice(1, -1);
  if (body === "lt") return "<";
  if (body === "gt") return ">";
  if (body === "amp") return "&";
  if (body === "quot") return '"';
  const codePoint = body.startsWith("#x") ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
  return Number.isFinite(codePoint) && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : "";
}

/** The length Telegram counts for a message: UTF-16 units of the text after tags are removed and entities decoded. */
export function telegramTextLength(source: string | TelegramHtml): number {
  let n = 0;
  for (const atom of atomize(String(source))) if (atom.kind === "text") n += atom.visible.length;
  return n;
}

/**
 * Splits Telegram HTML into messages of at most `limit` characters (as Telegram counts them).
 * Cuts at a blank line if it can, else at a line end, a sentence end, a space, or between characters — never inside
 * a tag, an entity or a surrogate pair; tags open at a cut are closed before it and reopened after it.
 *
 * @example
 * splitTelegramHtml(`<b>${"a ".repeat(3000)}</b>`) // two messages, each "<b>…</b>"
 */
export function splitTelegramHtml(source: string | TelegramHtml, limit = TELEGRAM_MESSAGE_LIMIT): string[] {
  if (limit < 16) throw new RangeError(`splitTelegramHtml: limit ${limit} is too small; use at least 16`);
  const text = String(source);
  // Telegram counts at most one character per source character (tags count none, an entity one or two for its
  // many), so a source within the limit is one piece: no need to cut it into atoms. A leading blank or entity
  // (which may decode to a blank) takes the general path, which trims it.
  if (text.length <= limit && !/^[\s&]/.test(text)) return wholePiece(text);
  return splitByAtoms(text, limit);
}

/** {@link splitTelegramHtml} without the shortcut for a source that fits; exported for the property tests. */
export function splitTelegramHtmlByAtoms(source: string | TelegramHtml, limit = TELEGRAM_MESSAGE_LIMIT): string[] {
  if (limit < 16) throw new RangeError(`splitTelegramHtml: limit ${limit} is too small; use at least 16`);
  return splitByAtoms(String(source), limit);
}

const TAG = /<\/([a-z-]+)>|<([a-z-]+)(?:\s[^>]*)?>/giu;

/**
 * What {@link splitByAtoms} makes of a source that fits in one piece and starts with no blank: the source, the tags
 * left open closed at its end, trailing blanks dropped. The tags are found by the atoms' own tag patterns: an
 * entity or a character atom never holds a `<`, so a scan for tags alone finds the same ones.
 */
function wholePiece(text: string): string[] {
  const open = openTagsAtEnd(text);
  const close = open.reverse().map((name) => `</${name}>`).join("");
  const piece = dropTrailingBlanks(text + close);
  return hasVisibleText(piece) ? [piece] : [];
}

/** The tags left open at the end of `text`, as the {@link TAG} pattern finds tags (names as written). */
export function openTagsAtEnd(text: string): string[] {
  const open: string[] = [];
  // Read by hand: the pattern's match objects were most of a reply's split. Where a tag holds anything but ASCII
  // (where the case-insensitive Unicode pattern would fold `ſ` or `K` into a name, or read a Unicode blank), the
  // pattern itself decides.
  for (let i = text.indexOf("<"); i >= 0; i = text.indexOf("<", i)) {
    const closing = text.charCodeAt(i + 1) === 47; /* / */
    let j = closing ? i + 2 : i + 1;
    while (isNameChar(text.charCodeAt(j))) j++;
    const next = text.charCodeAt(j);
    if (next > 127) return openTagsAtEndByPattern(text);
    const named = j > (closing ? i + 2 : i + 1);
    if (named && next === 62 /* > */) {
      if (closing) {
        const at = open.lastIndexOf(text.slice(i + 2, j));
        if (at >= 0) open.splice(at, 1);
      } else open.push(text.slice(i + 1, j));
      i = j + 1;
    } else if (named && !closing && BLANK.test(text[j]!)) {
      const end = text.indexOf(">", j);
      if (end < 0) {
        i++;
        continue;
      }
      open.push(text.slice(i + 1, j));
      i = end + 1;
    } else i++;
  }
  return open;
}

const isNameChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 45;

/** {@link openTagsAtEnd} through the {@link TAG} pattern alone: where a tag holds non-ASCII, and the reference its property test holds it to. */
export function openTagsAtEndByPattern(text: string): string[] {
  const open: string[] = [];
  for (const m of text.matchAll(TAG)) {
    if (m[1]) {
      const at = open.lastIndexOf(m[1]);
      if (at >= 0) open.splice(at, 1);
    } else open.push(m[2]!);
  }
  return open;
}


const BLANK = /\s/u;
const CLOSING_TAG = /^<\/[a-z-]+>$/u;

/**
 * `piece.replace(/\s+((?:<\/[a-z-]+>)*)$/u, "$1")` — trailing blanks dropped, also before the closing tags that end
 * it — read from the end: that pattern tried every blank of a whole reply as a start (a twentieth of a `/search`
 * page's Telegram render). Only the blanks right before the run of closing tags at the end can start its match.
 */
export function dropTrailingBlanks(piece: string): string {
  let tags = piece.length;
  while (piece.charCodeAt(tags - 1) === 62 /* > */) {
    const open = piece.lastIndexOf("<", tags - 1);
    if (open < 0 || !CLOSING_TAG.test(piece.slice(open, tags))) break;
    tags = open;
  }
  let blanks = tags;
  while (blanks > 0 && BLANK.test(piece[blanks - 1]!)) blanks--;
  return blanks === tags ? piece : piece.slice(0, blanks) + piece.slice(tags);
}

function splitByAtoms(text: string, limit: number): string[] {
  const atoms = atomize(text);
  // stacks[i] = the open tags before atom i.
  const stacks: Atom[][] = [];
  const stack: Atom[] = [];
  for (const atom of atoms) {
    stacks.push([...stack]);
    if (atom.kind === "open") stack.push(atom);
    else if (atom.kind === "close") {
      const at = stack.map((a) => (a.kind === "open" ? a.name : "")).lastIndexOf(atom.name);
      if (at >= 0) stack.splice(at, 1);
    }
  }
  stacks.push([...stack]);

  const pieces: string[] = [];
  let start = 0;
  while (start < atoms.length) {
    // Skip whitespace at the start of a piece (Telegram trims it anyway).
    while (start < atoms.length && atoms[start]!.kind === "text" && /^\s+$/.test((atoms[start] as { visible: string }).visible)) start++;
    if (start >= atoms.length) break;
    let length = 0;
    let end = start;
    while (end < atoms.length) {
      const atom = atoms[end]!;
      if (atom.kind === "text") {
        if (length + atom.visible.length > limit) break;
        length += atom.visible.length;
      }
      end++;
    }
    let cut = end;
    if (end < atoms.length) cut = bestCut(atoms, start, end);
    // Closing tags right after the cut belong to this piece.
    while (cut < atoms.length && atoms[cut]!.kind === "close") cut++;
    const reopen = stacks[start]!.map((a) => a.raw).join("");
    const body = atoms.slice(start, cut).map((a) => a.raw).join("");
    const close = [...stacks[cut]!].reverse().map((a) => `</${(a as { name: string }).name}>`).join("");
    // Trailing whitespace (also before the closing tags) is dropped; Telegram would trim it anyway.
    const piece = dropTrailingBlanks(reopen + body + close);
    if (hasVisibleText(piece)) pieces.push(piece);
    start = cut;
  }
  return pieces;
}

function hasVisibleText(piece: string): boolean {
  // The atoms' pattern, read only up to the first visible character (usually the first after an opening tag).
  for (const m of piece.matchAll(ATOM)) {
    if (m[1] || m[2]) continue;
    const raw = m[0];
    const visible = raw.startsWith("&") && raw.length > 1 ? decodeEntity(raw) : raw;
    if (visible.trim() !== "") return true;
  }
  return false;
}

/** Where to end a piece that would run past `end`: the latest good break in its second half. */
function bestCut(atoms: Atom[], start: number, end: number): number {
  const textIdx: number[] = [];
  for (let i = start; i < end; i++) if (atoms[i]!.kind === "text") textIdx.push(i);
  const half = textIdx[Math.floor(textIdx.length / 2)] ?? start;
  const visible = (i: number) => (atoms[i]?.kind === "text" ? (atoms[i] as { visible: string }).visible : "");
  const rules: ((i: number) => boolean)[] = [
    (i) => visible(i) === "\n" && visible(i - 1) === "\n",
    (i) => visible(i) === "\n",
    (i) => /[。！？!?]/.test(visible(i)) || (visible(i) === "." && /\s/.test(visible(i + 1))),
    (i) => /\s/.test(visible(i)),
    (i) => !(/[A-Za-z0-9]/.test(visible(i)) && /[A-Za-z0-9]/.test(visible(nextText(atoms, i)))),
  ];
  for (const rule of rules) {
    for (let k = textIdx.length - 1; k >= 0 && textIdx[k]! >= half; k--) {
      const i = textIdx[k]!;
      if (rule(i)) return i + 1;
    }
  }
  return end;
}

function nextText(atoms: Atom[], i: number): number {
  for (let j = i + 1; j < atoms.length; j++) if (atoms[j]!.kind === "text") return j;
  return atoms.length;
}
