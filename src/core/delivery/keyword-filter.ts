// A subscription's keyword filter: which stories of a digest match its keywords, by the search engine's own matching.
import type { Digest } from "../digest/model.js";
import { createIndex, digestToDocs } from "../search/index-options.js";
import { normalizeText } from "../search/normalize.js";
import { StoryScorer } from "../search/scorer.js";
import { tokenizeQuery } from "../search/tokenize.js";
import type { DailyPost } from "../summaries.js";

/** Most keywords one subscription may have (and DELIVERY_KEYWORDS). */
export const MAX_KEYWORDS = 20;
/** Longest keyword, in characters. */
export const MAX_KEYWORD_LENGTH = 100;

/**
 * The keywords that could never match a story: nothing in them is searchable (only punctuation, symbols or emoji,
 * like `!!!` or `🤖`), so a subscription with only such keywords would skip every day without a word.
 *
 * @example
 * unsearchableKeywords(["agent", "!!!", "🤖"]); // ["!!!", "🤖"]
 */
export function unsearchableKeywords(keywords: readonly string[]): string[] {
  return keywords.filter((k) => tokenizeQuery(k).length === 0);
}

/**
 * The keywords without repeats, where a repeat is the same keyword as search reads it (case, width, dashes,
 * traditional/simplified: `Agent` = `agent`, `封號` = `封号`); the first spelling is kept.
 *
 * @example
 * uniqueKeywords(["Agent", "agent", "封號", "封号"]); // ["Agent", "封號"]
 */
export function uniqueKeywords(keywords: readonly string[]): string[] {
  const seen = new Set<string>();
  return keywords.filter((k) => {
    const key = normalizeText(k).replace(/\s+/g, " ").trim();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One scorer per digest object: a revised digest is a new object and gets its own; a dropped one is forgotten. */
const scorers = new WeakMap<Digest, StoryScorer>();

function scorerFor(digest: Digest): StoryScorer {
  let scorer = scorers.get(digest);
  if (!scorer) {
    const index = createIndex();
    index.addAll(digestToDocs(digest));
    scorer = new StoryScorer(index);
    scorers.set(digest, scorer);
  }
  return scorer;
}

/**
 * The ids of the stories of `digest` that match at least one keyword, the way `/search` matches on that day: the
 * same index fields, tokenizer and scorer (Chinese bigrams, traditional → simplified, `GLM‑5`/`glm5`/`GLM-5` alike,
 * typo tolerance in long Latin words), but a keyword of several words needs them all (`claude code` does not
 * match a story that only says "code").
 *
 * @example
 * matchingStoryIds(digest, ["agent", "安全"]); // Set { "20260218-glm-5-dsa-rl-agent-m7vrh", … }
 */
export function matchingStoryIds(digest: Digest, keywords: readonly string[]): Set<string> {
  const scorer = scorerFor(digest);
  const ids = new Set<string>();
  for (const keyword of keywords) {
    for (const hit of scorer.search(keyword, { requireAll: true, introductionsFirst: false })) ids.add(hit.id);
  }
  return ids;
}

/**
 * The post with only the stories matching `keywords` (sections left empty are dropped; the header still lists the
 * whole digest). No keywords: the post unchanged.
 *
 * @example
 * filterPostByKeywords(buildDailyPost(digest, [0, 2]), digest, ["安全"]).sections; // the matching stories of sections 1 and 3
 */
export function filterPostByKeywords(post: DailyPost, digest: Digest, keywords: readonly string[] | undefined): DailyPost {
  if (!keywords || keywords.length === 0) return post;
  const ids = matchingStoryIds(digest, keywords);
  const sections = post.sections.map((s) => ({ ...s, stories: s.stories.filter((story) => ids.has(story.id)) })).filter((s) => s.stories.length > 0);
  return { ...post, sections };
}

/** How a skipped slot's note starts when the keywords matched nothing (`/status` recognises it). */
export const NO_KEYWORD_MATCH_NOTE = "no story matches the keywords";

/**
 * The note of a slot skipped because no story matched.
 *
 * @example
 * noKeywordMatchNote("2026-02-18", ["agent", "安全"], false); // 'no story matches the keywords "agent", "安全" in the 2026-02-18 digest; nothing was sent'
 */
export function noKeywordMatchNote(date: string, keywords: readonly string[], sectionFilter: boolean): string {
  const list = keywords.map((k) => JSON.stringify(k)).join(", ");
  return `${NO_KEYWORD_MATCH_NOTE} ${list} in ${sectionFilter ? "the chosen sections of " : ""}the ${date} digest; nothing was sent`;
}
