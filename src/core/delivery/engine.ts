// The delivery engine: decides what is due for each subscription, plans runs into the ledger, and sends them exactly once.
import { setMaxListeners } from "node:events";
import type { DeliveryObserver } from "./observer.js";
import type { ScheduledTask } from "node-cron";
import type { DigestArchive } from "../digest/archive.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Platform, TargetStatus } from "../reply.js";
import { createDatabaseClock, readDatabaseTime, type DatabaseClock } from "../storage/database-clock.js";
import type { Storage, Subscription } from "../storage/types.js";
import type { DeliveryControl, RepostResult, TargetRef } from "./control.js";
import type { PostOptionsPatch } from "./effective-options.js";
import { createFlusher } from "./flushing.js";
import { createOwner } from "./owner.js";
import { createRevisionDesk } from "./revision-desk.js";
import { createPacer, type Pacer } from "./pacing.js";
import { deliverOnRequest, type DeliverRequest } from "./on-request.js";
import { createPlanner } from "./planning.js";
import { createScheduledPlanning } from "./scheduled-planning.js";
import type { Publisher } from "./publisher.js";
import { createSchedule, type Schedule } from "./schedule.js";
import { createSenderLease } from "./sender-lease.js";
import { DEFAULT_RETRY, type RetryOptions, type SenderDeps } from "./sender.js";
import { createSubscriptionControl } from "./subscription-control.js";
import { createTargetLocks } from "./target-locks.js";
import type { AlertPublisher } from "./alert-publisher.js";
import type { StorySearch } from "../search.js";
import { createWatchAlerts, type WatchControl } from "./watch-alerts.js";
import { DeliveryError, noPublisher } from "./delivery-error.js";
import { scheduleTicks } from "./tick-timer.js";

export { TICK_CRON } from "./tick-timer.js";
export { DeliveryError } from "./delivery-error.js";

export interface DeliveryEngineOptions {
  /** Told about each send (the HTTP endpoint's metrics); optional. */
  observer?: DeliveryObserver;
  /** The open state store (`await openStorage(…)`); the engine never closes it. */
  storage: Storage;
  archive: DigestArchive;
  /** The search the commands use: personal alerts match with it (none planned without it). */
  search?: StorySearch & { settled?(): Promise<void> };
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
  /** Send slots within each platform's budget; default `createPacer()` (PLATFORM_LIMITS). Benchmarks and tests pass their own. */
  pacer?: Pacer;
  /** Targets of one platform flushed at once; default FLUSH_CONCURRENCY. */
  concurrency?: number;
  /** How long a platform call that ignores the stop signal is awaited at stop; default STOP_GRACE_MS. */
  stopGraceMs?: number;
  /** Sender lease length and renewal period; default SENDER_LEASE_MS (15 s) renewed every SENDER_LEASE_RENEW_MS (5 s). */
  senderLease?: { ms?: number; renewMs?: number; handoverMs?: number };
  /** The clock of lease times (database-clock.ts; its offset is added to `clock`); default the storage's server. */
  databaseClock?: DatabaseClock;
}

export type { DeliverRequest } from "./on-request.js";

export interface DeliveryEngine extends DeliveryControl {
  /** Resolves once the settings targets are recorded as subscriptions (every method waits for it too); rejects if the store failed. */
  readonly ready: Promise<void>;
  /** Adds a platform; one publisher per platform (a second one is refused). Due targets of it go out on the next tick. */
  registerPublisher(publisher: Publisher): void;
  /** Adds a platform's private messages for personal alerts (/watch); one per platform. */
  registerAlertPublisher(publisher: AlertPublisher): void;
  /** Users' /watch queries: what /watch and /unwatch call. */
  readonly watches: WatchControl;
  /** Catches up once (what was missed while down, within the deadline), then ticks every minute and on new digests. */
  start(): Promise<void>;
  /**
   * Stops taking work and aborts every wait and platform request in progress (429 waits, backoffs, pacing, hung
   * requests); resolves within STOP_GRACE_MS plus one ledger write. A request cut short stays in-flight and is
   * reconciled on the next start.
   */
  stop(): Promise<void>;
  /** Delivers whatever is due now and resumes unfinished runs. Ticks never overlap. */
  tick(): Promise<void>;
  /** Delivers a digest now as a new run (`repost` is this with kind "repost"). */
  deliver(request: DeliverRequest): Promise<RepostResult>;
  /** Overrides the schedule of one subscription (undefined = back to POST_CRON / POST_TIMEZONE). Validated. */
  setSchedule(target: TargetRef, schedule: { cron?: string; timezone?: string }): Promise<void>;
  setOptions(target: TargetRef, patch: PostOptionsPatch): Promise<void>;
  targetStatus(target: TargetRef): Promise<TargetStatus | undefined>;
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
  const { ledger, subscriptions } = options.storage;
  const publishers = new Map<Platform, Publisher>();
  const schedules = new Map<string, Schedule>();
  const nowIso = () => clock().toISOString();

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
  // Every wait and request in progress listens on it (hundreds during a broadcast).
  setMaxListeners(0, abort.signal);
  let chain: Promise<unknown> = Promise.resolve();

  /** Runs jobs one at a time: ticks, reposts and deliveries never interleave their sends. Each job ends with the
   * sender leases released, so an idle instance blocks nobody (another instance, `digest-bot deliver`). */
  function exclusive<T>(job: () => Promise<T>): Promise<T> {
    // The database's clock is measured again first (an unreachable database fails the job itself, not this).
    const run = () => databaseClock.sync().catch(() => 0).then(job).finally(() => senderLease.releaseAll());
    const result = chain.then(run, run);
    chain = result.catch(() => undefined);
    return result;
  }

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
  // Lease times are compared across hosts, so the sender's are in the database's clock; schedules keep the host's.
  const databaseClock = options.databaseClock ?? createDatabaseClock({ read: readDatabaseTime(options.storage.db, options.storage.dialect), logger });
  const leaseNowIso = () => new Date(clock().getTime() + databaseClock.offsetMs).toISOString();
  // One sender per platform across instances (sender-lease.ts): the lease holder's pacer alone spends the budget.
  const senderLease = createSenderLease({
    store: options.storage.senderLeases,
    owner: owner.id,
    logger,
    clock: databaseClock,
    onTakeOver: () => void engine.tick(),
    ...{ observer: options.observer, ...options.senderLease },
  });
  const sender: SenderDeps = {
    owner: owner.id,
    ledger,
    leases: options.storage.leases,
    logger,
    retry,
    pacer: senderLease.gate(options.pacer ?? createPacer()),
    // Part claims, their renewals and the judgement of another owner's lease: in the database's clock.
    now: leaseNowIso,
    sleep,
    random: options.random ?? Math.random,
    signal: abort.signal,
    ...(options.observer ? { observer: options.observer } : {}),
    ...(options.lease?.ms ? { leaseMs: options.lease.ms } : {}),
    ...(options.lease?.renewMs ? { leaseRenewMs: options.lease.renewMs } : {}),
    ...(options.stopGraceMs !== undefined ? { stopGraceMs: options.stopGraceMs } : {}),
  };
  // A pin and an unsubscribe of one target never overlap in this process (target-locks.ts).
  const pinLocks = createTargetLocks();
  const flusher = createFlusher({
    pinLocks,
    storage: options.storage,
    publishers,
    sender,
    logger,
    nowIso,
    senderLease,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
  const planner = createPlanner({ ledger, logger, publishers, nowIso, sleep, noPublisher });
  const scheduled = createScheduledPlanning({ archive, config, ledger, logger, planner, nowIso, scheduleFor });
  const control = createSubscriptionControl({
    storage: options.storage, publishers, pinLocks,
    archive,
    config,
    logger,
    ready,
    clock,
    scheduleOf,
    scheduleFor,
    refuse: (message, cause) => new DeliveryError(message, cause === undefined ? undefined : { cause }),
  });
  const revisions = createRevisionDesk({
    storage: options.storage,
    archive,
    config,
    logger: logger.child({ module: "revisions" }),
    publishers,
    sender,
    clock,
    requestTick: () => void engine.tick(),
    planPost: planner.planPost,
  });

  const alerts = createWatchAlerts({
    storage: options.storage,
    archive,
    ...(options.search ? { search: options.search } : {}),
    config,
    logger: logger.child({ module: "watch-alerts" }),
    sender,
    clock,
    // Only a started engine ticks for a new watch: a one-shot `digest-bot ask "/watch …"` must not deliver anything.
    requestTick: () => void (started && !stopping && engine.tick()),
  });

  async function runTick() {
    if (stopping) return;
    const now = clock();
    const due = (await subscriptions.list()).filter((sub) => sub.enabled && publishers.has(sub.platform));
    // Sending starts with what was open before this tick and goes on with each planning batch as it is committed.
    // Everything open is sent, including reposts to channels that are not (or no longer) subscriptions: disabling a
    // target skips its open parts, so whatever is open there now was asked for explicitly afterwards.
    const session = flusher.open();
    session.add(await ledger.targetsWithOpenParts());
    await scheduled.planDue(due, now, (targets) => session.add(targets, { again: true }), () => stopping);
    if (!stopping) session.add(await ledger.targetsWithOpenParts());
    await session.close();
    if (stopping) return;
    await revisions.tick();
    await alerts.tick();
  }

  const deliver = (request: DeliverRequest) =>
    deliverOnRequest(
      { archive, config, ledger, subscriptions, logger, publishers, planner, flusher, ready, stopped: () => stopping, exclusive },
      request,
    );

  const engine: DeliveryEngine = {
    ready,
    registerPublisher(publisher) {
      if (publishers.has(publisher.platform)) {
        throw new DeliveryError(`delivery: a ${publisher.platform} publisher is already registered; register one per platform`);
      }
      publishers.set(publisher.platform, publisher);
    },
    registerAlertPublisher: (publisher) => alerts.register(publisher),
    watches: alerts.control,

    async start() {
      if (started) throw new DeliveryError("delivery: start() was called twice");
      started = true;
      await ready;
      if (stopping) return;
      unsubscribeArchive = archive.onChange((change) => {
        // A late digest goes out as soon as it appears (within the deadline); a changed one is corrected after a quiet period.
        // Personal alerts match a new or revised digest's stories on that tick too (each (user, story) once).
        if (change.type === "upsert" && !stopping) alerts.noteDigest(change.digest.date);
        if (change.type === "upsert" && !stopping) void revisions.noteChange(change).then(() => engine.tick());
      });
      if (options.useCron ?? true) {
        task = scheduleTicks(() => engine.tick(), logger);
      }
      await revisions.start();
      alerts.noteCurrent(); // Today's digest is matched again at every start: an alert planned or not, none is lost.
      // Catch-up: slots missed while the bot was down are considered once, now. A stop aborts it like any tick.
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
      await senderLease.stop();
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

    subscribe: control.subscribe,
    unsubscribe: control.unsubscribe,
    setSchedule: control.setSchedule,
    setOptions: control.setOptions,
    targetStatus: control.targetStatus,
    status: control.status,
  };
  return engine;
}
