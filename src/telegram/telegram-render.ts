// Pure renderer: a platform-neutral Reply becomes Telegram sendMessage parameters (HTML, keyboards, link previews).
import { optionStatusLines } from "../core/post-options-text.js";
import type { InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions } from "grammy/types";
import type { Locale } from "../core/config.js";
import { deliveryStatusLabel, listSeparator, revisionLines, storyCount, t } from "../core/i18n.js";
import type { Reply, StoryCard, StoryHit } from "../core/reply.js";
import { renderPendingDelivery, RESULTS_PER_PAGE } from "../core/render-text.js";
import { decodeSearchPage, encodeSearchPage, searchPageRequest, type PageDataLimit, type SearchPageRequest } from "../core/paging.js";
import type { SectionSummary } from "../core/summaries.js";
import { displayLinkLabel } from "../core/safety/link-label.js";
import { wellFormedFresh } from "../core/safety/well-formed.js";
import {
  bold,
  code,
  html,
  isSafeUrl,
  italic,
  safeHttpUrl,
  joinHtml,
  link,
  markdownToTelegramHtml,
  splitTelegramHtml,
  TELEGRAM_BUTTON_TEXT_LIMIT,
  TELEGRAM_CALLBACK_DATA_LIMIT,
  TELEGRAM_START_PAYLOAD_LIMIT,
  type TelegramHtml,
} from "./telegram-html.js";

/** Most link buttons under a story; the rest stay as links in the text. */
export const TELEGRAM_LINK_BUTTONS_MAX = 6;

/** One message to send: the parameters of `sendMessage` except `chat_id`. */
export interface TelegramMessage {
  text: string;
  parse_mode: "HTML";
  /** Off (`is_disabled`) except on a daily post's header with the lead story's preview (`linkPreview`). */
  link_preview_options: LinkPreviewOptions;
  reply_markup?: InlineKeyboardMarkup;
  /** Set on every message of a silent subscription's daily post: it arrives without a notification sound. */
  disable_notification?: boolean;
}

export type { SearchPageRequest } from "../core/paging.js";

/** Telegram counts `callback_data` in UTF-8 bytes. */
export const TELEGRAM_PAGE_DATA_LIMIT: PageDataLimit = { max: TELEGRAM_CALLBACK_DATA_LIMIT, unit: "bytes" };

export interface RenderOptions {
  /** The bot's username, for `https://t.me/<bot>?start=<id>` deep links; without it stories are referred to by id. */
  botUsername?: string;
  /**
   * Callback data for a search page button; return undefined to leave the button out.
   * Default {@link encodeSearchCallback} (works while the request fits in 64 bytes).
   */
  searchCallback?: (request: SearchPageRequest) => string | undefined;
}

/**
 * Packs a search page request into callback data (`s|2|2026-02-18|安全|sonnet`), or undefined when it does not fit
 * Telegram's 64 bytes; the adapter then keeps it server-side (see `searchPageData` in src/core/paging.ts).
 */
export function encodeSearchCallback(r: SearchPageRequest): string | undefined {
  return encodeSearchPage(r, TELEGRAM_PAGE_DATA_LIMIT);
}

/** Reads data made by {@link encodeSearchCallback}; undefined for anything else. */
export function decodeSearchCallback(data: string): SearchPageRequest | undefined {
  return decodeSearchPage(data);
}

/** `https://t.me/<bot>?start=<id>`: opens the bot in private and shows the story. Undefined without a username. */
export function storyDeepLink(botUsername: string | undefined, storyId: string): string | undefined {
  if (!botUsername || !/^[A-Za-z0-9_-]+$/.test(storyId) || storyId.length > TELEGRAM_START_PAYLOAD_LIMIT) return undefined;
  return `https://t.me/${encodeURIComponent(botUsername.replace(/^@/, ""))}?start=${storyId}`;
}

/** The story's title, linked to its deep link when there is one. */
export function storyTitle(hit: { id: string; title: string }, botUsername?: string): TelegramHtml {
  const url = storyDeepLink(botUsername, hit.id);
  return url ? link(bold(hit.title), url) : bold(hit.title);
}

const tone = { info: "ℹ️", success: "✅", warning: "⚠️" } as const;

/**
 * Renders a reply as one or more Telegram messages (more only when the text exceeds 4096 characters).
 * Digest text is always escaped; link previews are on only for a single story; buttons go on the last message.
 *
 * @example
 * const [message] = toTelegramMessage({ type: "notice", tone: "success", text: "已订阅" }, "zh");
 * await bot.api.sendMessage(chatId, message.text, message);
 */
export function toTelegramMessage(reply: Reply, locale: Locale, options: RenderOptions = {}): TelegramMessage[] {
  const { body, keyboard, preview } = renderReply(reply, locale, options);
  const texts = splitTelegramHtml(body);
  return texts.map((text, i) => {
    const message: TelegramMessage = { text, parse_mode: "HTML", link_preview_options: { is_disabled: !preview } };
    if (i === texts.length - 1 && keyboard.length > 0) message.reply_markup = { inline_keyboard: keyboard };
    return wellFormedFresh(message);
  });
}

interface Rendered {
  body: TelegramHtml;
  keyboard: InlineKeyboardButton[][];
  preview: boolean;
}

function renderReply(reply: Reply, locale: Locale, options: RenderOptions): Rendered {
  const bot = options.botUsername;
  const none = { keyboard: [] as InlineKeyboardButton[][], preview: false };
  switch (reply.type) {
    case "story":
      return { body: renderStory(reply.story, reply.alsoMatching, locale, bot), keyboard: linkButtons(reply.story.links), preview: true };
    case "links":
      return {
        body: joinHtml(
          [
            html`${bold(t(locale, "label.links"))} · ${storyTitle(reply.story, bot)}`,
            meta(reply.story),
            joinHtml(reply.links.map((l) => html`• ${link(displayLinkLabel(l.label, l.url), l.url)}`), "\n"),
          ],
          "\n",
        ),
        keyboard: linkButtons(reply.links),
        preview: false,
      };
    case "results":
      return renderResults(reply, locale, options);
    case "section-summary":
      return { body: renderSectionSummary(reply.summary, reply.date, locale, bot), ...none };
    case "digest-overview":
      return {
        body: joinHtml(
          [
            bold(t(locale, "label.digest", { date: reply.date })) as TelegramHtml,
            reply.title ? italic(reply.title) : undefined,
            ...reply.sections.map((s, i) =>
              joinHtml([bold(`${i + 1}. ${s.title}`), ...s.stories.map((h) => html`• ${storyLine(h, bot)}`)], "\n"),
            ),
          ],
          "\n\n",
        ),
        ...none,
      };
    case "sections":
      return {
        body: joinHtml(
          [
            bold(t(locale, "label.sectionsOf", { date: reply.date })),
            ...reply.sections.map((s, i) => html`${i + 1}. ${s.title} · ${storyCount(locale, s.storyCount)}`),
          ],
          "\n",
        ),
        ...none,
      };
    case "help":
      return {
        body: joinHtml(
          [
            bold(t(locale, "label.help")),
            ...reply.commands.map(
              (c) => html`${code(c.usage)} — ${c.description}${c.adminOnly ? html` <i>(${t(locale, "label.adminOnly")})</i>` : ""}`,
            ),
          ],
          "\n",
        ),
        ...none,
      };
    case "status":
      return { body: renderStatus(reply, locale), ...none };
    case "notice":
      return { body: html`${tone[reply.tone]} ${reply.text}`, ...none };
    case "error":
      return { body: joinHtml([html`⚠️ ${reply.message}`, reply.hint ? italic(reply.hint) : undefined], "\n"), ...none };
  }
}

function meta(hit: StoryHit): TelegramHtml {
  return italic(html`${hit.section} · ${hit.date} · ${code(hit.id)}`);
}

function storyLine(hit: StoryHit, bot: string | undefined): TelegramHtml {
  return html`${storyTitle(hit, bot)} ${code(hit.id)}`;
}

/** A story in full: title, where it sits, the body (Markdown rendered), its links, and what else matched. */
export function renderStory(story: StoryCard, alsoMatching: readonly StoryHit[], locale: Locale, bot?: string): TelegramHtml {
  return joinHtml(
    [
      joinHtml([bold(story.title), meta(story)], "\n"),
      markdownToTelegramHtml(story.body || story.text),
      story.links.length
        ? joinHtml([bold(t(locale, "label.links")), ...story.links.map((l) => html`• ${link(displayLinkLabel(l.label, l.url), l.url)}`)], "\n")
        : undefined,
      alsoMatching.length
        ? joinHtml(
            [bold(t(locale, "label.alsoMatching")), ...alsoMatching.map((h) => html`• ${storyTitle(h, bot)} · ${h.section} · ${code(h.id)}`)],
            "\n",
          )
        : undefined,
    ],
    "\n\n",
  );
}

function renderResults(reply: Extract<Reply, { type: "results" }>, locale: Locale, options: RenderOptions): Rendered {
  const bot = options.botUsername;
  const filters = [reply.filters.section, reply.filters.date].filter((f): f is string => Boolean(f));
  const start = (reply.page - 1) * RESULTS_PER_PAGE;
  const lines = reply.hits.length
    ? reply.hits.map((h, i) => html`${start + i + 1}. ${storyTitle(h, bot)}\n    ${h.section} · ${h.date} · ${code(h.id)}`)
    : [italic(t(locale, "label.noResults"))];
  const body = joinHtml(
    [
      bold(t(locale, "label.results", { query: reply.query, total: reply.total })),
      filters.length ? italic(t(locale, "label.resultsFilters", { filters: filters.join(listSeparator(locale)) })) : undefined,
      joinHtml(lines, "\n"),
      reply.pageCount > 1 ? italic(t(locale, "label.page", { page: reply.page, pageCount: reply.pageCount })) : undefined,
    ],
    "\n\n",
  );
  const encode = options.searchCallback ?? encodeSearchCallback;
  const row: InlineKeyboardButton[] = [];
  const prev = reply.page > 1 ? encode(searchPageRequest(reply, reply.page - 1)) : undefined;
  const next = reply.page < reply.pageCount ? encode(searchPageRequest(reply, reply.page + 1)) : undefined;
  if (prev) row.push({ text: `◀ ${t(locale, "label.previous")}`, callback_data: prev });
  if (next) row.push({ text: `${t(locale, "label.next")} ▶`, callback_data: next });
  return { body, keyboard: row.length ? [row] : [], preview: false };
}

function renderSectionSummary(summary: SectionSummary, date: string, locale: Locale, bot: string | undefined): TelegramHtml {
  return joinHtml(
    [bold(t(locale, "label.sectionSummary", { section: summary.title, date })), ...summary.stories.map((s) => summaryBlock(s, locale, bot))],
    "\n\n",
  );
}

/** One story in a summary: title, the short summary, its first link and the way to the full story. */
export function summaryBlock(
  s: { id: string; title: string; summary: string; link?: { label: string; url: string } },
  locale: Locale,
  bot: string | undefined,
): TelegramHtml {
  const deep = storyDeepLink(bot, s.id);
  const tail = joinHtml(
    [
      s.link && isSafeUrl(s.link.url) ? link(`🔗 ${displayLinkLabel(s.link.label, s.link.url)}`, s.link.url) : undefined,
      deep ? link(`📖 ${t(locale, "label.fullStory")}`, deep) : html`📖 /story ${s.id}`,
    ],
    " · ",
  );
  return joinHtml([bold(s.title), s.summary ? html`${s.summary}` : undefined, tail], "\n");
}

function renderStatus(reply: Extract<Reply, { type: "status" }>, locale: Locale): TelegramHtml {
  const loaded = reply.digests.latest
    ? t(locale, "label.digestsLoaded", { count: reply.digests.count, latest: reply.digests.latest })
    : t(locale, "label.noDigestsLoaded");
  const targets = reply.targets.length
    ? reply.targets.map((target) =>
        joinHtml(
          [
            html`${target.enabled ? "🟢" : "🔴"} ${bold(`${target.platform} ${target.targetId}`)} · ${
              target.enabled ? t(locale, "label.enabled") : t(locale, "label.disabled")
            }`,
            target.disabledReason ? html`  ${t(locale, "label.reason")}: ${target.disabledReason}` : undefined,
            html`  ${t(locale, "label.schedule")}: ${code(target.cron)} ${target.timezone} · ${
              target.sections?.length ? target.sections.join(listSeparator(locale)) : t(locale, "label.allSections")
            }`,
            target.nextRun ? html`  ${t(locale, "label.nextRun")}: ${target.nextRun}` : undefined,
            html`  ${t(locale, "label.lastDelivery")}: ${
              target.lastDelivery
                ? `${target.lastDelivery.date} ${deliveryStatusLabel(locale, target.lastDelivery.status)} ${target.lastDelivery.at}${target.lastDelivery.error ? ` (${target.lastDelivery.error})` : ""}`
                : t(locale, "label.never")
            }`,
            ...(target.lastRevision
              ? revisionLines(locale, target.lastRevision).map((l, i) => (i === 0 ? html`  ${t(locale, "label.lastRevision")}: ${l}` : html`    ${l}`))
              : []),
            target.possibleDuplicates ? html`  ${t(locale, "label.possibleDuplicates", { count: target.possibleDuplicates })}` : undefined,
            ...optionStatusLines(locale, target).map((line) => html`  ${line}`),
          ],
          "\n",
        ),
      )
    : [italic(t(locale, "label.noTargets"))];
  const pending = reply.pending?.length
    ? [joinHtml([bold(t(locale, "label.pendingRuns")), ...reply.pending.map((p) => html`${renderPendingDelivery(p, locale)}`)], "\n")]
    : [];
  return joinHtml([bold(t(locale, "label.status")), html`${loaded}`, bold(t(locale, "label.targets")), ...targets, ...pending], "\n\n");
}

/** URL buttons for a story's http(s) links, two per row. */
export function linkButtons(links: readonly { label: string; url: string }[]): InlineKeyboardButton[][] {
  const buttons = links
    .flatMap((l) => {
      const url = safeHttpUrl(l.url);
      if (!url) return [];
      const shown = l.label.trim() ? displayLinkLabel(l.label, url) : new URL(url).hostname;
      return [{ text: shorten(shown, TELEGRAM_BUTTON_TEXT_LIMIT), url }];
    })
    .slice(0, TELEGRAM_LINK_BUTTONS_MAX);
  const rows: InlineKeyboardButton[][] = [];
  for (let i = 0; i < buttons.length; i += 2) rows.push(buttons.slice(i, i + 2));
  return rows;
}

/** Cuts text to `max` characters (code points) with "…". */
export function shorten(text: string, max: number): string {
  const chars = Array.from(text.replace(/\s+/g, " ").trim());
  return chars.length <= max ? chars.join("") : `${chars.slice(0, max - 1).join("")}…`;
}
