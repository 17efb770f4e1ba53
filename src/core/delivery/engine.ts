// The delivery engine: decides what is due for each subscription, plans runs into the ledger, and sends them exactly once.
import type { DeliveryObserver } from "./observer.js";
import cron, { type ScheduledTask } from "node-cron";
import type { DigestArchive } from "../digest/archive.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Digest } from "../digest/model.js";
import type { Platform } from "../reply.js";
import type { RunKind, Storage, Subscription } from "../storage/types.js";
import { buildDailyPost } from "../summaries.js";
import type { DeliveryControl, RepostRequest, RepostResult, TargetRef } from "./control.js";
import { newRunId } from "./ledger.js";
import { createOwner } from "./owner.js";
import { createRevisionDesk } from "./revision-desk.js";
import type { Publisher } from "./publisher.js";
import { createSchedule, type Schedule } from "./schedule.js";
import { DEFAULT_RETRY, sendParts, type RetryOptions } from "./sender.js";
import { describeTargets } from "./target-status.js";

/** How often production checks what is due; due-ness itself comes from each target's cron and time zone. */
export const TICK_CRON = "* * * * *";

/** A delivery request the engine cannot carry out; the message says why and what to do. */
export class DeliveryError extends Error {
  override name = "DeliveryError";
}

/** What to do when a platform has no publisher: the fix depends on the platform. */
function noPublisher(platform: Platform): DeliveryError {
  const fix =
    platform === "discord"
      ? "set DISCORD_TOKEN to deliver there"
      : platform === "telegram"
        ? "set TELEGRAM_BOT_TOKEN to deliver there"
        : "only the running local console (digest-bot console) delivers there";
  return new DeliveryError(`delivery: no ${platform} publisher is running; ${fix}`);
}

export interface DeliveryEngineOptions {
  /** Told about each send (the HTTP endpoint's metrics); optional. */
  observer?: DeliveryObserver;
  /** The open state store (`await openStorage(…)`); the engine never closes it. */
  storage: Storage;
  archive: DigestArchive;
  config: Config;
  logger: Logger;
  /** The current time; default `() => new Date()`. Tests pass a fake clock. */
  clock?: () => Date;
  /** Retry delays and bounds; defaults in `DEFAULT_RETRY`. */
  retry?: Partial<RetryOptions>;
  /** Random source for jitter; default Math.random. */
  random?: () => number;
  /** Claim lease length and renewal period; default LEASE_MS (60 s) renewed every LEASE_RENEW_MS (20 s). */
  lease?: { ms?: number; renewMs?: number };
  /** Run ticks from node-cron after `start()`; default true. Tests that drive `tick()` themselves pass false. */
  useCron?: boolean;
}

/** A delivery from a shell or an admin: like a repost, with the run kind recorded. */
export interface DeliverRequest extends RepostRequest {
  kind?: RunKind;
}

export interface DeliveryEngine extends DeliveryControl {
  /** Resolves once the settings targets are recorded as subscriptions (every method waits for it too); rejects if the store failed. */
  readonly ready: Promise<void>;
  /** Adds a platform; one publisher per platform (a second one is refused). Due targets of it go out on the next tick. */
  registerPublisher(publisher: Publisher): void;
  /** Catches up once (what was missed while down, within the deadline), then ticks every minute and on new digests. */
  start(): Promise<void>;
  /** Stops taking work, lets the message in flight finish (a pending wait ends at once), and resolves. */
  stop(): Promise<void>;
  /** Delivers whatever is due now and resumes unfinished runs. Ticks never overlap. */
  tick(): Promise<void>;
  /** Delivers a digest now as a new run (`repost` is this with kind "repost"). */
  deliver(request: DeliverRequest): Promise<RepostResult>;
  /** Overrides the schedule of one subscription (undefined = back to POST_CRON / POST_TIMEZONE). Validated. */
  setSchedule(target: TargetRef, schedule: { cron?: string; timezone?: string }): Promise<void>;
}

/**
 * Creates the delivery engine. Settings targets (DISCORD_CHANNEL_IDS, TELEGRAM_CHAT_IDS) become subscriptions.
 *
 * @example
 * const storage = await openStorage({ dataDir: config.DATA_DIR });
 * const engine = createDeliveryEngine({ storage, archive, config, logger: logger.child({ module: "delivery" }) });
 * engine.registerPublisher(telegramPublisher);
 * await engine.start();
 * // on SIGTERM:
 * await engine.stop();
 * await storage.close();
 */
export function createDeliveryEngine(options: DeliveryEngineOptions): DeliveryEngine {
  const { archive, config } = options;
  const logger = options.logger;
  const clock = options.clock ?? (() => new Date());
  const retry: RetryOptions = { ...DEFAULT_RETRY, ...options.retry };
  const { ledger, subscriptions, leases } = options.storage;
  const publishers = new Map<Platform, Publisher>();
  const schedules = new Map<string, Schedule>();
  const deadlineMs = config.DELIVERY_DEADLINE_HOURS * 3_600_000;
  const nowIso = () => clock().toISOString();

  // Validate the default schedule at creation so a bad setting fails the start, not the first tick.
  scheduleOf(config.POST_CRON, config.POST_TIMEZONE);
  // Settings targets become subscriptions before anything reads them; every entry point awaits this.
  const createdAt = nowIso();
  const ready = (async () => {
    for (const id of config.DISCORD_CHANNEL_IDS) await subscriptions.ensureSettingsTarget("discord", id, createdAt);
    for (const id of config.TELEGRAM_CHAT_IDS) await subscriptions.ensureSettingsTarget("telegram", id, createdAt);
  })();
  ready.catch(() => undefined); // Reported where it is awaited.

  let stopping = false;
  let started = false;
  let task: ScheduledTask | undefined;
  let unsubscribeArchive: (() => void) | undefined;
  const abort = new AbortController();
  let chain: Promise<unknown> = Promise.resolve();

  /** Runs jobs one at a time: ticks, reposts and deliveries never interleave their sends. */
  function exclusive<T>(job: () => Promise<T>): Promise<T> {
    const result = chain.then(job, job);
    chain = result.catch(() => undefined);
    return result;
  }

  function scheduleOf(cronExpr: string, timezone: string): Schedule {
    const key = `${cronExpr}\u0000${timezone}`;
    let schedule = schedules.get(key);
    if (!schedule) {
      schedule = createSchedule(cronExpr, timezone);
      schedules.set(key, schedule);
    }
    return schedule;
  }
  const scheduleFor = (sub: Subscription) => scheduleOf(sub.cron ?? config.POST_CRON, sub.timezone ?? config.POST_TIMEZONE);

  const sleep = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (abort.signal.aborted) return resolve(false);
      const timer = setTimeout(() => {
        abort.signal.removeEventListener("abort", onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      abort.signal.addEventListener("abort", onAbort, { once: true });
    });

  const owner = createOwner(options.storage);
  const senderDeps = {
    owner: owner.id,
    ledger,
    leases,
    logger,
    retry,
    now: nowIso,
    sleep,
    random: options.random ?? Math.random,
    isStopping: () => stopping,
    ...(options.observer ? { observer: options.observer } : {}),
    ...(options.lease?.ms ? { leaseMs: options.lease.ms } : {}),
    ...(options.lease?.renewMs ? { leaseRenewMs: options.lease.renewMs } : {}),
  };
  // Corrections of delivered posts (revision-desk.ts): planned after a quiet period, sent through the same sender.
  const revisionDeps = { storage: options.storage, archive, config, publishers, sender: senderDeps, clock };
  const revisions = createRevisionDesk({ ...revisionDeps, logger: logger.child({ module: "revisions" }), requestTick: () => void engine.tick() });

  /** Sends a target's open parts; a permanent failure disables its subscription and drops what is left for it. */
  async function flushTarget(platform: Platform, targetId: string) {
    const publisher = publishers.get(platform);
    if (!publisher) return undefined;
    const parts = await ledger.openParts(platform, targetId);
    if (parts.length === 0) return undefined;
    const outcome = await sendParts(publisher, parts, senderDeps);
    if (outcome.type === "permanent") {
      const reason = outcome.error;
      await ledger.skipOpenParts(platform, targetId, `not sent: ${reason}`, nowIso());
      if (await subscriptions.get(platform, targetId)) {
        await subscriptions.disable(platform, targetId, reason, nowIso());
        logger.error({ platform, target: targetId, reason }, "subscription disabled after a permanent failure; /subscribe there re-enables it");
      }
    }
    return outcome;
  }

  /** Plans one run for one target: "empty" when its filter leaves nothing, "taken" when another instance planned this slot first. */
  async function planFor(kind: RunKind, runId: string, sub: { platform: Platform; targetId: string }, digest: Digest, sections: number[] | undefined, extra: { slot?: string; sectionIndex?: number; requestedBy?: string }) {
    const publisher = publishers.get(sub.platform);
    if (!publisher) throw noPublisher(sub.platform);
    const post = buildDailyPost(digest, sections);
    if (post.sections.length === 0) return "empty";
    const payloads = publisher.planDailyPost(post);
    const fresh = await ledger.planRun({ runId, kind, platform: sub.platform, targetId: sub.targetId, digestDate: digest.date, sections: sections ?? "all", payloads, now: nowIso(), ...extra });
    return fresh ? "planned" : "taken";
  }

  /** Plans the scheduled run of one subscription if one is due now. */
  async function planIfDue(sub: Subscription, now: Date) {
    const slot = scheduleFor(sub).previous(now);
    if (!slot || slot.getTime() < Date.parse(sub.createdAt)) return;
    const slotIso = slot.toISOString();
    if (await ledger.slotTaken(sub.platform, sub.targetId, slotIso)) return;
    const where = { platform: sub.platform, target: sub.targetId, slot: slotIso };
    const latest = archive.latest();
    const fresh = latest && !(await ledger.scheduledDelivered(sub.platform, sub.targetId, latest.date)) ? latest : undefined;
    const late = now.getTime() - slot.getTime() > deadlineMs;
    if (fresh && !late) {
      const runId = newRunId("scheduled", fresh.date);
      const planned = await planFor("scheduled", runId, sub, fresh, sub.sections, { slot: slotIso });
      if (planned === "planned") {
        logger.info({ ...where, runId, date: fresh.date }, "scheduled delivery planned");
      } else if (planned === "taken") {
        logger.debug(where, "scheduled delivery already planned by another instance");
      } else {
        const note = `the section filter ${JSON.stringify(sub.sections)} matches no section of ${fresh.date}`;
        await ledger.skipSlot({ runId, ...sub, slot: slotIso, digestDate: fresh.date, note, now: nowIso() });
        logger.warn({ ...where, date: fresh.date }, `scheduled delivery skipped: ${note}`);
      }
      return;
    }
    if (!late) return; // Waiting for a new digest; it goes out as soon as it appears.
    const note = fresh
      ? `missed by more than ${config.DELIVERY_DEADLINE_HOURS} h (the bot was not running); ${fresh.date} not sent`
      : `no new digest within ${config.DELIVERY_DEADLINE_HOURS} h of the scheduled time`;
    await ledger.skipSlot({ runId: newRunId("scheduled", undefined), ...sub, slot: slotIso, note, now: nowIso() });
    logger.warn(where, `scheduled delivery skipped: ${note}`);
  }

  async function runTick() {
    if (stopping) return;
    const now = clock();
    for (const sub of await subscriptions.list()) {
      if (stopping) return;
      if (!sub.enabled || !publishers.has(sub.platform)) continue;
      try {
        await planIfDue(sub, now);
      } catch (err) {
        logger.error({ err, platform: sub.platform, target: sub.targetId }, "could not plan the scheduled delivery");
      }
    }
    // Send everything open, including reposts to channels that are not (or no longer) subscriptions: disabling a
    // target skips its open parts, so whatever is open there now was asked for explicitly afterwards.
    for (const { platform, targetId } of await ledger.targetsWithOpenParts()) {
      if (stopping) return;
      await flushTarget(platform, targetId);
    }
    await revisions.tick();
  }

  async function deliver(request: DeliverRequest): Promise<RepostResult> {
    if (stopping) throw new DeliveryError("delivery: the bot is shutting down; try again after it restarts");
    await ready;
    const kind = request.kind ?? "repost";
    const digest = request.date ? archive.get(request.date) : archive.latest();
    if (!digest) {
      throw new DeliveryError(request.date ? `delivery: there is no digest for ${request.date}` : "delivery: no digest is loaded yet");
    }
    const { sectionIndex } = request;
    if (sectionIndex !== undefined && (!Number.isInteger(sectionIndex) || sectionIndex < 0 || sectionIndex >= digest.sections.length)) {
      throw new DeliveryError(`delivery: the ${digest.date} digest has sections 1–${digest.sections.length}; got ${sectionIndex + 1}`);
    }
    let targets: { platform: Platform; targetId: string; sections?: number[] }[];
    if (request.to === "all-subscriptions") {
      targets = (await subscriptions.list()).filter((s) => s.enabled && publishers.has(s.platform));
    } else {
      if (!publishers.has(request.to.platform)) throw noPublisher(request.to.platform);
      targets = [{ platform: request.to.platform, targetId: request.to.id }];
    }
    return exclusive(async () => {
      const runId = newRunId(kind, digest.date);
      const planned: typeof targets = [];
      for (const target of targets) {
        // A whole-digest repost to every subscription keeps each one's section filter.
        const sections = sectionIndex !== undefined ? [sectionIndex] : target.sections;
        const extra: { sectionIndex?: number; requestedBy?: string } = {};
        if (sectionIndex !== undefined) extra.sectionIndex = sectionIndex;
        if (request.requestedBy) extra.requestedBy = request.requestedBy;
        if ((await planFor(kind, runId, target, digest, sections, extra)) === "planned") planned.push(target);
      }
      logger.info({ runId, kind, date: digest.date, targets: planned.length, requestedBy: request.requestedBy }, "delivery run planned");
      const pending: RepostResult["pending"] = [];
      for (const target of planned) {
        const outcome = await flushTarget(target.platform, target.targetId);
        const mine = (await ledger.runParts(runId)).filter((p) => p.platform === target.platform && p.targetId === target.targetId);
        const unsent = mine.find((p) => p.status !== "sent");
        if (unsent) {
          const error =
            outcome?.type === "busy"
              ? "another running digest-bot process is sending to this target; it sends these too"
              : (unsent.lastError ?? (outcome?.type === "stopped" ? "stopped before sending" : "waiting behind an earlier run"));
          pending.push({ target: { platform: target.platform, id: target.targetId }, error });
        }
      }
      const messagesSent = (await ledger.runParts(runId)).filter((p) => p.status === "sent").length;
      return { runId, targets: planned.length, messagesSent, pending };
    });
  }

  const engine: DeliveryEngine = {
    ready,
    registerPublisher(publisher) {
      if (publishers.has(publisher.platform)) {
        throw new DeliveryError(`delivery: a ${publisher.platform} publisher is already registered; register one per platform`);
      }
      publishers.set(publisher.platform, publisher);
    },

    async start() {
      if (started) throw new DeliveryError("delivery: start() was called twice");
      started = true;
      await ready;
      unsubscribeArchive = archive.onChange((change) => {
        // A late digest goes out as soon as it appears (within the deadline); a changed one is corrected after a quiet period.
        if (change.type === "upsert" && !stopping) void revisions.noteChange(change).then(() => engine.tick());
      });
      if (options.useCron ?? true) {
        task = cron.schedule(TICK_CRON, () => engine.tick(), { name: "digest-bot-delivery", noOverlap: true });
      }
      await revisions.start();
      // Catch-up: slots missed while the bot was down are considered once, now.
      await engine.tick();
    },

    async stop() {
      stopping = true;
      abort.abort();
      unsubscribeArchive?.();
      unsubscribeArchive = undefined;
      revisions.stop();
      if (task) await task.destroy();
      task = undefined;
      await chain;
      owner.release();
    },

    tick() {
      return exclusive(async () => {
        try {
          await ready;
          await runTick();
        } catch (err) {
          logger.error({ err }, "delivery tick failed; retrying on the next one");
        }
      });
    },

    deliver,

    repost(request) {
      return deliver({ ...request, kind: "repost" });
    },

    async subscribe(target, sections) {
      if (sections && sections.some((i) => !Number.isInteger(i) || i < 0)) {
        throw new DeliveryError("delivery: section indexes are 0-based integers");
      }
      await ready;
      await subscriptions.upsert(target.platform, target.id, sections?.length ? [...new Set(sections)].sort((a, b) => a - b) : undefined, nowIso());
      logger.info({ platform: target.platform, target: target.id, sections }, "subscribed");
    },

    async unsubscribe(target) {
      await ready;
      const sub = await subscriptions.get(target.platform, target.id);
      if (!sub) return false;
      // A settings target would come back on the next start if deleted; keep it, disabled, with the reason.
      if (sub.source === "settings") await subscriptions.disable(target.platform, target.id, "unsubscribed by an admin", nowIso());
      else await subscriptions.remove(target.platform, target.id);
      await ledger.skipOpenParts(target.platform, target.id, "unsubscribed", nowIso());
      await options.storage.revisions.skipOpenParts(target.platform, target.id, "unsubscribed", nowIso());
      logger.info({ platform: target.platform, target: target.id }, "unsubscribed");
      return true;
    },

    async setSchedule(target, schedule) {
      await ready;
      if (!(await subscriptions.get(target.platform, target.id))) {
        throw new DeliveryError(`delivery: ${target.platform}:${target.id} is not subscribed; subscribe it first`);
      }
      try {
        scheduleOf(schedule.cron ?? config.POST_CRON, schedule.timezone ?? config.POST_TIMEZONE);
      } catch (err) {
        throw new DeliveryError((err as Error).message, { cause: err });
      }
      await subscriptions.setSchedule(target.platform, target.id, schedule.cron, schedule.timezone, nowIso());
    },

    async status() {
      await ready;
      return describeTargets(options.storage, { archive, now: clock(), scheduleFor });
    },
  };
  return engine;
}
