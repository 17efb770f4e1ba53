// Section summaries: the short extractive form of each story that daily posts and `/section` show.
import type { Digest, Link, Section, Story } from "./model.js";

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

const SENTENCE_END = /[。！？!?]|\.(?=\s|$)/g;

/**
 * Cuts text to its first sentences, up to `maxChars` (at least one sentence, at most two).
 * A first sentence longer than the cap is cut at the last space or between CJK characters, with "…".
 */
export function summarizeText(text: string, maxChars = SUMMARY_MAX_CHARS): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const ends: number[] = [];
  for (const m of flat.matchAll(SENTENCE_END)) {
    // Closing quotes/brackets right after the stop belong to the sentence.
    let end = m.index + m[0].length;
    while (end < flat.length && /[”’」』）)"']/.test(flat[end]!)) end++;
    ends.push(end);
    if (ends.length === 2) break;
  }
  const two = ends[1];
  if (two !== undefined && two <= maxChars) return flat.slice(0, two).trim();
  const one = ends[0];
  if (one !== undefined && one <= maxChars) return flat.slice(0, one).trim();
  if (one === undefined && flat.length <= maxChars) return flat;
  return cutAtWord(flat, maxChars - 1) + "…";
}

/** Cuts at a word boundary: after a space, or between two characters that are not both Latin/digits. */
function cutAtWord(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  for (let i = max; i > max / 2; i--) {
    const before = chars[i - 1]!;
    const after = chars[i]!;
    if (/\s/.test(after) || /\s/.test(before)) return chars.slice(0, i).join("").trim();
    if (!(/[\p{L}\p{N}]/u.test(before) && /[\p{L}\p{N}]/u.test(after) && /[\x00-\x7f]/.test(before + after))) {
      return chars.slice(0, i).join("").trim();
    }
  }
  return chars.slice(0, max).join("");
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
