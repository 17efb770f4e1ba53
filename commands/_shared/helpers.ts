// Shared steps of the commands: reading the date option, finding a digest or a section, refusing with a helpful error.
import type { CommandContext } from "../../src/core/command.js";
import { UserError } from "../../src/core/command-registry.js";
import { DateInputError, resolveDate } from "../../src/core/dates.js";
import { listSeparator, t } from "../../src/core/i18n.js";
import { storyIdDate, type Digest, type StoryRef } from "../../src/core/digest/model.js";
import type { StoryCard, StoryHit } from "../../src/core/reply.js";
import { matchSection } from "../../src/core/section-match.js";

/** Longest query users may type (issue 4: over 200 chars is refused with a hint). */
export const QUERY_MAX_LENGTH = 200;
export { RESULTS_PER_PAGE } from "../../src/core/render-text.js";
/** How many dates an "unknown date" hint lists (the most recent ones). */
const DATES_IN_HINT = 7;

/** Option description shared by every command that takes a date. */
export const DATE_OPTION = {
  name: "date",
  type: "string",
  description: { zh: "日期：2026-02-18、02-18、today、yesterday（默认最新一期）", en: "Date: 2026-02-18, 02-18, today, yesterday (default: the latest)" },
  maxLength: 20,
  textRole: "date",
} as const;

/** The `date` option resolved to YYYY-MM-DD, or undefined when not given. Throws `bad-date`. */
export function dateOption(ctx: CommandContext, name = "date"): string | undefined {
  const raw = ctx.options[name];
  if (typeof raw !== "string") return undefined;
  try {
    return resolveDate(raw, ctx.now, ctx.services.config.POST_TIMEZONE);
  } catch (err) {
    if (!(err instanceof DateInputError)) throw err;
    const key = err.reason === "calendar" ? "error.notADay" : "error.badDate";
    throw new UserError("bad-date", t(ctx.locale, key, { input: raw }), t(ctx.locale, "error.badDate.hint"));
  }
}

/** Throws `no-digest` when the archive is empty. */
export function requireAnyDigest(ctx: CommandContext): Digest {
  const latest = ctx.services.archive.latest();
  if (!latest) {
    throw new UserError("no-digest", t(ctx.locale, "error.noDigest"), t(ctx.locale, "error.noDigest.hint", { dir: ctx.services.config.DIGEST_DIR }));
  }
  return latest;
}

/** Throws `unknown-date` naming the dates that exist, when no digest has this date. */
export function requireDateExists(ctx: CommandContext, date: string): Digest {
  requireAnyDigest(ctx);
  const digest = ctx.services.archive.get(date);
  if (digest) return digest;
  throw new UserError("unknown-date", t(ctx.locale, "error.unknownDate", { date }), datesHint(ctx));
}

export function datesHint(ctx: CommandContext): string {
  const dates = ctx.services.archive.dates().slice(-DATES_IN_HINT).reverse();
  return t(ctx.locale, "error.unknownDate.hint", { dates: dates.join(listSeparator(ctx.locale)) });
}

/** The digest of the date option, or the latest one. */
export function digestForDate(ctx: CommandContext, date: string | undefined): Digest {
  return date ? requireDateExists(ctx, date) : requireAnyDigest(ctx);
}

/** The 0-based index of the section the user means; throws `unknown-section` listing the sections. */
export function requireSection(ctx: CommandContext, digest: Digest, name: string): number {
  const index = matchSection(digest, name);
  if (index !== undefined) return index;
  throw new UserError("unknown-section", t(ctx.locale, "error.unknownSection", { name }), sectionsHint(ctx, digest));
}

export function sectionsHint(ctx: CommandContext, digest: Digest): string {
  const sections = digest.sections.map((s, i) => `${i + 1} ${s.title}`).join(listSeparator(ctx.locale));
  return t(ctx.locale, "error.unknownSection.hint", { sections });
}

export function hitOf(ref: StoryRef): StoryHit {
  return { id: ref.story.id, date: ref.digest.date, section: ref.section.title, title: ref.story.title };
}

export function cardOf(ref: StoryRef): StoryCard {
  return { ...hitOf(ref), body: ref.story.body, text: ref.story.text, links: ref.story.links };
}

export function hitsOf(digest: Digest, sectionIndex: number): StoryHit[] {
  const section = digest.sections[sectionIndex]!;
  return section.stories.map((story) => ({ id: story.id, date: digest.date, section: section.title, title: story.title }));
}

/** A story counts as "also matching" when its score is at least this share of the best one. */
export const ALSO_MATCHING_RATIO = 0.5;
/** At most this many "also matching" stories are listed. */
export const ALSO_MATCHING_MAX = 5;

/** The `query` option shared by /story and /links. */
export const QUERY_OPTION = {
  name: "query",
  type: "string",
  description: { zh: "关键词或报道编号（如 sonnet、20260218-glm-5-k3f9a）", en: "Keywords or a story id (e.g. sonnet, 20260218-glm-5-k3f9a)" },
  required: true,
  maxLength: QUERY_MAX_LENGTH,
  autocomplete: true,
} as const;

/**
 * The story an id names (stable `20260218-glm-5-k3f9a` or an old position id `20260218-1-3`). Throws `no-match`
 * saying the story was removed from its digest when it was, or that no story has this id.
 */
export function requireStoryById(ctx: CommandContext, id: string): StoryRef {
  const { archive } = ctx.services;
  const found = archive.lookUpStory?.(id) ?? { kind: "unknown" as const };
  if (found.kind === "found") return found.ref;
  // An archive without lookUpStory (a test double) still answers plain look-ups.
  const ref = found.kind === "unknown" ? archive.findStory(id) : undefined;
  if (ref) return ref;
  if (found.kind === "removed") {
    throw new UserError("no-match", t(ctx.locale, "error.removedStory", { date: found.date }), t(ctx.locale, "error.removedStory.hint", { date: found.date, title: found.title }));
  }
  throw new UserError("no-match", t(ctx.locale, "error.unknownId", { id }), t(ctx.locale, "error.unknownId.hint"));
}

/**
 * The story a query means: an id is looked up directly (see `requireStoryById`); otherwise the best search hit,
 * plus the others scoring close to it. Throws `no-match` / `unknown-date`.
 */
export function findStory(ctx: CommandContext, command: string): { best: StoryRef; also: StoryHit[] } {
  const query = String(ctx.options.query ?? "");
  const { archive, search } = ctx.services;
  requireAnyDigest(ctx);
  if (storyIdDate(query)) return { best: requireStoryById(ctx, query.trim()), also: [] };
  const date = dateOption(ctx);
  if (date) requireDateExists(ctx, date);
  const hits = search.search(query, date ? { date, limit: ALSO_MATCHING_MAX + 1 } : { limit: ALSO_MATCHING_MAX + 1 });
  const first = hits[0];
  const best = first && archive.findStory(first.id);
  if (!first || !best) {
    if (date) {
      throw new UserError(
        "no-match",
        t(ctx.locale, "error.noMatchOnDate", { date, query }),
        t(ctx.locale, "error.noMatchOnDate.hint", { command, query }),
      );
    }
    throw new UserError("no-match", t(ctx.locale, "error.noMatch", { query }), t(ctx.locale, "error.noMatch.hint"));
  }
  const also = hits
    .slice(1)
    .filter((h) => h.score >= first.score * ALSO_MATCHING_RATIO)
    .map(({ id, date: d, section, title }) => ({ id, date: d, section, title }));
  return { best, also };
}
