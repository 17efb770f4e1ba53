// Tokenizer for mixed Chinese/English text: Han bigrams re-spelt into a 16-letter alphabet, Latin words and numbers split at letter/digit seams.
import { normalizeText } from "./normalize.js";

/**
 * Scripts written without spaces; their runs become character bigrams.
 * Bigrams beat `Intl.Segmenter("zh")` on tech vocabulary (显存, 开源 are split by it) and single characters
 * give false matches (`封号` would match 信封…编号).
 */
const CJK = "[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}]";
/** A letter, mark or digit that is not CJK: Latin, Greek, Cyrillic, Hangul words, numbers. */
const WORD_CHAR = `(?:(?!${CJK})[\\p{L}\\p{M}\\p{N}])`;
/** A CJK run, or a word run that may carry decimal parts (`qwen3.5`, `2602.15763`). */
const RUN = new RegExp(`(${CJK}+)|(${WORD_CHAR}+(?:\\.\\p{N}+)*)`, "gu");
/** Inside a word run: numbers (with decimals) and letter stretches become separate tokens, so `qwen3.5` = `qwen 3.5`. */
const WORD_PART = /\p{N}+(?:\.\p{N}+)*|[\p{L}\p{M}]+/gu;

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
 * Splits already-normalized text into index terms.
 * CJK runs → overlapping bigrams (a lone character stays a unigram); word runs → letter and number parts.
 */
export function tokenizeNormalized(normalized: string): string[] {
  const terms: string[] = [];
  for (const m of normalized.matchAll(RUN)) {
    const cjk = m[1];
    if (cjk !== undefined) {
      const chars = Array.from(cjk, encodeHanChar);
      if (chars.length === 1) terms.push(chars[0]!);
      for (let i = 0; i + 1 < chars.length; i++) terms.push(chars[i]! + chars[i + 1]!);
    } else {
      for (const part of m[2]!.matchAll(WORD_PART)) terms.push(part[0]);
    }
  }
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
 * Edit distance allowed for a query term: typos are forgiven only in Latin words long enough that one edit
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
