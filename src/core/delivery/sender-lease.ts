// One sender per bot token across instances: the holder of a platform's sender lease is the only process whose pacer spends its budget.
import type { Logger } from "../logger.js";
import type { Platform } from "../reply.js";
import type { DatabaseClock } from "../storage/database-clock.js";
import type { RecentSends, SenderLeaseStore } from "../storage/sender-lease-store.js";
import { judgeOwner } from "./owner.js";
import type { DeliveryObserver } from "./observer.js";
import type { Pacer } from "./pacing.js";

/**
 * How long a sender lease holds without renewal: after a kill -9 a standby instance takes over after at most this.
 * Short, because a dead holder stalls that platform's deliveries until it runs out; long enough that a stalled
 * event loop or a slow database write (renewed every {@link SENDER_LEASE_RENEW_MS}) never loses it by accident.
 */
export const SENDER_LEASE_MS = 15_000;
/** Renewal period of a held lease, and how often a standby looks whether it is free. */
export const SENDER_LEASE_RENEW_MS = 5_000;
/**
 * After the lease changes hands, the new holder waits this long past the previous holder's last moment: its
 * grants of the last second (Telegram 1/s per chat, Discord 50/s) still count at the platform.
 */
export const SENDER_HANDOVER_MS = 1_100;

export interface SenderLeaseOptions {
  store: SenderLeaseStore;
  /** This engine's owner id (owner.ts). */
  owner: string;
  logger: Logger;
  /** Called when a standby took the lease over, so the engine sends what was left (a tick). */
  onTakeOver: () => void;
  /** Told when this process takes or gives up a lease (the `digest_bot_sender_lease_held` metric). */
  observer?: DeliveryObserver;
  /** Default {@link SENDER_LEASE_MS} / {@link SENDER_LEASE_RENEW_MS}; tests shorten them. */
  ms?: number;
  renewMs?: number;
  /** Default {@link SENDER_HANDOVER_MS} (the longest window of the platform limits a takeover must respect, plus margin). */
  handoverMs?: number;
  /** The database's clock (hosts' clocks differ): lease times are written and compared in it; each claim measures it again. */
  clock: DatabaseClock;
}

/**
 * The sender leases one engine holds or waits for.
 *
 * @example
 * const lease = createSenderLease({ store: storage.senderLeases, owner: owner.id, logger, clock, onTakeOver: () => void engine.tick() });
 * const pacer = lease.gate(createPacer()); // grants only while the platform's lease is held
 * if (!(await lease.ensure("telegram"))) lease.standBy("telegram");
 * await lease.stop(); // at stop: released, a standby takes over at once
 */
export interface SenderLease {
  /** True when this engine holds the platform's lease, claiming it when it is free (one database statement). */
  ensure(platform: Platform): Promise<boolean>;
  /** The holder seen by the last failed claim (for logs and answers). */
  holderOf(platform: Platform): string | undefined;
  /**
   * Looks every renewal period whether the lease is free, takes it and calls `onTakeOver`; while this engine sends
   * another platform, one look later (an idle standby goes first).
   */
  standBy(platform: Platform): void;
  /** A pacer that grants a slot only while this engine holds the platform's lease (revisions go through it too). */
  gate(inner: Pacer): Pacer;
  /** Releases every lease held (end of a delivery job): the next job, here or elsewhere, claims again. */
  releaseAll(): Promise<void>;
  /** Stops standing by and releases. */
  stop(): Promise<void>;
}

/** Only platforms with a budget need a sender: the console is not paced. */
const leased = (platform: Platform) => platform !== "console";

/**
 * The sender leases of one engine (see {@link SenderLease}); the engine creates one and releases at the end of each job.
 *
 * @example
 * const lease = createSenderLease({ store: storage.senderLeases, owner: owner.id, logger, clock, onTakeOver: () => void engine.tick() });
 */
export function createSenderLease(options: SenderLeaseOptions): SenderLease {
  const { store, owner, logger } = options;
  const ms = options.ms ?? SENDER_LEASE_MS;
  const renewMs = options.renewMs ?? SENDER_LEASE_RENEW_MS;
  const handoverMs = options.handoverMs ?? SENDER_HANDOVER_MS;
  const { clock } = options;
  const now = () => clock.now();
  const iso = (t: number) => new Date(t).toISOString();
  /** This holder's sends of the last minute per group (Telegram's 20/min), in database time, for the next holder. */
  const recentOf = (platform: Platform): RecentSends => {
    const out: RecentSends = {};
    for (const p of pacers) for (const [id, ages] of Object.entries(p.recent?.(platform, 60_000) ?? {})) out[id] = [...(out[id] ?? []), ...ages.map((a) => Math.round(now() - a))];
    return out;
  };
  /** Held leases: known expiry and the renewal timer. */
  const held = new Map<Platform, { expiresAt: number; timer: NodeJS.Timeout }>();
  const standing = new Map<Platform, NodeJS.Timeout>();
  const holders = new Map<Platform, string>();
  /** Penalties to apply to the gated pacers when a lease changed hands. */
  const pacers: Pacer[] = [];
  let stopped = false;

  // Granting stops while less than one renewal period is left, so a holder whose renewals fail (a stalled process,
  // an unreachable database) has stopped spending the budget before anyone else can take the lease.
  const holds = (platform: Platform) => {
    const h = held.get(platform);
    return h !== undefined && h.expiresAt - now() > renewMs;
  };

  function drop(platform: Platform) {
    const h = held.get(platform);
    if (!h) return;
    clearInterval(h.timer);
    held.delete(platform);
    options.observer?.senderLease?.(platform, false);
  }

  function keep(platform: Platform, expiresAt: number) {
    const timer = setInterval(() => {
      const until = now() + ms;
      store.renew(platform, owner, iso(until), recentOf(platform)).then(
        (ok) => {
          const h = held.get(platform);
          if (!h || h.timer !== timer) return;
          if (ok) h.expiresAt = until;
          else {
            drop(platform);
            logger.warn({ platform }, "lost the sender lease to another digest-bot process; it sends from now on");
          }
        },
        (err: unknown) => logger.warn({ err, platform }, "could not renew the sender lease; sending stops before it runs out"),
      );
    }, renewMs);
    timer.unref();
    held.set(platform, { expiresAt, timer });
    options.observer?.senderLease?.(platform, true);
  }

  /** Claims in progress: the workers of one flush asking at once make one statement. */
  const claiming = new Map<Platform, Promise<boolean>>();
  function ensure(platform: Platform): Promise<boolean> {
    if (!leased(platform) || holds(platform)) return Promise.resolve(true);
    if (stopped) return Promise.resolve(false);
    let pending = claiming.get(platform);
    if (!pending) {
      pending = claim(platform).finally(() => claiming.delete(platform));
      claiming.set(platform, pending);
    }
    return pending;
  }

  async function claim(platform: Platform): Promise<boolean> {
    await clock.sync();
    const t = now();
    const claim = { owner, now: iso(t), until: iso(t + ms) };
    let { held: got, previous } = await store.claim(platform, claim);
    let fromGone = false;
    if (!got && previous && judgeOwner(previous.holder, previous.expiresAt, iso(t)) === "gone") {
      // The holder is provably dead (this host, no such process): no need to wait for its lease to run out.
      ({ held: got } = await store.claim(platform, { ...claim, takeOverFrom: previous.holder }));
      fromGone = got;
    }
    if (!got) {
      if (previous) holders.set(platform, previous.holder);
      return false;
    }
    drop(platform);
    keep(platform, t + ms);
    holders.delete(platform);
    if (previous && previous.holder !== owner) {
      // The previous holder spent the budget until its lease's end at the latest; a dead one, until now at the latest.
      const lastMoment = fromGone ? Math.min(Date.parse(previous.expiresAt), t) : Date.parse(previous.expiresAt);
      const wait = lastMoment + handoverMs - t;
      if (wait > 0) for (const p of pacers) p.penalize(platform, undefined, wait);
      // What it sent to each group in the last minute counts here too (as of its last renewal or its release).
      const ages = Object.fromEntries(Object.entries(previous.recentSends ?? {}).map(([id, times]) => [id, times.map((at) => t - at)]));
      for (const p of pacers) p.absorb?.(platform, ages);
      logger.info({ platform, previous: previous.holder, waitMs: Math.max(0, wait) }, "took over the sender lease");
    }
    return true;
  }

  /** Platforms whose lease a busy standby found free on its last look: it claims on the next one if still free. */
  const foundFree = new Set<Platform>();
  /**
   * A standby's look at a lease. One busy sending another platform would send this one only after its job: it lets
   * an idle standby (looking as often) have one renewal period to take the lease first, then takes it itself.
   */
  async function look(platform: Platform): Promise<boolean> {
    const busy = [...held.keys()].some((p) => p !== platform);
    const seenFree = foundFree.delete(platform);
    if (!busy || held.has(platform) || seenFree) return ensure(platform);
    await clock.sync();
    const current = await store.get(platform);
    if (!current || judgeOwner(current.holder, current.expiresAt, iso(now())) !== "live") foundFree.add(platform);
    else holders.set(platform, current.holder);
    return false;
  }

  async function release(platform: Platform) {
    if (!held.has(platform)) return;
    drop(platform);
    try {
      await store.release(platform, owner, iso(now()), recentOf(platform));
    } catch (err) {
      logger.warn({ err, platform }, "could not release the sender lease; another process takes over when it runs out");
    }
  }

  return {
    ensure,
    holderOf: (platform) => holders.get(platform),
    standBy(platform) {
      if (stopped || standing.has(platform)) return;
      const timer = setInterval(() => {
        look(platform).then(
          (got) => {
            if (!got) return;
            clearInterval(timer);
            standing.delete(platform);
            options.onTakeOver();
          },
          (err: unknown) => logger.warn({ err, platform }, "could not look at the sender lease; trying again"),
        );
      }, renewMs);
      timer.unref();
      standing.set(platform, timer);
    },
    gate(inner) {
      pacers.push(inner);
      return {
        async acquire(platform, targetId, signal) {
          if (leased(platform) && !holds(platform) && !(await ensure(platform))) return false;
          const slot = await inner.acquire(platform, targetId, signal);
          // Lost while waiting for the slot: the new holder spends the budget now.
          if (slot && leased(platform) && !holds(platform)) slot.cancel();
          else return slot;
          return false;
        },
        // A request of an operation begun while holding: granting stops a renewal period before the lease runs out.
        acquireFollowUp: (platform, signal) => inner.acquireFollowUp(platform, signal),
        penalize: (platform, targetId, delayMs) => inner.penalize(platform, targetId, delayMs),
        waiting: (platform) => inner.waiting?.(platform) ?? 0,
      };
    },
    async releaseAll() {
      for (const platform of [...held.keys()]) await release(platform);
    },
    async stop() {
      stopped = true;
      for (const timer of standing.values()) clearInterval(timer);
      standing.clear();
      for (const platform of [...held.keys()]) await release(platform);
    },
  };
}
