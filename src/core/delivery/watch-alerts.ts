// Personal alerts: when a current digest has stories matching users' /watch queries, plan one private message per (user, story) and send it exactly once.
import type { Config, Locale } from "../config.js";
import type { DigestArchive } from "../digest/archive.js";
import type { StoryRef } from "../digest/model.js";
import type { Logger } from "../logger.js";
import type { Platform, StoryCard } from "../reply.js";
import type { SearchOptions, StorySearch } from "../search.js";
import type { Storage } from "../storage/types.js";
import type { AddWatchResult, Watch } from "../storage/watch-store.js";
import { RecipientUnreachable, type AlertPublisher } from "./alert-publisher.js";
import { dayIn } from "../dates.js";
import { capAlerts, type AlertCandidate } from "./alert-caps.js";
import { editAlerts } from "./alert-edits.js";
import { isStaleForSlot } from "./planning.js";
import { sendParts, type PartOperation, type SenderDeps } from "./sender.js";

/** Stories one watch may bring from one digest: a query as broad as "ai" must not flood a private chat. */
export const ALERTS_PER_WATCH_PER_DIGEST = 10;
/** Why an unsent alert was given up when its story left the digest (a revision removed it). */
export const STORY_GONE = "the story was removed from its digest before the alert was sent";
/** Users whose alerts are sent at once (each user's own in order; the pacer spaces them per chat). */
const USERS_AT_ONCE = 16;

/** The story as an alert shows it (what `/story` shows), as the archive has it now. */
function storyCard(ref: StoryRef): StoryCard {
  const { story, section, digest } = ref;
  return { id: story.id, date: digest.date, section: section.title, title: story.title, body: story.body, text: story.text, links: story.links };
}

/** Who owns a watch: a platform user (Discord user id, Telegram user id, `local` on the console). */
export interface UserRef {
  platform: Platform;
  id: string;
}

/** What `/watch` and `/unwatch` may ask of the delivery engine. */
export interface WatchControl {
  /** The per-user cap (WATCH_LIMIT). */
  readonly limit: number;
  /** Adds a watch (re-enabling the user's disabled ones); today's digest is then checked for it at once. */
  add(user: UserRef, query: string, locale: Locale): Promise<AddWatchResult>;
  list(user: UserRef): Promise<Watch[]>;
  /** False when the user had no watch with this exact query. */
  remove(user: UserRef, query: string): Promise<boolean>;
}

export interface WatchAlertsOptions {
  storage: Storage;
  archive: DigestArchive;
  /** The engine's search (the same matching as /search); without it no alert is planned. */
  search?: StorySearch & { settled?(): Promise<void> };
  config: Pick<Config, "WATCH_LIMIT" | "POST_TIMEZONE" | "DELIVERY_DEADLINE_HOURS" | "BOT_LOCALE">;
  logger: Logger;
  /** The engine's sender dependencies (owner, retry policy, pacer, stop signal); marks and claims go to the watch store. */
  sender: SenderDeps;
  clock: () => Date;
  /** Asks the engine for a tick (ticks are serialised there). */
  requestTick: () => void;
}

export interface WatchAlerts {
  readonly control: WatchControl;
  register(publisher: AlertPublisher): void;
  /** A digest was loaded or revised: its stories are matched against every watch on the next tick. */
  noteDigest(date: string): void;
  /** Queues every current digest (start, catch-up): a digest that arrived while the bot was down is not missed. */
  noteCurrent(): void;
  /** Plans the queued digests' alerts, then sends every open alert. Called inside the engine's tick. */
  tick(): Promise<void>;
}

/**
 * Creates the personal alerts of a delivery engine. A digest is "current" while the daily post may still send it:
 * until DELIVERY_DEADLINE_HOURS after its day ends (POST_TIMEZONE); older digests, edited or not, alert nobody. A
 * digest of a day that has not begun (POST_TIMEZONE) alerts nobody before that day: a draft is not leaked early.
 *
 * @example
 * const alerts = createWatchAlerts({ storage, archive, search, config, logger, sender, clock, requestTick });
 * alerts.register(discordDm);
 * archive.onChange((c) => c.type === "upsert" && alerts.noteDigest(c.digest.date));
 */
export function createWatchAlerts(options: WatchAlertsOptions): WatchAlerts {
  const { storage, archive, config, logger, clock } = options;
  const store = storage.watches;
  const deps: SenderDeps = { ...options.sender, ledger: store.marks, leases: store.leases };
  const publishers = new Map<Platform, AlertPublisher>();
  const queued = new Set<string>();
  // Digests of a day not begun yet (an editor's draft for tomorrow): their alerts wait for the day, like the daily post.
  const notYet = new Set<string>();
  const hasBegun = (date: string) => date <= dayIn(clock(), config.POST_TIMEZONE);
  const deadlineMs = config.DELIVERY_DEADLINE_HOURS * 3_600_000;
  const isCurrent = (date: string) => !isStaleForSlot(date, clock(), config.POST_TIMEZONE, deadlineMs);

  function noteCurrent() {
    for (const digest of archive.all().slice(-3)) if (isCurrent(digest.date)) queued.add(digest.date);
  }

  async function planDigest(date: string): Promise<void> {
    const digest = archive.get(date);
    if (!digest || !isCurrent(date) || !options.search) return;
    if (!hasBegun(date)) {
      notYet.add(date);
      return;
    }
    await options.search.settled?.();
    // Every user's matches first (in watch order, each story once), then at most the cap per user (alert-caps.ts).
    const users = new Map<string, { platform: Platform; userId: string; candidates: AlertCandidate[] }>();
    for (const watch of await store.enabled()) {
      if (!publishers.has(watch.platform)) continue;
      const key = `${watch.platform}\u0000${watch.userId}`;
      const user = users.get(key) ?? { platform: watch.platform, userId: watch.userId, candidates: [] };
      users.set(key, user);
      const query: SearchOptions = { date, requireAll: true, limit: ALERTS_PER_WATCH_PER_DIGEST };
      for (const hit of options.search.search(watch.query, query)) {
        const ref = archive.findStory(hit.id);
        if (!ref || ref.digest.date !== date) continue;
        user.candidates.push({ story: storyCard(ref), query: watch.query, locale: (watch.locale as Locale | undefined) ?? config.BOT_LOCALE });
      }
    }
    let planned = 0;
    let refreshed = 0;
    let edits = 0;
    const waiting = new Set((await store.usersWithOpenAlerts()).map((u) => `${u.platform}\u0000${u.targetId}`));
    for (const { platform, userId, candidates } of users.values()) {
      const publisher = publishers.get(platform)!;
      // A user with no match and nothing waiting has nothing to plan or tell again: their alerts are not read.
      const recorded = candidates.length > 0 || waiting.has(`${platform}\u0000${userId}`) ? await store.digestAlerts(platform, userId, date) : [];
      const capped = capAlerts(candidates, recorded);
      // What each sent alert tells or will once its waiting edit is made: only a change plans an edit.
      const told = new Map(recorded.map((r) => [r.storyId, r.editMore ?? r.more]));
      // An alert sent before counts were recorded may be the one telling the count, unknown to us: none of that
      // digest's alerts is edited for this user, or two messages could each tell one (new alerts still tell it).
      const editable = publisher.editDirect !== undefined && recorded.every((r) => r.more !== null);
      const retell = async (row: { platform: Platform; userId: string; storyId: string; query: string; payload: unknown; more: number; now: string }) => {
        if (await store.refreshAlert(row)) refreshed++;
        else if (editable && told.get(row.storyId) !== row.more && (await store.planEdit(row))) edits++;
      };
      for (const { alert, recorded: again } of capped.alerts) {
        const row = { platform, userId, storyId: alert.story.id, query: alert.query, payload: publisher.planAlert(alert), more: alert.more?.count ?? 0, now: clock().toISOString() };
        // One still waiting (a rate limit, a retry) goes out with the story as the revision left it; one sent is
        // edited only when the count it tells changed (its story as it is now then).
        if (!again) planned += (await store.planAlert({ ...row, digestDate: date })) ? 1 : 0;
        else await retell(row);
      }
      const watches = capped.retold.length > 0 ? await store.list(platform, userId) : [];
      // A waiting alert whose story the revision changed so that no watch matches it any more is still sent (it
      // matched when planned), with the story as it is now; one whose story left the digest is given up when flushed.
      for (const { storyId, more } of capped.retold) {
        const ref = archive.findStory(storyId);
        const query = recorded.find((r) => r.storyId === storyId)?.query;
        if (!ref || ref.digest.date !== date || query === undefined) continue;
        const locale = (watches.find((w) => w.query === query)?.locale as Locale | undefined) ?? config.BOT_LOCALE;
        const alert = { story: storyCard(ref), query, locale, ...(more ? { more } : {}) };
        await retell({ platform, userId, storyId, query, payload: publisher.planAlert(alert), more: more?.count ?? 0, now: clock().toISOString() });
      }
    }
    if (planned > 0 || refreshed > 0 || edits > 0) logger.info({ date, alerts: planned, refreshed, edits }, "personal alerts planned");
  }

  async function flushUser(platform: Platform, userId: string): Promise<void> {
    const publisher = publishers.get(platform);
    if (!publisher) return;
    let unreachable = false;
    const operation: PartOperation = {
      perform: async (part, signal) => {
        try {
          return await publisher.sendDirect(part.targetId, part.payload, { idempotencyKey: part.idempotencyKey, signal });
        } catch (err) {
          unreachable = err instanceof RecipientUnreachable;
          throw err;
        }
      },
      deduplicates: publisher.deduplicates === true,
    };
    const open = await store.openAlerts(platform, userId);
    // A story removed from its digest (or the digest itself) since planning is not sent: the editor took it back.
    const gone = open.filter((a) => a.status === "pending" && archive.findStory(a.runId)?.digest.date !== a.digestDate);
    if (gone.length > 0) {
      await store.skipAlerts(platform, userId, gone.map((a) => a.runId), STORY_GONE, clock().toISOString());
      logger.info({ platform, user: userId, stories: gone.map((a) => a.runId) }, "personal alerts given up: the story left its digest before it was sent");
    }
    const outcome = await sendParts(operation, open.filter((a) => !gone.includes(a)), deps);
    if (outcome.type === "permanent" && unreachable) {
      // The user blocked the bot, never started it, or closed DMs: stop trying until they /watch again.
      await store.disableUser(platform, userId, outcome.error, clock().toISOString());
      logger.warn({ platform, user: userId, reason: outcome.error }, "personal alerts disabled: the user cannot be messaged");
    } else if (outcome.type === "permanent") {
      // A rejected token or body is the bot's fault: disabling every watcher would need each of them to act.
      logger.error({ platform, user: userId, reason: outcome.error }, "a personal alert could not be sent; the user's watches stay on, and the alert is planned again when its digest is next matched (a start, a revision)");
    }
  }

  async function tick(): Promise<void> {
    for (const date of [...notYet]) {
      if (!hasBegun(date)) continue;
      notYet.delete(date);
      queued.add(date);
    }
    for (const date of [...queued]) {
      queued.delete(date);
      try {
        await planDigest(date);
      } catch (err) {
        queued.add(date);
        logger.error({ err, date }, "could not plan personal alerts; retrying on the next tick");
        break;
      }
    }
    const users = (await store.usersWithOpenAlerts()).filter((u) => publishers.has(u.platform));
    for (let i = 0; i < users.length && !deps.signal.aborted; i += USERS_AT_ONCE) {
      await Promise.all(
        users.slice(i, i + USERS_AT_ONCE).map((u) =>
          flushUser(u.platform, u.targetId).catch((err: unknown) => logger.error({ err, platform: u.platform, user: u.targetId }, "sending personal alerts failed; retrying on the next tick")),
        ),
      );
    }
    // After the sends: an alert whose "…and N more" changed once it was sent is edited (alert-edits.ts).
    for (const u of await store.usersWithEdits()) {
      const publisher = publishers.get(u.platform);
      if (!publisher || deps.signal.aborted) continue;
      const edits = { store, pacer: deps.pacer, signal: deps.signal, logger, now: () => clock().toISOString(), owner: deps.owner, leaseNow: deps.now, ...(deps.leaseMs ? { leaseMs: deps.leaseMs } : {}), ...(deps.leaseRenewMs ? { leaseRenewMs: deps.leaseRenewMs } : {}) };
      await editAlerts(publisher, u.targetId, edits).catch((err: unknown) =>
        logger.error({ err, platform: u.platform, user: u.targetId }, "editing personal alerts failed; retrying on the next tick"),
      );
    }
  }

  const control: WatchControl = {
    limit: config.WATCH_LIMIT,
    async add(user, query, locale) {
      const result = await store.add({ platform: user.platform, userId: user.id, query, locale }, config.WATCH_LIMIT, clock().toISOString());
      if (result !== "limit") {
        noteCurrent();
        options.requestTick();
      }
      return result;
    },
    list: (user) => store.list(user.platform, user.id),
    async remove(user, query) {
      const removed = await store.remove(user.platform, user.id, query, clock().toISOString());
      // Alerts of the removed watch were given up; one that another of the user's watches matches is planned again.
      if (removed) {
        noteCurrent();
        options.requestTick();
      }
      return removed;
    },
  };

  return {
    control,
    register(publisher) {
      publishers.set(publisher.platform, publisher);
    },
    noteDigest: (date) => void queued.add(date),
    noteCurrent,
    tick,
  };
}
