// Pure planner of a daily post for Telegram: header, section headings and story summaries packed into ≤ 4096-char messages.
import type { Locale } from "../core/config.js";
import { planMessages } from "../core/delivery/pack.js";
import { storyCount, t } from "../core/i18n.js";
import type { PostOptions } from "../core/delivery/post-options.js";
import type { DailyPost } from "../core/summaries.js";
import { wellFormedPayload } from "../core/safety/well-formed.js";
import { bold, html, italic, joinHtml, safeHttpUrl, splitTelegramHtml, TELEGRAM_MESSAGE_LIMIT, telegramTextLength } from "./telegram-html.js";
import { shorten, summaryBlock, type TelegramMessage } from "./telegram-render.js";

/** Longest digest title in the header, and section name in the header and headings (characters); longer are cut with "…". */
export const TELEGRAM_DAILY_TITLE_LIMIT = 300;
export const TELEGRAM_DAILY_NAME_LIMIT = 120;

/** Blocks of a message are separated by a blank line. */
const BLOCK_SEPARATOR = "\n\n";

export interface DailyPlanOptions {
  locale: Locale;
  /** For `https://t.me/<bot>?start=<story id>` links to the full story; without it each story says `/story <id>`. */
  botUsername?: string;
  /** The subscription's options: `silent` and `linkPreview` are Telegram's (the rest is handled before planning). */
  post?: Pick<PostOptions, "silent" | "linkPreview">;
}

/**
 * Plans the messages of a daily post: the header (date, every section with its story count), then each section's
 * heading and story summaries (title, summary, first link, full-story deep link), whole sections packed into as few
 * messages as fit. Link previews are off so a post stays compact — except, with `linkPreview`, on the header, which
 * then previews the lead story's link. `silent` puts `disable_notification` on every message.
 *
 * @example
 * const messages = planTelegramDailyPost(buildDailyPost(digest), { locale: "zh", botUsername: "DigestBot", post: { silent: true } });
 * for (const m of messages) await bot.api.sendMessage(chatId, m.text, m);
 */
export function planTelegramDailyPost(post: DailyPost, options: DailyPlanOptions): TelegramMessage[] {
  const { locale, botUsername } = options;
  const header = planHeader(post, locale);
  const sections = post.sections.map((section) => ({
    heading: bold(`${section.index + 1}. ${shorten(section.title, TELEGRAM_DAILY_NAME_LIMIT)}`).value,
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
  const preview = options.post?.linkPreview ? leadPreview(post) : undefined;
  const silent = options.post?.silent === true;
  return messages.map((blocks, i) =>
    wellFormedPayload<TelegramMessage>({
      text: blocks.join(BLOCK_SEPARATOR),
      parse_mode: "HTML",
      link_preview_options: i === 0 && preview ? preview : { is_disabled: true },
      ...(silent ? { disable_notification: true } : {}),
    }),
  );
}

/**
 * The header's preview: the lead story's (the post's first story) first link, when it is a safe http(s) URL; none
 * otherwise (a later story's preview would pass it off as the lead). The URL need not be in the header's text.
 * Small media: the header is the post's table of contents, and a large image would push the section list below
 * the fold on a phone; the small card still shows which story leads.
 */
function leadPreview(post: DailyPost): TelegramMessage["link_preview_options"] | undefined {
  const lead = post.sections[0]?.stories[0]?.link;
  const url = lead ? safeHttpUrl(lead.url) : undefined;
  return url ? { is_disabled: false, url, prefer_small_media: true } : undefined;
}

/**
 * The header block: date, title and one line per section, always one message long — a long title or long section
 * names are cut, and sections past what fits are summed up as "…" (they are all in the post below).
 */
function planHeader(post: DailyPost, locale: Locale): string {
  const top = joinHtml(
    [bold(`📰 ${t(locale, "label.digest", { date: post.date })}`), post.title ? italic(shorten(post.title, TELEGRAM_DAILY_TITLE_LIMIT)) : undefined],
    "\n",
  ).value;
  let header = top;
  let length = telegramTextLength(top);
  for (const [i, s] of post.header.entries()) {
    const line = html`${i + 1}. ${shorten(s.title, TELEGRAM_DAILY_NAME_LIMIT)} · ${storyCount(locale, s.storyCount)}`.value;
    const lineLength = telegramTextLength(line) + 1;
    // Room for "\n…" after the last line that fits.
    if (length + lineLength + 2 > TELEGRAM_MESSAGE_LIMIT) return `${header}\n…`;
    header += `\n${line}`;
    length += lineLength;
  }
  return header;
}
