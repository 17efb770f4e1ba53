// Telegram inline mode: `@YourBot glm` in any chat offers matching stories, each dropped in as one full message.
import type { Context } from "grammy";
import type { InlineQueryResultArticle } from "grammy/types";
import type { App } from "../app.js";
import type { Locale } from "../core/config.js";
import { t } from "../core/i18n.js";
import type { StoryCard } from "../core/reply.js";
import { wellFormedPayload } from "../core/safety/well-formed.js";
import { splitTelegramHtml, TELEGRAM_INLINE_DESCRIPTION_LIMIT, TELEGRAM_INLINE_TITLE_LIMIT, TELEGRAM_MESSAGE_LIMIT } from "./telegram-html.js";
import { linkButtons, shorten, storyDeepLink, toTelegramMessage } from "./telegram-render.js";

/** Most stories offered in one inline answer (Telegram allows 50; 20 keeps answers fast). */
export const TELEGRAM_INLINE_RESULTS = 20;
/** How long Telegram may cache an inline answer, in seconds. */
export const TELEGRAM_INLINE_CACHE_SECONDS = 60;
/** Longest inline query we search (the same limit as /search). */
const INLINE_QUERY_MAX = 200;

/**
 * Answers an inline query: the latest digest's stories for an empty query, else the best matches.
 *
 * @example
 * bot.on("inline_query", (ctx) => answerInlineQuery(ctx, app, "zh", bot.botInfo.username));
 */
export async function answerInlineQuery(ctx: Context, app: App, locale: Locale, botUsername: string): Promise<void> {
  const query = (ctx.inlineQuery?.query ?? "").trim();
  const cards = Array.from(query).length > INLINE_QUERY_MAX ? [] : inlineStories(app, query);
  const results = cards.map((card) => wellFormedPayload(inlineArticle(card, locale, botUsername)));
  await ctx.answerInlineQuery(results, { cache_time: TELEGRAM_INLINE_CACHE_SECONDS, is_personal: false });
}

/** Stories for an inline query: the latest digest's when empty, else the best matches. */
function inlineStories(app: App, query: string): StoryCard[] {
  const ids = query
    ? app.search.search(query, { limit: TELEGRAM_INLINE_RESULTS }).map((h) => h.id)
    : (app.archive.latest()?.sections.flatMap((s) => s.stories.map((st) => st.id)) ?? []).slice(0, TELEGRAM_INLINE_RESULTS);
  const cards: StoryCard[] = [];
  for (const id of ids) {
    const ref = app.archive.findStory(id);
    if (!ref) continue;
    const { story } = ref;
    cards.push({ id: story.id, date: ref.digest.date, section: ref.section.title, title: story.title, body: story.body, text: story.text, links: story.links });
  }
  return cards;
}

/** An inline result: the story in full as the message a reader drops into any chat. */
function inlineArticle(card: StoryCard, locale: Locale, botUsername: string): InlineQueryResultArticle {
  const parts = toTelegramMessage({ type: "story", story: card, alsoMatching: [] }, locale, { botUsername });
  // One message only: a story longer than that says it goes on, and the Full story button opens the rest.
  const first = parts.length > 1 ? { text: `${splitTelegramHtml(parts[0]!.text, TELEGRAM_MESSAGE_LIMIT - 2)[0]!}\n…` } : parts[0];
  const deep = storyDeepLink(botUsername, card.id);
  const keyboard = [...(deep ? [[{ text: `📖 ${t(locale, "label.fullStory")}`, url: deep }]] : []), ...linkButtons(card.links)];
  return {
    type: "article",
    id: card.id,
    title: shorten(card.title, TELEGRAM_INLINE_TITLE_LIMIT),
    description: shorten(`${card.section} · ${card.date}`, TELEGRAM_INLINE_DESCRIPTION_LIMIT),
    input_message_content: {
      message_text: first?.text ?? card.title,
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
    },
    ...(keyboard.length ? { reply_markup: { inline_keyboard: keyboard } } : {}),
  };
}
