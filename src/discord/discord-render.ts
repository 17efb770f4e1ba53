// Renders the platform-neutral reply model as a Discord message: embeds, link buttons, ephemeral errors, no pings.
import { optionStatusLines } from "../core/post-options-text.js";
import { ButtonBuilder, Colors, ComponentAssertions, ComponentType, MessageFlags } from "discord.js";
import { plainEmbed } from "./discord-embed.js";
import { wellFormedFresh } from "../core/safety/well-formed.js";
import type { DiscordPlacement } from "./discord-placement.js";
import type { APIActionRowComponent, APIButtonComponent, APIEmbed, APIEmbedField } from "discord.js";
import type { Locale } from "../core/config.js";
import { deliveryStatusLabel, listSeparator, revisionLines, storyCount, t } from "../core/i18n.js";
import type { PendingDelivery, Reply, StoryHit } from "../core/reply.js";
import { renderPendingDelivery } from "../core/render-text.js";
import { displayLinkLabel } from "../core/safety/link-label.js";
import { encodeSearchPage, searchPageRequest, type SearchPageRequest } from "../core/paging.js";
import {
  DISCORD_BUTTONS_PER_ROW,
  DISCORD_EMBED_DESCRIPTION_LIMIT,
  DISCORD_EMBED_FIELDS_LIMIT,
  DISCORD_EMBED_TITLE_LIMIT,
  DISCORD_EMBED_URL_LIMIT,
  DISCORD_FIELD_NAME_LIMIT,
  DISCORD_FIELD_VALUE_LIMIT,
  DISCORD_FOOTER_LIMIT,
  DISCORD_MESSAGE_EMBED_TOTAL_LIMIT,
  DISCORD_PAGE_DATA_LIMIT,
  DISCORD_ROWS_PER_MESSAGE,
  NO_MENTIONS,
  cutText,
  escapeToFit,
  linkButtons,
  maskedLink,
  pageButton,
  safeUrl,
  storyButton,
} from "./discord-text.js";

/** A Discord message body as sent to `POST /channels/:id/messages` or an interaction response. */
export interface DiscordMessagePayload {
  content?: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
  /** Never parsed from text; a daily post's header may allow exactly the one role its subscription pings. */
  allowed_mentions: { parse: []; roles?: string[] };
  /** `MessageFlags.Ephemeral` for answers only the asker should see; SUPPRESS_NOTIFICATIONS on a silent daily post. */
  flags?: number;
  /** Daily posts only: where the part goes (thread, forum post) and its place in the post; stripped before sending. */
  digest_placement?: DiscordPlacement;
}

export interface RenderOptions {
  /** Force ephemeral (true) or public (false); default: errors are ephemeral, everything else public. */
  ephemeral?: boolean;
  /**
   * Custom id of a `/search` ◀ Previous / Next ▶ button; undefined leaves the button out. Default: the request
   * packed by `encodeSearchPage` when it fits 100 characters (the adapter passes one that falls back to its cache).
   */
  searchPage?: (request: SearchPageRequest) => string | undefined;
}

const COLOR = { info: Colors.Blurple, success: Colors.Green, warning: Colors.Yellow, error: Colors.Red } as const;

/** Sum of the characters Discord counts against the 6000 per-message embed limit. */
export function embedLength(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

/** Buttons into action rows of at most 5, at most 5 rows (extra buttons are dropped). */
export function toRows(buttons: readonly APIButtonComponent[]): APIActionRowComponent<APIButtonComponent>[] {
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  const usable = buttons.slice(0, DISCORD_BUTTONS_PER_ROW * DISCORD_ROWS_PER_MESSAGE);
  for (let i = 0; i < usable.length; i += DISCORD_BUTTONS_PER_ROW) {
    rows.push({ type: ComponentType.ActionRow, components: usable.slice(i, i + DISCORD_BUTTONS_PER_ROW).map(rowButton) });
  }
  return rows;
}

/**
 * What `new ActionRowBuilder().addComponents(ButtonBuilder.from(b)).toJSON()` makes of a button: its keys with
 * `emoji` moved last, checked by the builder's own rule for buttons. A button with a nested object (an emoji) goes
 * through the builder itself, whose snake-casing copies it; the buttons rendered here have none, and snake-casing
 * their keys (already snake case) ran lodash over every key of every button.
 */
function rowButton(button: APIButtonComponent): APIButtonComponent {
  if (Object.values(button).some((v) => v !== null && typeof v === "object")) return ButtonBuilder.from(button).toJSON();
  const { emoji, ...data } = button as APIButtonComponent & { emoji?: unknown; custom_id?: string; url?: string; label?: string; sku_id?: string };
  ComponentAssertions.validateRequiredButtonParameters(data.style, data.label, emoji as never, data.custom_id, data.sku_id as never, data.url);
  return Object.assign({ type: ComponentType.Button }, data, { emoji }) as APIButtonComponent;
}

/** Footer of a story: `date · section · id`. */
export function storyFooter(hit: StoryHit): string {
  return cutText(`${hit.date} · ${hit.section} · ${hit.id}`, DISCORD_FOOTER_LIMIT);
}

/** Lines joined by "\n", keeping only whole lines that fit `max` (with "…" when some were left out). */
export function joinLinesToFit(lines: readonly string[], max: number): string {
  let out = "";
  for (const [i, line] of lines.entries()) {
    const next = out ? `${out}\n${line}` : line;
    const rest = i < lines.length - 1 ? 2 : 0;
    if (next.length + rest > max) return out ? `${out}\n…` : cutText(line, max);
    out = next;
  }
  return out;
}

function hitLine(hit: StoryHit): string {
  return `• ${escapeToFit(hit.title, 120)} · \`${hit.id}\``;
}

/**
 * Renders a reply as one Discord message. Pure: the same reply always gives the same JSON.
 * Digest text is escaped (no Markdown breakage, no mentions), links are http(s) only, and
 * `allowed_mentions` is empty on every message.
 *
 * @example
 * const payload = toDiscordPayload({ type: "notice", tone: "success", text: "已订阅" }, "zh");
 * await interaction.reply(toDiscordJsOptions(payload));
 */
export function toDiscordPayload(reply: Reply, locale: Locale, options: RenderOptions = {}): DiscordMessagePayload {
  const { embeds, buttons } = renderBody(reply, locale, options);
  const payload: DiscordMessagePayload = { embeds: embeds.map(clampEmbed), components: toRows(buttons), allowed_mentions: { ...NO_MENTIONS, parse: [] } };
  const ephemeral = options.ephemeral ?? reply.type === "error";
  if (ephemeral) payload.flags = MessageFlags.Ephemeral;
  return wellFormedFresh(payload);
}

function renderBody(reply: Reply, locale: Locale, options: RenderOptions): { embeds: APIEmbed[]; buttons: APIButtonComponent[] } {
  switch (reply.type) {
    case "story": {
      const { story } = reply;
      const first = story.links[0] && safeUrl(story.links[0].url);
      // Discord refuses the whole message for an over-long embed URL; the link is still in the field and buttons.
      // The title becomes that link's label: a title naming another site (a bullet led by `[https://good.example](https://evil.example)`) gets no link.
      const honestTitle = first !== undefined && displayLinkLabel(story.title, first) === story.title.trim();
      const fields: APIEmbedField[] = [];
      if (story.links.length > 0) {
        fields.push({
          name: t(locale, "label.links"),
          value: joinLinesToFit(story.links.map((l) => `• ${maskedLink(l)}`), DISCORD_FIELD_VALUE_LIMIT),
        });
      }
      if (reply.alsoMatching.length > 0) {
        fields.push({
          name: t(locale, "label.alsoMatching"),
          value: joinLinesToFit(reply.alsoMatching.map(hitLine), DISCORD_FIELD_VALUE_LIMIT),
        });
      }
      const embed = plainEmbed({
        color: COLOR.info,
        title: escapeToFit(orDash(story.title), DISCORD_EMBED_TITLE_LIMIT),
        description: escapeToFit(orDash(story.text || story.title), DISCORD_EMBED_DESCRIPTION_LIMIT),
        footer: storyFooter(story),
        ...(first && honestTitle && first.length <= DISCORD_EMBED_URL_LIMIT ? { url: first } : {}),
        ...(fields.length > 0 ? { fields } : {}),
      });
      return { embeds: [embed], buttons: linkButtons(story.links, DISCORD_BUTTONS_PER_ROW * DISCORD_ROWS_PER_MESSAGE) };
    }
    case "links": {
      const lines = reply.links.map((l, i) => `${i + 1}. ${maskedLink(l, 200)}`);
      const embed = plainEmbed({
        color: COLOR.info,
        title: escapeToFit(`${t(locale, "label.links")} · ${reply.story.title}`, DISCORD_EMBED_TITLE_LIMIT),
        description: joinLinesToFit(lines.length ? lines : ["—"], DISCORD_EMBED_DESCRIPTION_LIMIT),
        footer: storyFooter(reply.story),
      });
      return { embeds: [embed], buttons: linkButtons(reply.links, DISCORD_BUTTONS_PER_ROW * DISCORD_ROWS_PER_MESSAGE) };
    }
    case "results": {
      // Pages are equal-sized except the last, so the page size is known from any page.
      const pageSize =
        reply.page < reply.pageCount || reply.pageCount <= 1
          ? reply.hits.length
          : Math.round((reply.total - reply.hits.length) / (reply.pageCount - 1));
      const lines = reply.hits.map(
        (h, i) => `${(reply.page - 1) * pageSize + i + 1}. **${escapeToFit(h.title, 150)}**\n${escapeToFit(h.section, 80)} · ${h.date} · \`${h.id}\``,
      );
      const filters = [reply.filters.section, reply.filters.date].filter((x): x is string => Boolean(x));
      const footer = [t(locale, "label.page", { page: reply.page, pageCount: reply.pageCount })];
      if (filters.length) footer.push(t(locale, "label.resultsFilters", { filters: filters.join(listSeparator(locale)) }));
      const embed = plainEmbed({
        color: COLOR.info,
        title: escapeToFit(t(locale, "label.results", { query: reply.query, total: reply.total }), DISCORD_EMBED_TITLE_LIMIT),
        description: joinLinesToFit(lines.length ? lines : [t(locale, "label.noResults")], DISCORD_EMBED_DESCRIPTION_LIMIT),
        footer: cutText(footer.join(" · "), DISCORD_FOOTER_LIMIT),
      });
      const customId = options.searchPage ?? ((r: SearchPageRequest) => encodeSearchPage(r, DISCORD_PAGE_DATA_LIMIT));
      const prev = reply.page > 1 ? customId(searchPageRequest(reply, reply.page - 1)) : undefined;
      const next = reply.page < reply.pageCount ? customId(searchPageRequest(reply, reply.page + 1)) : undefined;
      const buttons: APIButtonComponent[] = [];
      if (prev) buttons.push(pageButton(prev, `◀ ${t(locale, "label.previous")}`));
      if (next) buttons.push(pageButton(next, `${t(locale, "label.next")} ▶`));
      return { embeds: [embed], buttons };
    }
    case "section-summary": {
      const { summary } = reply;
      const lines = summary.stories.map((s, i) => {
        const link = s.link ? `\n${maskedLink(s.link)}` : "";
        return `**${i + 1}. ${escapeToFit(s.title, 200)}**\n${escapeToFit(s.summary, 600)}${link} · \`${s.id}\``;
      });
      const embed = plainEmbed({
        color: COLOR.info,
        title: escapeToFit(t(locale, "label.sectionSummary", { section: summary.title, date: reply.date }), DISCORD_EMBED_TITLE_LIMIT),
        description: joinParagraphsToFit(lines, DISCORD_EMBED_DESCRIPTION_LIMIT),
      });
      const buttons = summary.stories.map((s, i) => storyButton(s.id, `${i + 1}. ${t(locale, "label.fullStory")} · ${s.title}`));
      return { embeds: [embed], buttons };
    }
    case "digest-overview": {
      const embed = plainEmbed({
        color: COLOR.info,
        title: escapeToFit(orDash(reply.title ?? t(locale, "label.digest", { date: reply.date })), DISCORD_EMBED_TITLE_LIMIT),
        footer: reply.date,
        fields: reply.sections.slice(0, DISCORD_EMBED_FIELDS_LIMIT).map((s, i) => ({
          name: `${i + 1} · ${escapeToFit(s.title, DISCORD_FIELD_NAME_LIMIT - 8)}`,
          value: joinLinesToFit(s.stories.map(hitLine), DISCORD_FIELD_VALUE_LIMIT) || "—",
        })),
      });
      return { embeds: [embed], buttons: [] };
    }
    case "sections": {
      const lines = reply.sections.map(
        (s, i) => `${i + 1}. ${escapeToFit(s.title, 200)} — ${storyCount(locale, s.storyCount)}`,
      );
      const embed = plainEmbed({
        color: COLOR.info,
        title: t(locale, "label.sectionsOf", { date: reply.date }),
        description: joinLinesToFit(lines, DISCORD_EMBED_DESCRIPTION_LIMIT),
      });
      return { embeds: [embed], buttons: [] };
    }
    case "help": {
      const lines = reply.commands.map(
        (c) => `\`${c.usage}\` — ${escapeToFit(c.description, 200)}${c.adminOnly ? ` *(${t(locale, "label.adminOnly")})*` : ""}`,
      );
      const embed = plainEmbed({ color: COLOR.info, title: t(locale, "label.help"), description: joinLinesToFit(lines, DISCORD_EMBED_DESCRIPTION_LIMIT) });
      return { embeds: [embed], buttons: [] };
    }
    case "status": {
      const digests = reply.digests.latest
        ? t(locale, "label.digestsLoaded", { count: reply.digests.count, latest: reply.digests.latest })
        : t(locale, "label.noDigestsLoaded");
      const fields: APIEmbedField[] = reply.targets.slice(0, DISCORD_EMBED_FIELDS_LIMIT).map((target) => {
        const state = target.enabled
          ? t(locale, "label.enabled")
          : `${t(locale, "label.disabled")} (${t(locale, "label.reason")}: ${target.disabledReason ?? "?"})`;
        const last = target.lastDelivery
          ? `${target.lastDelivery.date} · ${deliveryStatusLabel(locale, target.lastDelivery.status)} · ${target.lastDelivery.at}${target.lastDelivery.error ? ` · ${target.lastDelivery.error}` : ""}`
          : t(locale, "label.never");
        const lines = [
          state,
          `${t(locale, "label.section")}: ${target.sections?.join(listSeparator(locale)) ?? t(locale, "label.allSections")}`,
          `${t(locale, "label.schedule")}: ${target.cron} (${target.timezone})`,
          ...(target.nextRun ? [`${t(locale, "label.nextRun")}: ${target.nextRun}`] : []),
          `${t(locale, "label.lastDelivery")}: ${last}`,
          ...(target.lastRevision ? revisionLines(locale, target.lastRevision).map((l, i) => (i === 0 ? `${t(locale, "label.lastRevision")}: ${l}` : `· ${l}`)) : []),
          ...(target.possibleDuplicates ? [t(locale, "label.possibleDuplicates", { count: target.possibleDuplicates })] : []),
          ...optionStatusLines(locale, target),
        ];
        return {
          name: cutText(`${target.platform}:${target.targetId}`, DISCORD_FIELD_NAME_LIMIT),
          value: escapeToFit(lines.join("\n"), DISCORD_FIELD_VALUE_LIMIT),
        };
      });
      const description = withPending(reply.targets.length ? digests : `${digests}\n${t(locale, "label.noTargets")}`, reply.pending, locale);
      return { embeds: [plainEmbed({ color: COLOR.info, title: t(locale, "label.status"), description, fields })], buttons: [] };
    }
    case "notice":
      return { embeds: [plainEmbed({ color: COLOR[reply.tone], description: escapeToFit(orDash(reply.text), DISCORD_EMBED_DESCRIPTION_LIMIT) })], buttons: [] };
    case "error": {
      const text = reply.hint ? `${reply.message}\n${reply.hint}` : reply.message;
      const embed = plainEmbed({ color: COLOR.error, title: t(locale, "label.error"), description: escapeToFit(text, DISCORD_EMBED_DESCRIPTION_LIMIT) });
      return { embeds: [embed], buttons: [] };
    }
  }
}

/** Discord rejects empty titles, descriptions and field values. */
function orDash(text: string): string {
  return text.trim() === "" ? "—" : text;
}

/** Paragraphs joined by a blank line, keeping only whole paragraphs that fit. */
function joinParagraphsToFit(paragraphs: readonly string[], max: number): string {
  let out = "";
  for (const p of paragraphs) {
    const next = out ? `${out}\n\n${p}` : p;
    if (next.length + 3 > max) return out ? `${out}\n\n…` : cutText(p, max);
    out = next;
  }
  return out;
}

/** Keeps one embed under the 6000 total by trimming fields from the end, then the description. */
function clampEmbed(embed: APIEmbed): APIEmbed {
  // Nearly every embed fits and has no fields: the copy below would add a `fields` key only to delete it, which
  // turns the object into a slow dictionary for everything that reads it after.
  if (!("fields" in embed) && embedLength(embed) <= DISCORD_MESSAGE_EMBED_TOTAL_LIMIT) return { ...embed };
  const out: APIEmbed = { ...embed, fields: embed.fields ? [...embed.fields] : undefined };
  while (embedLength(out) > DISCORD_MESSAGE_EMBED_TOTAL_LIMIT && out.fields && out.fields.length > 0) out.fields.pop();
  if (embedLength(out) > DISCORD_MESSAGE_EMBED_TOTAL_LIMIT && out.description) {
    const excess = embedLength(out) - DISCORD_MESSAGE_EMBED_TOTAL_LIMIT;
    out.description = cutText(out.description, Math.max(1, out.description.length - excess));
  }
  if (out.fields?.length === 0) delete out.fields;
  if (out.fields === undefined) delete out.fields;
  return out;
}

/** `/status`: pending reposts and manual deliveries under the summary (their errors come from platforms: escaped). */
function withPending(description: string, pending: PendingDelivery[] | undefined, locale: Locale): string {
  if (!pending?.length) return description;
  const head = `${description}\n\n**${t(locale, "label.pendingRuns")}**\n`;
  return head + escapeToFit(pending.map((p) => renderPendingDelivery(p, locale)).join("\n"), DISCORD_EMBED_DESCRIPTION_LIMIT - head.length);
}
