// Delivery options in words (#13): the "Options:" line of /subscribe and /status on every platform.
import type { Locale } from "./config.js";
import type { PostOptions } from "./delivery/post-options.js";
import { listSeparator, t } from "./i18n.js";
import type { TargetStatus } from "./reply.js";

/** Characters of keywords `/status` and `/subscribe` show: 20 keywords of 100 would fill a Discord embed field (1024) alone. */
const SHOWN_KEYWORDS_LENGTH = 240;

/**
 * The keywords as a list, cut after about {@link SHOWN_KEYWORDS_LENGTH} characters with how many there are, so the
 * lines after it (a pin that failed, a day nothing matched) still fit the platform's limits. At least one is shown.
 *
 * @example
 * keywordList("zh", ["agent", "安全"]); // "agent、安全"
 */
export function keywordList(locale: Locale, keywords: readonly string[]): string {
  const separator = listSeparator(locale);
  let shown = keywords[0] ?? "";
  let count = keywords.length > 0 ? 1 : 0;
  while (count < keywords.length && shown.length + separator.length + keywords[count]!.length <= SHOWN_KEYWORDS_LENGTH) shown += `${separator}${keywords[count++]}`;
  return count < keywords.length ? t(locale, "option.keywordsCut", { shown, count: keywords.length }) : shown;
}

/**
 * A subscription's options as one phrase, in the order `/status` shows them; undefined when all are defaults.
 * A role is shown as its bare id, never as a mention (a reply must not ping it).
 *
 * @example
 * describeOptions("en", { silent: true, keywords: ["agent", "安全"] }); // "silent; only stories matching agent, 安全"
 */
export function describeOptions(locale: Locale, options: PostOptions | undefined): string | undefined {
  if (!options) return undefined;
  const parts: string[] = [];
  if (options.mode && options.mode !== "channel") parts.push(t(locale, "option.mode", { mode: options.mode }));
  if (options.silent) parts.push(t(locale, "option.silent"));
  if (options.pin) parts.push(t(locale, "option.pin"));
  if (options.pingRole) parts.push(t(locale, "option.pingRole", { role: options.pingRole }));
  if (options.linkPreview) parts.push(t(locale, "option.linkPreview"));
  if (options.keywords?.length) parts.push(t(locale, "option.keywords", { keywords: keywordList(locale, options.keywords) }));
  return parts.length > 0 ? parts.join(locale === "zh" ? "；" : "; ") : undefined;
}

/** The "Options: …" line, or undefined when every option is a default. */
export function optionsLine(locale: Locale, options: PostOptions | undefined): string | undefined {
  const text = describeOptions(locale, options);
  return text === undefined ? undefined : t(locale, "label.options", { options: text });
}

/**
 * What `/status` adds to a target for its options: the options line, a pin that failed, a day nothing matched.
 *
 * @example
 * optionStatusLines("en", { options: { pin: true }, lastDelivery: { date: "2026-02-18", status: "sent", at, pinError: "403 Forbidden" } });
 * // ["Options: pins the day's header", "not pinned: 403 Forbidden"]
 */
export function optionStatusLines(locale: Locale, target: Pick<TargetStatus, "options" | "lastDelivery" | "nothingMatched">): string[] {
  const lines: string[] = [];
  const options = optionsLine(locale, target.options);
  if (options) lines.push(options);
  if (target.lastDelivery?.pinError) lines.push(t(locale, "label.pinFailed", { reason: target.lastDelivery.pinError }));
  if (target.nothingMatched) {
    lines.push(t(locale, "label.nothingMatched", { date: target.nothingMatched.date, keywords: keywordList(locale, target.nothingMatched.keywords) }));
  }
  return lines;
}
