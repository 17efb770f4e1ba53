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

/** An alert of the digest the user already has (sent or waiting), in the order they were planned. */
export interface RecordedAlert {
  storyId: string;
  /** The "…and N more" count its message tells (0: none; null: unknown, sent before counts were recorded). */
  more: number | null;
}

export interface CappedAlerts {
  /** The matched stories' alerts within the cap: the recorded ones (planned again), then the new ones. */
  alerts: CappedAlert[];
  /**
   * Recorded alerts no watch matches now (a revision changed their story), with the count each must tell: one
   * still waiting goes out with the story as it is now, and a sent one is edited when its count changed (`more`
   * absent: none, e.g. it told the count before a new alert took over).
   */
  retold: { storyId: string; more?: WatchAlert["more"] }[];
}

/**
 * The alerts of one user for one digest: the stories their watches matched, in order (each once), within the cap —
 * which counts the alerts of that digest already recorded for them (sent or waiting; one given up frees its place).
 * One alert says how many more matched and are not sent: the last new one; with none new, the recorded one that
 * said it so far (else the last recorded), so a count that changes after the cap's alerts went out is told by
 * editing that message, never by a sixth. Every other alert tells none. Pure.
 *
 * @example
 * capAlerts(candidates /* 8 stories *\/, [], 5).alerts.map((c) => c.alert.more); // [undefined ×4, { count: 3, date, cap: 5 }]
 */
export function capAlerts(candidates: readonly AlertCandidate[], recorded: readonly RecordedAlert[], cap = ALERTS_PER_USER_PER_DIGEST): CappedAlerts {
  const known = new Set(recorded.map((r) => r.storyId));
  const seen = new Set<string>();
  const unique = candidates.filter((c) => !seen.has(c.story.id) && seen.add(c.story.id));
  const again = unique.filter((c) => known.has(c.story.id));
  const room = Math.max(0, cap - recorded.length);
  const unsent = unique.filter((c) => !known.has(c.story.id));
  const fresh = unsent.slice(0, room);
  const count = unsent.length - fresh.length;
  const date = unique[0]?.story.date;
  const teller = fresh.at(-1)?.story.id ?? recorded.findLast((r) => (r.more ?? 0) > 0)?.storyId ?? recorded.at(-1)?.storyId;
  const moreOf = (storyId: string) => (storyId === teller && count > 0 && date !== undefined ? { count, date, cap } : undefined);
  const toAlert = (c: AlertCandidate, isRecorded: boolean): CappedAlert => {
    const more = moreOf(c.story.id);
    return { alert: { story: c.story, query: c.query, locale: c.locale, ...(more ? { more } : {}) }, recorded: isRecorded };
  };
  const matched = new Set(again.map((c) => c.story.id));
  const retold = recorded
    .filter((r) => !matched.has(r.storyId))
    .map((r) => {
      const more = moreOf(r.storyId);
      return more ? { storyId: r.storyId, more } : { storyId: r.storyId };
    });
  return { alerts: [...again.map((c) => toAlert(c, true)), ...fresh.map((c) => toAlert(c, false))], retold };
}
