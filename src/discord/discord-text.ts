// Discord limits and safe text: escaping digest text for Markdown and mentions, cutting to limits, link buttons.
import { ButtonBuilder, ButtonStyle, ComponentType, escapeMarkdown, type APIButtonComponent } from "discord.js";
import type { Link } from "../core/digest/model.js";
import type { PageDataLimit } from "../core/paging.js";
import { displayLinkLabel } from "../core/safety/link-label.js";

/** Embed URL (the title's link); Discord rejects the message above it. */
export const DISCORD_EMBED_URL_LIMIT = 2048;
/** Embed title. */
export const DISCORD_EMBED_TITLE_LIMIT = 256;
/** Embed description. */
export const DISCORD_EMBED_DESCRIPTION_LIMIT = 4096;
/** Fields per embed. */
export const DISCORD_EMBED_FIELDS_LIMIT = 25;
export const DISCORD_FIELD_NAME_LIMIT = 256;
export const DISCORD_FIELD_VALUE_LIMIT = 1024;
export const DISCORD_FOOTER_LIMIT = 2048;
/** Sum of title, description, field names and values, footer and author over all embeds of one message. */
export const DISCORD_MESSAGE_EMBED_TOTAL_LIMIT = 6000;
export const DISCORD_EMBEDS_PER_MESSAGE = 10;
export const DISCORD_CONTENT_LIMIT = 2000;
export const DISCORD_BUTTON_LABEL_LIMIT = 80;
export const DISCORD_BUTTON_URL_LIMIT = 512;
export const DISCORD_BUTTONS_PER_ROW = 5;
export const DISCORD_ROWS_PER_MESSAGE = 5;
export const DISCORD_CUSTOM_ID_LIMIT = 100;
/** A `/search` page request must fit a button's custom id (else the adapter keeps it in memory behind a short key). */
export const DISCORD_PAGE_DATA_LIMIT: PageDataLimit = { max: DISCORD_CUSTOM_ID_LIMIT, unit: "chars" };
/** Autocomplete: choices per answer, and the length of a choice's name and value. */
export const DISCORD_AUTOCOMPLETE_CHOICES = 25;
export const DISCORD_CHOICE_NAME_LIMIT = 100;
export const DISCORD_CHOICE_VALUE_LIMIT = 100;

/** No mention in any message the bot sends may ping anyone: not `@everyone`, `@here`, roles or users. */
export const NO_MENTIONS = { parse: [] as [] } as const;

/** Prefix of the "Full story" buttons' custom ids: `digest-bot:story:<story id>`. */
export const STORY_BUTTON_PREFIX = "digest-bot:story:";

const ZWSP = "\u200b";

/**
 * Makes digest text inert in Discord Markdown: escapes emphasis, code, headings, lists, quotes and masked links,
 * and breaks mention syntax (`@everyone`, `@here`, `<@id>`, `<@&id>`, `<#id>`) with a zero-width space so it
 * neither renders as a mention nor pings — `allowed_mentions` is the second lock on the same door.
 *
 * @example
 * escapeText("**hi** @everyone"); // "\\*\\*hi\\*\\* @\u200beveryone"
 */
export function escapeText(text: string): string {
  return needsNoEscaping(text) ? text : escapeTextFully(text);
}

/**
 * A character some escape rule acts on: `escapeMarkdown`'s (`\\`, code, emphasis, underline, strike, spoiler,
 * headings) and {@link finishEscaping}'s (quotes, brackets, mentions).
 */
const ESCAPED_ANYWHERE = /[\\`*_~|#>[@<]/;
/** Lists: a `-` or a number and `.` at the start of a line — of a chunk too, and in a longer text any place may start one. */
const LIST_AT_LINE_START = /^ *(?:-|\d+\.)/m;
const LIST_ANYWHERE = /-|\d\./;

/**
 * True when escaping leaves the text as it is (most titles and section names): no character any rule acts on.
 * Conservative — a text it rejects may still come out unchanged; the property tests check it against the full
 * escaping.
 */
export function needsNoEscaping(text: string): boolean {
  if (ESCAPED_ANYWHERE.test(text)) return false;
  return !(text.length <= ESCAPE_CHUNK ? LIST_AT_LINE_START : LIST_ANYWHERE).test(text);
}

/** The full escaping, without the shortcut; exported for the property tests that hold the shortcut to it. */
export function escapeTextFully(text: string): string {
  return finishEscaping(splitForEscaping(text).map(escapeChunk).join(""));
}

function escapeChunk(chunk: string): string {
  return escapeMarkdown(chunk, { heading: true, bulletedList: true, numberedList: true, maskedLink: false });
}

/** The linear passes over the whole escaped text: quotes at line starts, brackets, mentions. */
function finishEscaping(escaped: string): string {
  return neutralizeMentions(escapeBrackets(escaped.replace(/^(\s*)>/gm, "$1\\>")));
}

/**
 * Escapes every `[` not already escaped, so no `[label](url)` in digest text becomes a disguised link.
 * discord.js's `maskedLink` escape misses the second link on a line and a link cut by {@link splitForEscaping};
 * an escaped `[` renders as `[`, so escaping all of them is both safe and invisible. Backslashes in the input are
 * already doubled by `escapeMarkdown`, so a `[` after an even run of backslashes is unescaped.
 */
function escapeBrackets(text: string): string {
  return text.replace(/(?<!\\)((?:\\\\)*)\[/g, "$1\\[");
}

/**
 * Breaks mention syntax with a zero-width space; for plain-text places (button labels) too. Command mentions
 * (`</deploy:123>`) are broken as well: they ping nobody, but render as a button that fills in a command.
 */
export function neutralizeMentions(text: string): string {
  return text.replace(/@(everyone|here)/gi, `@${ZWSP}$1`).replace(/<([@#/])/g, `<${ZWSP}$1`);
}

/** Chunk size for escaping; discord.js's italic rule is quadratic in the length of what it is given. */
const ESCAPE_CHUNK = 200;
/**
 * Longest chunk when the text offers no safe point (no whitespace, no wide characters: a 64 KB run of ASCII).
 * Past it the text is cut between two ASCII letters or digits (no Markdown token or mention spans those), and past
 * twice it anywhere but inside a surrogate pair — so escaping stays linear in the text's length whatever it holds.
 */
const ESCAPE_CHUNK_MAX = ESCAPE_CHUNK;

const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000 || c === 0x2028 || c === 0x2029;

/**
 * Cuts text into chunks at whitespace or between two non-ASCII characters: no Markdown token, URL or mention
 * spans such a point, so escaping chunk by chunk escapes everything escaping the whole would (at worst a
 * line-start rule escapes a little more, which renders the same). Text without such points is cut by length
 * (see {@link ESCAPE_CHUNK_MAX}).
 */
function splitForEscaping(text: string): string[] {
  if (text.length <= ESCAPE_CHUNK) return [text];
  const chunks: string[] = [];
  let start = 0;
  for (let i = start + ESCAPE_CHUNK; i < text.length; i++) {
    const before = text.charCodeAt(i - 1);
    const after = text.charCodeAt(i);
    const highSurrogate = before >= 0xd800 && before <= 0xdbff;
    const space = isSpace(before) || isSpace(after);
    const wide = before > 0x2e7f && after > 0x2e7f && !highSurrogate;
    const long = i - start;
    const forced = (long >= ESCAPE_CHUNK_MAX && isAlnum(before) && isAlnum(after)) || (long >= 2 * ESCAPE_CHUNK_MAX && !highSurrogate);
    if (space || wide || forced) {
      chunks.push(text.slice(start, i));
      start = i;
      i = start + ESCAPE_CHUNK - 1;
    }
  }
  chunks.push(text.slice(start));
  return chunks;
}

/**
 * Cuts plain text to at most `max` UTF-16 units (what Discord and the builders count), at a code point boundary,
 * with "…" when cut.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = "";
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return out.trimEnd() + "…";
}

/**
 * Escapes digest text and cuts it so the escaped form fits `max`; never leaves half an escape or half a
 * surrogate pair at the end.
 */
export function escapeToFit(text: string, max: number): string {
  return fitEscaped(text, max, true);
}

/** {@link escapeToFit} without the shortcut for text no rule acts on; exported for the property tests. */
export function escapeToFitFully(text: string, max: number): string {
  return fitEscaped(text, max, false);
}

function fitEscaped(text: string, max: number, shortcut: boolean): string {
  // Escaping only adds characters, so no more than `max` characters of the text can fit: a 256 KB story is never
  // escaped whole to show its first 4096.
  if (text.length <= max) {
    const whole = shortcut ? escapeText(text) : escapeTextFully(text);
    if (whole.length <= max) return whole;
  }
  const chars = Array.from(text.slice(0, max + 1)).slice(0, max);
  // The chunks of a prefix are the prefix's chunks of the whole but the last: each is escaped once for the search.
  const memo = new Map<string, string>();
  const plain = shortcut && needsNoEscaping(text.slice(0, max + 1));
  const escapeOf = (prefix: string) => {
    // A prefix of a text no rule acts on holds nothing any rule acts on either.
    if (plain) return prefix;
    let out = "";
    let at = 0;
    for (const chunk of splitForEscaping(prefix)) {
      const key = `${at}:${chunk.length}`;
      let escaped = memo.get(key);
      if (escaped === undefined) memo.set(key, (escaped = escapeChunk(chunk)));
      out += escaped;
      at += chunk.length;
    }
    return finishEscaping(out);
  };
  let lo = 0;
  let hi = chars.length;
  // Largest prefix whose escaped form plus "…" fits.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (escapeOf(chars.slice(0, mid).join("").trimEnd()).length + 1 <= max) lo = mid;
    else hi = mid - 1;
  }
  return escapeOf(chars.slice(0, lo).join("").trimEnd()) + "…";
}

/**
 * An http(s) URL usable in Markdown and buttons (normalized, so what was checked is what is sent), or undefined for
 * anything else — also for URLs with a user name or password, the `https://trusted.example@evil.example` disguise.
 */
export function safeUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
  if (parsed.username !== "" || parsed.password !== "" || parsed.hostname === "") return undefined;
  // Parentheses and spaces would end a Markdown link early.
  return parsed.href.replace(/\(/g, "%28").replace(/\)/g, "%29").replace(/ /g, "%20");
}

/** `[label](url)` with the label escaped and cut, or the escaped label alone when the URL is not http(s). */
export function maskedLink(link: Link, maxLabel = 80): string {
  const url = safeUrl(link.url);
  // A label naming another site than the target shows the target instead.
  const label = escapeToFit(displayLinkLabel(link.label.replace(/[[\]]/g, " "), url ?? link.url), maxLabel);
  return url ? `[${label}](${url})` : label;
}

/** Link buttons for links (http/https only, URL ≤ 512), labels cut to 80, at most `max`. */
export function linkButtons(links: readonly Link[], max: number): APIButtonComponent[] {
  const buttons: APIButtonComponent[] = [];
  for (const link of links) {
    if (buttons.length >= max) break;
    const url = safeUrl(link.url);
    if (!url || url.length > DISCORD_BUTTON_URL_LIMIT) continue;
    const shown = link.label.trim() ? displayLinkLabel(link.label, url) : new URL(url).hostname;
    const label = cutText(neutralizeMentions(shown), DISCORD_BUTTON_LABEL_LIMIT);
    buttons.push(new ButtonBuilder().setStyle(ButtonStyle.Link).setURL(url).setLabel(label).toJSON());
  }
  return buttons;
}

/** The "Full story" button of a story; clicking it answers the clicker with the story, ephemerally. */
export function storyButton(storyId: string, label: string): APIButtonComponent {
  return new ButtonBuilder()
    .setStyle(ButtonStyle.Secondary)
    .setCustomId(`${STORY_BUTTON_PREFIX}${storyId}`)
    .setLabel(cutText(neutralizeMentions(label), DISCORD_BUTTON_LABEL_LIMIT))
    .toJSON();
}

/**
 * A ◀ Previous / Next ▶ button of `/search` results; `customId` comes from `searchPageData`. The object
 * `new ButtonBuilder().setStyle(Secondary).setCustomId(id).setLabel(label).toJSON()` gives, key for key (its `emoji`
 * too), built without the setters' shapeshift validators (a tenth of a results page's render); the same lengths are
 * refused, with a RangeError.
 *
 * @throws RangeError for a custom id of 0 or over 100 characters, or an empty label
 */
export function pageButton(customId: string, label: string): APIButtonComponent {
  const text = cutText(label, DISCORD_BUTTON_LABEL_LIMIT);
  if (customId.length < 1 || customId.length > DISCORD_CUSTOM_ID_LIMIT) throw new RangeError(`discord button: custom id must be 1–${DISCORD_CUSTOM_ID_LIMIT} characters, got ${customId.length}`);
  if (text.length < 1) throw new RangeError("discord button: label must not be empty");
  return { type: ComponentType.Button, emoji: undefined, style: ButtonStyle.Secondary, custom_id: customId, label: text };
}

/** Reads the story id back from a "Full story" button's custom id. */
export function storyIdFromButton(customId: string): string | undefined {
  return customId.startsWith(STORY_BUTTON_PREFIX) ? customId.slice(STORY_BUTTON_PREFIX.length) : undefined;
}
