// A plain-text daily post packed by the generic planner against a character limit: the reference use of `planMessages`.
import type { Locale } from "../config.js";
import { t } from "../i18n.js";
import type { DailyPost, StorySummary } from "../summaries.js";
import { planMessages, splitAtSentences } from "./pack.js";

/** Longest plain-text message, in characters; the console has no real limit, this keeps parts readable. */
export const TEXT_MESSAGE_LIMIT = 4000;

const BLOCK_SEPARATOR = "\n\n";

/** Renders the blocks of a daily post as plain text: header, one heading per section, one block per story. */
export function renderTextBlocks(post: DailyPost, locale: Locale) {
  const headerLines = [t(locale, "label.digest", { date: post.date })];
  if (post.title) headerLines.push(post.title);
  post.header.forEach((s, i) => headerLines.push(`${i + 1}. ${s.title} · ${t(locale, "label.stories", { count: s.storyCount })}`));
  return {
    header: headerLines.join("\n"),
    sections: post.sections.map((section) => ({
      heading: `== ${section.index + 1}. ${section.title} ==`,
      stories: section.stories.map((story) => renderStory(story, locale)),
    })),
  };
}

function renderStory(story: StorySummary, locale: Locale): string {
  const lines = [`• ${story.title}`, `  ${story.summary}`];
  if (story.link) lines.push(`  ${story.link.label}: ${story.link.url}`);
  lines.push(`  ${t(locale, "label.storyHint", { id: story.id })}`);
  return lines.join("\n");
}

/**
 * Plans a daily post as plain-text messages of at most `limit` characters.
 *
 * @example
 * const messages = planTextDailyPost(buildDailyPost(digest), "zh");
 * for (const text of messages) process.stdout.write(text + "\n");
 */
export function planTextDailyPost(post: DailyPost, locale: Locale, limit = TEXT_MESSAGE_LIMIT): string[] {
  const blocks = renderTextBlocks(post, locale);
  return planMessages(blocks, {
    fits: (b) => b.join(BLOCK_SEPARATOR).length <= limit,
    splitStory: (story) => splitAtSentences(story, limit),
  }).map((message) => message.join(BLOCK_SEPARATOR));
}
