// Pure planner of a daily post for Telegram: header, section headings and story summaries packed into ≤ 4096-char messages.
import type { Locale } from "../core/config.js";
import { planMessages } from "../core/delivery/pack.js";
import { storyCount, t } from "../core/i18n.js";
import type { DailyPost } from "../core/summaries.js";
import { bold, html, italic, joinHtml, splitTelegramHtml, TELEGRAM_MESSAGE_LIMIT, telegramTextLength } from "./telegram-html.js";
import { summaryBlock, type TelegramMessage } from "./telegram-render.js";

/** Blocks of a message are separated by a blank line. */
const BLOCK_SEPARATOR = "\n\n";

export interface DailyPlanOptions {
  locale: Locale;
  /** For `https://t.me/<bot>?start=<story id>` links to the full story; without it each story says `/story <id>`. */
  botUsername?: string;
}

/**
 * Plans the messages of a daily post: the header (date, every section with its story count), then each section's
 * heading and story summaries (title, summary, first link, full-story deep link), whole sections packed into as few
 * messages as fit. Link previews are off so a post stays compact.
 *
 * @example
 * const messages = planTelegramDailyPost(buildDailyPost(digest), { locale: "zh", botUsername: "DigestBot" });
 * for (const m of messages) await bot.api.sendMessage(chatId, m.text, m);
 */
export function planTelegramDailyPost(post: DailyPost, options: DailyPlanOptions): TelegramMessage[] {
  const { locale, botUsername } = options;
  const header = joinHtml(
    [
      bold(`📰 ${t(locale, "label.digest", { date: post.date })}`),
      post.title ? italic(post.title) : undefined,
      joinHtml(post.header.map((s, i) => html`${i + 1}. ${s.title} · ${storyCount(locale, s.storyCount)}`), "\n"),
    ],
    "\n",
  ).value;
  const sections = post.sections.map((section) => ({
    heading: bold(`${section.index + 1}. ${section.title}`).value,
    stories: section.stories.map((s) => summaryBlock(s, locale, botUsername).value),
  }));
  const lengths = new Map<string, number>();
  const measure = (block: string) => {
    let n = lengths.get(block);
    if (n === undefined) lengths.set(block, (n = telegramTextLength(block)));
    return n;
  };
  const messages = planMessages(
    { header, sections },
    {
      // Blocks are balanced HTML, so a message's length is the sum of its blocks' plus the separators'.
      fits: (blocks) =>
        blocks.reduce((n, b) => n + measure(b), 0) + BLOCK_SEPARATOR.length * Math.max(blocks.length - 1, 0) <= TELEGRAM_MESSAGE_LIMIT,
      splitStory: (story) => splitTelegramHtml(story, TELEGRAM_MESSAGE_LIMIT),
    },
  );
  return messages.map((blocks) => ({
    text: blocks.join(BLOCK_SEPARATOR),
    parse_mode: "HTML",
    link_preview_options: { is_disabled: true },
  }));
}
