// Tokenizer for mixed Chinese/English text: Han bigrams re-spelt into a 16-letter alphabet, Latin words and numbers split at letter/digit seams.
import { normalizeText } from "./normalize.js";

/**
 * Scripts written without spaces (Han, kana); their runs become character bigrams.
 * Bigrams beat `Intl.Segmenter("zh")` on tech vocabulary (显存, 开源 are split by it) and single characters
 * give false matches (`封号` would match 信封…编号).
 */
function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x3040 && cp <= 0x30ff && cp !== 0x30fb && cp !== 0x30fc) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x20000 && cp <= 0x3ffff) ||
    cp === 0x3005 ||
    cp === 0x3007
  );
}

const OTHER_LETTER = /[\p{L}\p{M}]/u;
const OTHER_DIGIT = /\p{N}/u;

/** 1 = letter, 2 = digit, 0 = neither, for text that is already lowercase; ASCII takes the fast path. */
function wordClass(cp: number, ch: string): 0 | 1 | 2 {
  if (cp < 0x80) return cp >= 97 && cp <= 122 ? 1 : cp >= 48 && cp <= 57 ? 2 : 0;
  if (OTHER_DIGIT.test(ch)) return 2;
  return OTHER_LETTER.test(ch) ? 1 : 0;
}

/**
 * Tokenizes a query: like `tokenize`, but CJK runs are covered by non-overlapping bigrams.
 *
 * @example
 * tokenizeQuery("长上下文推理").map(decodeTerm); // ["长上", "下文", "推理"]
 */
export function tokenizeQuery(text: string): string[] {
  return tokenizeNormalized(normalizeText(text), "cover");
}

/** Letters used to re-spell a CJK character (one per hex digit of its code point). Latin terms are lowercase, so they never collide. */
const HAN_ALPHABET = "ABCDEFGHIJKLMNOP";
/** Every CJK character is spelt with exactly this many letters, so a character's spelling is a prefix of its bigrams'. */
export const HAN_CHAR_LENGTH = 5;

const hanCodes = new Map<string, string>();

/**
 * Re-spells one CJK character as 5 letters A–P (its code point in hex).
 * MiniSearch's radix tree scans a node's children one by one; raw bigrams make the root fan out to thousands of
 * children, a 16-letter alphabet keeps every node small and made building ~4× faster.
 */
export function encodeHanChar(ch: string): string {
  let code = hanCodes.get(ch);
  if (code === undefined) {
    const hex = (ch.codePointAt(0) ?? 0).toString(16).padStart(HAN_CHAR_LENGTH, "0");
    code = Array.from(hex, (d) => HAN_ALPHABET[Number.parseInt(d, 16)]).join("");
    hanCodes.set(ch, code);
  }
  return code;
}

/** Reads a re-spelt term back into characters (for debugging and tests). Latin terms come back unchanged. */
export function decodeTerm(term: string): string {
  if (!isHanTerm(term)) return term;
  let out = "";
  for (let i = 0; i < term.length; i += HAN_CHAR_LENGTH) {
    const hex = Array.from(term.slice(i, i + HAN_CHAR_LENGTH), (c) => HAN_ALPHABET.indexOf(c).toString(16)).join("");
    out += String.fromCodePoint(Number.parseInt(hex, 16));
  }
  return out;
}

/** True for a re-spelt CJK term (a character or a bigram). */
export function isHanTerm(term: string): boolean {
  const c = term.charCodeAt(0);
  return c >= 65 && c <= 80; // "A".."P"
}

/**
 * Splits already-normalized text into index terms: CJK runs → overlapping bigrams (a lone character stays a
 * unigram); other letters and digits → separate letter and number terms, numbers keeping decimals, so
 * `qwen3.5` gives `qwen`, `3.5`. With `bigrams: "cover"` (queries) a CJK run gives only the bigrams that cover it
 * without overlap (`长上下文推理` → 长上 下文 推理): as strict under AND, half the postings to read, and a word
 * boundary the user put in a phrase (`阿里开源` vs `阿里 开源`) costs nothing. A hand-written scanner: a Unicode regex with look-ahead was 8× slower and
 * tokenizing is most of the index build.
 */
export function tokenizeNormalized(normalized: string, bigrams: "all" | "cover" = "all"): string[] {
  const terms: string[] = [];
  const text = normalized;
  const n = text.length;
  let i = 0;
  const run: string[] = []; // spellings of the CJK characters of the current run
  const endRun = () => {
    if (run.length === 1) terms.push(run[0]!);
    else if (bigrams === "all") for (let k = 0; k + 1 < run.length; k++) terms.push(run[k]! + run[k + 1]!);
    else {
      for (let k = 0; k + 1 < run.length; k += 2) terms.push(run[k]! + run[k + 1]!);
      if (run.length % 2 === 1) terms.push(run[run.length - 2]! + run[run.length - 1]!);
    }
    run.length = 0;
  };
  while (i < n) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const ch = width === 1 ? text[i]! : text.slice(i, i + 2);
    if (isCjk(cp)) {
      run.push(encodeHanChar(ch));
      i += width;
      continue;
    }
    if (run.length > 0) endRun();
    const cls = wordClass(cp, ch);
    if (cls === 0) {
      i += width;
      continue;
    }
    // One letter stretch or one number (digits with `.digits` parts).
    const start = i;
    i += width;
    while (i < n) {
      const c = text.codePointAt(i)!;
      if (isCjk(c)) break;
      const w = c > 0xffff ? 2 : 1;
      const k = wordClass(c, w === 1 ? text[i]! : text.slice(i, i + 2));
      if (k === cls) {
        i += w;
      } else if (cls === 2 && c === 46 && i + 1 < n && wordClass(text.charCodeAt(i + 1), text[i + 1]!) === 2) {
        i += 2; // a decimal point between digits stays inside the number
      } else {
        break;
      }
    }
    terms.push(text.slice(start, i));
  }
  if (run.length > 0) endRun();
  return terms;
}

/**
 * Normalizes then tokenizes: the one function used on both the index and the query side.
 *
 * @example
 * tokenize("Qwen3.5 開源").map(decodeTerm); // ["qwen", "3.5", "开源"]
 * tokenize("GLM‑5");                        // ["glm", "5"]
 */
export function tokenize(text: string): string[] {
  return tokenizeNormalized(normalizeText(text));
}

const LATIN_WORD = /^[\p{L}\p{M}]+$/u;

/**
 * Most edit distance allowed for a query term (the scorer may use less, see `fuzzinessIn`): typos are forgiven only in Latin words long enough that one edit
 * cannot turn them into another common word (`sonet` → sonnet; from 8 letters two edits, so a swap like `langchian` → langchain); never in numbers
 * (`4.5` must not find `4.6`) or Chinese.
 */
export function fuzzinessFor(term: string): number {
  if (isHanTerm(term) || !LATIN_WORD.test(term) || term.length < 5) return 0;
  return term.length >= 8 ? 2 : 1;
}

/**
 * Whether a query term is matched as a prefix. A lone CJK character always is (it then finds the bigrams it
 * starts: `卡` → 卡片, 卡顿); the last term is when autocompleting, if it is not a single Latin letter.
 */
export function usePrefixFor(term: string, index: number, terms: readonly string[], autocomplete: boolean): boolean {
  if (isHanTerm(term)) return term.length === HAN_CHAR_LENGTH || (autocomplete && index === terms.length - 1);
  return autocomplete && index === terms.length - 1 && term.length >= 2;
}
