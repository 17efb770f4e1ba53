// Shared steps of /watch and /unwatch: who owns the watches, and the watch service, refused clearly when missing.
import type { CommandContext } from "../../src/core/command.js";
import { UserError } from "../../src/core/command-registry.js";
import type { UserRef, WatchControl } from "../../src/core/delivery/watch-alerts.js";
import { t } from "../../src/core/i18n.js";

/** Watch queries are compared as typed, with runs of spaces folded (`open  model` = `open model`). */
export const WATCH_QUERY_MAX_LENGTH = 100;

/** Folds whitespace so the same query typed twice is one watch. */
export function normalizeWatchQuery(query: string): string {
  return query.trim().replace(/\s+/g, " ");
}

/** The asker and the watch service; throws a clear refusal when either is missing (a channel post, a one-shot CLI). */
export function requireWatcher(ctx: CommandContext): { user: UserRef; watches: WatchControl } {
  if (!ctx.user) throw new UserError("bad-option", t(ctx.locale, "watch.noUser"), t(ctx.locale, "watch.noUser.hint"));
  const watches = ctx.services.watches;
  if (!watches) throw new UserError("unavailable", t(ctx.locale, "watch.unavailable"));
  return { user: ctx.user, watches };
}
