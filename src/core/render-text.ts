// Plain-text rendering of every Reply: the console's output and the fallback for any platform without rich formatting.
import type { Locale } from "./config.js";
import { formatInZone } from "./dates.js";
import { deliveryStatusLabel, listSeparator, revisionLines, storyCount, t } from "./i18n.js";
import { optionStatusLines } from "./post-options-text.js";
import type { PendingDelivery, Reply, StoryHit, TargetStatus } from "./reply.js";
import type { DailyPost, SectionSummary } from "./summaries.js";

/** Results per page of `/search` (the command pages by it; renderers number hits with it). */
export const RESULTS_PER_PAGE = 10;

/** `：` after a Chinese label, `: ` after an English one. */
function colon(locale: Locale): string {
  return locale === "zh" ? "：" : ": ";
}

/** A label that ends its line (`Links:`), with no trailing space. */
function heading(locale: Locale, text: string): string {
  return `${text}${colon(locale).trimEnd()}`;
}

/** `（…）` in Chinese, ` (…)` in English. */
function paren(locale: Locale, text: string): string {
  return locale === "zh" ? `（${text}）` : ` (${text})`;
}

function hitMeta(hit: StoryHit): string {
  return [hit.section, hit.date, hit.id].join(" · ");
}

/** `/search` command that fetches page `page` of the same results. */
function pageCommand(reply: Extract<Reply, { type: "results" }>, page: number): string {
  const parts = ["/search", reply.query];
  if (reply.filters.section) parts.push(`section:${/\s/.test(reply.filters.section) ? `"${reply.filters.section}"` : reply.filters.section}`);
  if (reply.filters.date) parts.push(reply.filters.date);
  parts.push(`page:${page}`);
  return parts.join(" ");
}

function renderSummary(summary: SectionSummary, date: string, locale: Locale): string[] {
  const lines = [t(locale, "label.sectionSummary", { section: summary.title, date }), ""];
  for (const s of summary.stories) {
    lines.push(`• ${s.title}`);
    if (s.summary) lines.push(`  ${s.summary}`);
    if (s.link) lines.push(`  ${s.link.label}${colon(locale)}${s.link.url}`);
    lines.push(`  ${t(locale, "label.storyHint", { id: s.id })}`);
  }
  return lines;
}

function renderTarget(target: TargetStatus, locale: Locale): string[] {
  const state = target.enabled
    ? t(locale, "label.enabled")
    : `${t(locale, "label.disabled")}${target.disabledReason ? paren(locale, `${t(locale, "label.reason")}${colon(locale)}${target.disabledReason}`) : ""}`;
  const sections = target.sections?.join(listSeparator(locale)) ?? t(locale, "label.allSections");
  const lines = [`• ${target.platform}:${target.targetId} — ${state} — ${sections}`];
  lines.push(`  ${t(locale, "label.schedule")}${colon(locale)}${target.cron}${paren(locale, target.timezone)}`);
  if (target.nextRun) lines.push(`  ${t(locale, "label.nextRun")}${colon(locale)}${formatInZone(target.nextRun, target.timezone)}`);
  const last = target.lastDelivery;
  lines.push(
    `  ${t(locale, "label.lastDelivery")}${colon(locale)}${
      last
        ? `${last.date ? `${last.date} ` : ""}${deliveryStatusLabel(locale, last.status)}${paren(locale, formatInZone(last.at, target.timezone))}${last.error ? ` — ${last.error}` : ""}`
        : t(locale, "label.never")
    }`,
  );
  if (target.lastRevision) {
    const [summary, ...failed] = revisionLines(locale, target.lastRevision);
    lines.push(`  ${t(locale, "label.lastRevision")}${colon(locale)}${summary}`, ...failed.map((f) => `    ${f}`));
  }
  if (target.possibleDuplicates) lines.push(`  ${t(locale, "label.possibleDuplicates", { count: target.possibleDuplicates })}`);
  lines.push(...optionStatusLines(locale, target).map((line) => `  ${line}`));
  return lines;
}

/**
 * Renders a reply as plain text (no markup), UI labels in `locale`, digest text as written.
 *
 * @example
 * renderReplyText({ type: "notice", tone: "success", text: "已订阅" }, "zh"); // "已订阅"
 */
export function renderReplyText(reply: Reply, locale: Locale): string {
  const c = colon(locale);
  const lines: string[] = [];
  switch (reply.type) {
    case "story": {
      const s = reply.story;
      lines.push(s.title, hitMeta(s), "", s.text);
      if (s.links.length > 0) {
        lines.push("", heading(locale, t(locale, "label.links")));
        for (const link of s.links) lines.push(`- ${link.label}${c}${link.url}`);
      }
      if (reply.alsoMatching.length > 0) {
        lines.push("", heading(locale, t(locale, "label.alsoMatching")));
        for (const hit of reply.alsoMatching) lines.push(`- ${hit.title}${paren(locale, hitMeta(hit))}`);
      }
      break;
    }
    case "links": {
      lines.push(`${t(locale, "label.links")} · ${reply.story.title}`, hitMeta(reply.story), "");
      if (reply.links.length === 0) lines.push(t(locale, "label.noResults"));
      reply.links.forEach((link, i) => lines.push(`${i + 1}. ${link.label}${c}${link.url}`));
      break;
    }
    case "results": {
      lines.push(t(locale, "label.results", { query: reply.query, total: reply.total }));
      const filters: string[] = [];
      if (reply.filters.section) filters.push(`${t(locale, "label.section")}${c}${reply.filters.section}`);
      if (reply.filters.date) filters.push(`${t(locale, "label.date")}${c}${reply.filters.date}`);
      if (filters.length > 0) lines.push(t(locale, "label.resultsFilters", { filters: filters.join(listSeparator(locale)) }));
      lines.push("");
      if (reply.hits.length === 0) lines.push(t(locale, "label.noResults"));
      const offset = (reply.page - 1) * RESULTS_PER_PAGE;
      reply.hits.forEach((hit, i) => lines.push(`${offset + i + 1}. ${hit.title}`, `   ${hitMeta(hit)}`));
      if (reply.pageCount > 1) {
        lines.push("", t(locale, "label.page", { page: reply.page, pageCount: reply.pageCount }));
        if (reply.page < reply.pageCount) lines.push(t(locale, "label.moreHint", { command: pageCommand(reply, reply.page + 1) }));
        if (reply.page > 1) lines.push(t(locale, "label.prevHint", { command: pageCommand(reply, reply.page - 1) }));
      }
      break;
    }
    case "section-summary":
      lines.push(...renderSummary(reply.summary, reply.date, locale));
      break;
    case "digest-overview": {
      lines.push(t(locale, "label.digest", { date: reply.date }));
      if (reply.title) lines.push(reply.title);
      reply.sections.forEach((section, i) => {
        lines.push("", `${i + 1}. ${section.title}${paren(locale, storyCount(locale, section.stories.length))}`);
        for (const hit of section.stories) lines.push(`   • ${hit.title}  [${hit.id}]`);
      });
      break;
    }
    case "sections": {
      lines.push(t(locale, "label.sectionsOf", { date: reply.date }), "");
      reply.sections.forEach((s, i) => lines.push(`${i + 1}. ${s.title}${paren(locale, storyCount(locale, s.storyCount))}`));
      break;
    }
    case "help": {
      lines.push(heading(locale, t(locale, "label.help")), "");
      for (const cmd of reply.commands) {
        const admin = cmd.adminOnly ? paren(locale, t(locale, "label.adminOnly")) : "";
        lines.push(`${cmd.usage}${admin}`, `    ${cmd.description}`);
      }
      break;
    }
    case "status": {
      lines.push(t(locale, "label.status"), "");
      lines.push(
        reply.digests.count > 0
          ? t(locale, "label.digestsLoaded", { count: reply.digests.count, latest: reply.digests.latest ?? "" })
          : t(locale, "label.noDigestsLoaded"),
      );
      lines.push("", heading(locale, t(locale, "label.targets")));
      if (reply.targets.length === 0) lines.push(t(locale, "label.noTargets"));
      for (const target of reply.targets) lines.push(...renderTarget(target, locale));
      if (reply.pending?.length) lines.push("", heading(locale, t(locale, "label.pendingRuns")), ...reply.pending.map((p) => renderPendingDelivery(p, locale)));
      break;
    }
    case "notice":
      lines.push(reply.text);
      break;
    case "error":
      lines.push(reply.message);
      if (reply.hint) lines.push(reply.hint);
      break;
  }
  return lines.join("\n");
}

/**
 * One pending repost/manual delivery on one line, for every platform's `/status`.
 *
 * @example
 * renderPendingDelivery(p, "en"); // "m20260218-1a2b3c4d · manual · 2026-02-18 → telegram:-100 · 2/3 messages left · 2026-02-18T…"
 */
export function renderPendingDelivery(p: PendingDelivery, locale: Locale): string {
  const line = t(locale, "label.pendingRun", {
    runId: p.runId,
    kind: p.kind,
    date: p.date,
    target: `${p.platform}:${p.targetId}`,
    open: p.open,
    parts: p.parts,
    at: p.createdAt,
  });
  return p.error ? `${line} (${p.error})` : line;
}

/**
 * A daily post as plain-text messages: the header (date, every section with its story count), then one
 * message per carried section. The console prints these; other platforms plan their own.
 *
 * @example
 * renderDailyPostText(buildDailyPost(digest), "en")[0]; // "AI digest · 2026-02-18\n\n1. 模型与能力 (4 stories)…"
 */
export function renderDailyPostText(post: DailyPost, locale: Locale): string[] {
  const header = [t(locale, "label.digest", { date: post.date })];
  if (post.title) header.push(post.title);
  header.push("");
  post.header.forEach((s, i) => header.push(`${i + 1}. ${s.title}${paren(locale, storyCount(locale, s.storyCount))}`));
  return [header.join("\n"), ...post.sections.map((s) => renderSummary(s, post.date, locale).join("\n"))];
}
