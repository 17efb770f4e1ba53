// UI strings in both locales (zh, en, kept in i18n-zh.ts and i18n-en.ts): every text a command answers with and every label a renderer prints.
import type { Locale } from "./config.js";
import { en } from "./i18n-en.js";
import { zh, type MessageKey } from "./i18n-zh.js";

export type { MessageKey } from "./i18n-zh.js";

const STRINGS: Record<Locale, Record<MessageKey, string>> = { zh, en };

export type MessageParams = Record<string, string | number>;

/**
 * A UI string in the given locale, with `{name}` placeholders filled.
 *
 * @example
 * t("en", "label.page", { page: 2, pageCount: 3 }); // "Page 2/3"
 * t("zh", "label.links");                          // "相关链接"
 * t("en", "console.loaded", { count: 1, dates: "2026-02-18" }); // "Loaded 1 digest: 2026-02-18"
 */
export function t(locale: Locale, key: MessageKey, params?: MessageParams): string {
  const template = STRINGS[locale][key];
  if (!params) return template;
  return fillParts(compiledOf(locale, key, template), params);
}

/** `{name}` or `{name|one|other}` (plural: `one` when the value is 1). */
const PLACEHOLDER = /\{(\w+)(?:\|([^|{}]*)\|([^|{}]*))?\}/g;

/** A template cut at its placeholders once: a literal, or a placeholder with its source text (kept when unfilled). */
type TemplatePart = string | { name: string; whole: string; one?: string; other?: string };

/**
 * Templates cut into parts, per locale and key: every reply fills a few (a `/search` page four), and running the
 * placeholder pattern over each template on every call was a tenth of the renderers' time.
 */
const COMPILED: Record<Locale, Map<MessageKey, TemplatePart[]>> = { zh: new Map(), en: new Map() };

function compiledOf(locale: Locale, key: MessageKey, template: string): TemplatePart[] {
  let parts = COMPILED[locale].get(key);
  if (!parts) COMPILED[locale].set(key, (parts = compileTemplate(template)));
  return parts;
}

function compileTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let at = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > at) parts.push(template.slice(at, m.index));
    const [whole, name, one, other] = m;
    parts.push(one !== undefined && other !== undefined ? { name: name!, whole, one, other } : { name: name!, whole });
    at = m.index + whole.length;
  }
  if (at < template.length) parts.push(template.slice(at));
  return parts;
}

function fillParts(parts: readonly TemplatePart[], params: MessageParams): string {
  let out = "";
  for (const part of parts) {
    if (typeof part === "string") out += part;
    else {
      const value = params[part.name];
      if (value === undefined) out += part.whole;
      else if (part.one !== undefined && part.other !== undefined) out += Number(value) === 1 ? part.one : part.other;
      else out += String(value);
    }
  }
  return out;
}

/**
 * Fills any template as {@link t} fills the locales' ones; exported for the test that holds it to the pattern
 * replace it stands for.
 */
export function fillTemplate(template: string, params: MessageParams): string {
  return fillParts(compileTemplate(template), params);
}

/** Separator used to join list items in running text (`、` in Chinese, `, ` in English). */
export function listSeparator(locale: Locale): string {
  return locale === "zh" ? "、" : ", ";
}

/** "4 stories" / "1 story" / "4 条". */
export function storyCount(locale: Locale, count: number): string {
  return t(locale, count === 1 ? "label.storiesOne" : "label.stories", { count });
}

/** A delivery result (`TargetStatus.lastDelivery.status`: sent, pending, failed, skipped) in words; unknown ones as given. */
export function deliveryStatusLabel(locale: Locale, status: string): string {
  const key = `label.delivery.${status}`;
  return key in zh ? t(locale, key as MessageKey) : status;
}

/**
 * The last revision of a target in words: a summary line, then one line per part that could not be corrected.
 *
 * @example
 * revisionLines("en", rev); // ["2026-02-18 revision 2 (…): 1 edited, 0 sent, 0 deleted, 1 unchanged", "message 1 could not be corrected (edit, message 17): the message was deleted"]
 */
export function revisionLines(
  locale: Locale,
  rev: { date: string; revision: number; at: string; edited: number; sent: number; deleted: number; unchanged: number; open: number; failed: { part: number; operation: string; messageId?: string; reason: string }[] },
): string[] {
  const summary = t(locale, "label.revisionSummary", { date: rev.date, revision: rev.revision, at: rev.at, edited: rev.edited, sent: rev.sent, deleted: rev.deleted, unchanged: rev.unchanged }) + (rev.open > 0 ? t(locale, "label.revisionOpen", { open: rev.open }) : "");
  return [summary, ...rev.failed.map((f) => t(locale, "label.revisionFailed", { part: f.part, operation: f.operation, messageId: f.messageId ?? "?", reason: f.reason }))];
}

/** All keys, for tests that check both locales are complete and non-empty. */
export const MESSAGE_KEYS = Object.keys(zh) as MessageKey[];
