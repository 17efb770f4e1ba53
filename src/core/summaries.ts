// Section summaries: the short extractive form of each story that daily posts and `/section` show.
import type { Digest, Link, Section, Story } from "./digest/model.js";

/** Longest summary of one story, in characters, before it is cut at a sentence end. */
export const SUMMARY_MAX_CHARS = 160;

export interface StorySummary {
  id: string;
  title: string;
  /** The first sentence or two of the story, cut at a sentence end (never mid-word). */
  summary: string;
  /** The story's first link, if any. */
  link?: Link;
}

export interface SectionSummary {
  /** 0-based position of the section in its digest. */
  index: number;
  title: string;
  stories: StorySummary[];
}

/** What a daily post is made of: a header and one summary per (selected) section. */
export interface DailyPost {
  date: string;
  title?: string;
  /** Every section of the digest with its story count (the header lists them all). */
  header: { title: string; storyCount: number }[];
  /** The sections this post carries (all, or the subscription's filter). */
  sections: SectionSummary[];
}

/** Full stops; an ASCII "." only when a space, the end, or a closing quote/bracket follows (so `4.6`, `v1.2`, URLs stay whole). */
const SENTENCE_END = /[。！？!?]|\.(?=[”’」』）)"']*(?:\s|$))/g;
/** Closing quotes/brackets right after a stop belong to the sentence. */
const CLOSERS = /[”’」』）)"']/;
/** Words whose "." is not a sentence end (unless the text ends there): `e.g.`, `i.e.`, `U.S.` and a few titles. */
const ABBREVIATION = /(?:^|[^\p{L}\p{N}.])(?:(?:\p{L}\.)+\p{L}|mr|mrs|ms|dr|prof|vs|fig|approx)$/iu;
/** Clause marks: a cut there reads naturally when a first sentence is too long. ASCII ones only before a space. */
const CLAUSE_END = /[，；：、]|[,;:](?=\s)/g;
/** Characters that must not be left dangling right before the "…". */
const DANGLING = /[\s，；：、,;:“‘「『（(—]+$/u;

/**
 * Cuts text to its first sentences, up to `maxChars` characters (code points): the first two sentences if they fit,
 * else the first one. A first sentence longer than the cap is cut, with "…", at the last clause mark (，；：、) in
 * its second half, else at the last word boundary — never inside a Latin word, number or URL.
 *
 * @example
 * summarizeText("Sonnet 4.6 发布。定价不变。社区反应热烈。"); // "Sonnet 4.6 发布。定价不变。"
 */
export function summarizeText(text: string, maxChars = SUMMARY_MAX_CHARS): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const ends: number[] = [];
  for (const m of flat.matchAll(SENTENCE_END)) {
    let end = m.index + m[0].length;
    while (end < flat.length && CLOSERS.test(flat[end]!)) end++;
    if (m[0] === "." && end < flat.length && ABBREVIATION.test(flat.slice(0, m.index))) continue;
    ends.push(end);
    if (ends.length === 2) break;
  }
  const fits = (end: number) => codePoints(flat.slice(0, end)) <= maxChars;
  for (const end of [ends[1], ends[0]]) {
    if (end !== undefined && fits(end)) return flat.slice(0, end).trim();
  }
  if (ends.length === 0 && codePoints(flat) <= maxChars) return flat;
  return cutAtBoundary(Array.from(flat), maxChars - 1) + "…";
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Latin letters, digits and ASCII symbols form one unbreakable word (`FP8/FP4`, `A/B`, a URL). */
const isWordChar = (c: string) => /[\x21-\x7e]/.test(c) || /[\p{Script=Latin}\p{N}]/u.test(c);

/** The longest prefix of at most `max` characters that ends at a clause mark or between words. */
function cutAtBoundary(chars: string[], max: number): string {
  const head = chars.slice(0, max + 1).join("");
  let clause: number | undefined;
  for (const m of head.matchAll(CLAUSE_END)) {
    const at = codePoints(head.slice(0, m.index));
    if (at <= max && at >= max / 2) clause = at;
  }
  if (clause !== undefined) return tidy(chars.slice(0, clause).join(""));
  for (let i = Math.min(max, chars.length - 1); i > 0; i--) {
    const before = chars[i - 1]!;
    const after = chars[i]!;
    if (/\s/.test(before) || /\s/.test(after) || !(isWordChar(before) && isWordChar(after))) {
      const cut = tidy(chars.slice(0, i).join(""));
      if (cut !== "") return cut;
    }
  }
  // One word longer than the cap (a bare URL): nothing better than a hard cut.
  return chars.slice(0, max).join("");
}

function tidy(text: string): string {
  return text.replace(DANGLING, "").trim();
}

export function summarizeStory(story: Story, maxChars = SUMMARY_MAX_CHARS): StorySummary {
  const summary: StorySummary = { id: story.id, title: story.title, summary: summarizeText(story.text, maxChars) };
  if (story.links[0]) summary.link = story.links[0];
  return summary;
}

export function summarizeSection(section: Section, index: number, maxChars = SUMMARY_MAX_CHARS): SectionSummary {
  return { index, title: section.title, stories: section.stories.map((s) => summarizeStory(s, maxChars)) };
}

/**
 * Builds the daily post of a digest.
 * @param sectionFilter section indexes to carry (0-based); undefined = all.
 */
export function buildDailyPost(digest: Digest, sectionFilter?: readonly number[]): DailyPost {
  const post: DailyPost = {
    date: digest.date,
    header: digest.sections.map((s) => ({ title: s.title, storyCount: s.stories.length })),
    sections: digest.sections
      .map((s, i) => summarizeSection(s, i))
      .filter((s) => !sectionFilter || sectionFilter.includes(s.index)),
  };
  if (digest.title) post.title = digest.title;
  return post;
}
