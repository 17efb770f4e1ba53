// How many private messages one digest may bring a user: at most ALERTS_PER_USER_PER_DIGEST, the last one saying how many more matched.
import type { Locale } from "../config.js";
import type { StoryCard } from "../reply.js";
import type { WatchAlert } from "./alert-publisher.js";

/** Private messages one digest may bring one user, whatever their watches: ten watches must not mean a hundred DMs. */
export const ALERTS_PER_USER_PER_DIGEST = 5;

/** A story one of the user's watches matched in the digest (the first watch to match it names it). */
export interface AlertCandidate {
  story: StoryCard;
  query: string;
  locale: Locale;
}

/** One alert to record: a new one, or one already recorded whose text is planned again (still waiting: current text). */
export interface CappedAlert {
  alert: WatchAlert;
  /** True when the user already has this alert recorded (send it with the current text if it still waits). */
  recorded: boolean;
}

/**
 * The alerts of one user for one digest: the stories their watches matched, in order (each once), within the cap —
 * which counts the alerts of that digest already recorded for them (sent or waiting; one given up frees its place).
 * The last new alert (or, with none, the last one recorded) says how many more matched and are not sent. Pure.
 *
 * @example
 * capAlerts(candidates /* 8 stories *\/, new Set(), 5).map((c) => c.alert.more); // [undefined ×4, { count: 3, date, cap: 5 }]
 */
export function capAlerts(candidates: readonly AlertCandidate[], recorded: ReadonlySet<string>, cap = ALERTS_PER_USER_PER_DIGEST): CappedAlert[] {
  const seen = new Set<string>();
  const unique = candidates.filter((c) => !seen.has(c.story.id) && seen.add(c.story.id));
  const again = unique.filter((c) => recorded.has(c.story.id));
  const room = Math.max(0, cap - recorded.size);
  const unsent = unique.filter((c) => !recorded.has(c.story.id));
  const fresh = unsent.slice(0, room);
  const more = unsent.length - fresh.length;
  const out: CappedAlert[] = [
    ...again.map((c) => ({ alert: { story: c.story, query: c.query, locale: c.locale }, recorded: true })),
    ...fresh.map((c) => ({ alert: { story: c.story, query: c.query, locale: c.locale }, recorded: false })),
  ];
  const last = out.at(-1);
  if (last && more > 0) last.alert.more = { count: more, date: last.alert.story.date, cap };
  return out;
}
