// Flushing: sends the open parts of many targets at once, each target in order, all within the platforms' paced budget.
import type { Logger } from "../logger.js";
import type { Platform } from "../reply.js";
import type { PartRow, Storage } from "../storage/types.js";
import { performPin, type PinStepDeps } from "./pin-step.js";
import type { TargetLocks } from "./target-locks.js";
import { PublishError, type Publisher } from "./publisher.js";
import { sendParts, type PaceRequest, type PartOperation, type SendOutcome, type SenderDeps } from "./sender.js";
import type { SenderLease } from "./sender-lease.js";

/**
 * Targets of one platform in progress at once. The pacer decides when each message goes out; this only bounds
 * open requests and ledger work in hand. Enough to keep Telegram's 30 messages/s busy while each chat waits its 1 s.
 */
export const FLUSH_CONCURRENCY = 64;

/** A target with its platform. */
export interface TargetKey {
  platform: Platform;
  targetId: string;
}

export interface FlusherDeps {
  storage: Storage;
  publishers: ReadonlyMap<Platform, Publisher>;
  sender: SenderDeps;
  logger: Logger;
  nowIso: () => string;
  /** Default {@link FLUSH_CONCURRENCY}. */
  concurrency?: number;
  /** Only the holder of a platform's sender lease sends there; the others stand by. */
  senderLease?: SenderLease;
  /** Shared with the unsubscribe (target-locks.ts): a pin and an unsubscribe of one target never overlap. */
  pinLocks?: TargetLocks;
}

export interface Flusher {
  /** Sends one target's open parts; a permanent failure disables its subscription and drops what is left for it. */
  flushTarget(target: TargetKey): Promise<SendOutcome | undefined>;
  /**
   * Flushes many targets: platforms side by side, up to `concurrency` targets of each at once, so a slow or failing
   * target never holds the others. Outcomes in the order of `targets`.
   */
  flushTargets(targets: readonly TargetKey[]): Promise<(SendOutcome | undefined)[]>;
  /** A flush that takes targets while it runs (a broadcast being planned batch after batch): sending starts at once. */
  open(): FlushSession;
}

/**
 * Targets flushed as they are added, each target by one worker at a time (its parts in order), platforms side by
 * side, up to `concurrency` targets of each at once.
 */
export interface FlushSession {
  /**
   * Queues targets. A target already queued, being flushed or flushed in this session is not flushed twice, unless
   * `again` (new parts were planned for it): then it is flushed once more after the flush in hand.
   */
  add(targets: readonly TargetKey[], options?: { again?: boolean }): void;
  /** No more targets: resolves once every queued target is flushed, with the last outcome of each (by `keyOf`). */
  close(): Promise<Map<string, SendOutcome | undefined>>;
}

/** The key of a target in a session's outcomes. */
export const keyOf = (target: TargetKey) => `${target.platform}\u0000${target.targetId}`;

/** One platform's queue in a session. */
interface Lane {
  queue: TargetKey[];
  states: Map<string, "queued" | "running" | "again" | "done">;
  workers: Promise<void>[];
  /** Workers waiting for targets. */
  idle: number;
  /** Set when another instance holds the sender lease: every target of the lane stands by. */
  standby: { holder: string | undefined } | undefined;
  wake(): void;
  next(): Promise<void>;
  /** Resolves once the sender lease has been looked at. */
  ready: Promise<void>;
}

/**
 * A part's operation on the platform: a post (`send`), a delivery's `pin` of its header (pin-step.ts), or a
 * revision's `edit` / `delete` of a delivered message.
 */
async function perform(
  publisher: Publisher,
  part: PartRow,
  signal: AbortSignal,
  context: { earlierMessageIds: readonly string[]; pace: PaceRequest },
  pin: PinStepDeps | undefined,
): Promise<{ messageId: string }> {
  const operation = part.operation ?? "send";
  if (operation === "send") {
    return publisher.send(part.targetId, part.payload, { idempotencyKey: part.idempotencyKey, signal, earlierMessageIds: context.earlierMessageIds, pace: context.pace });
  }
  if (operation === "pin" && pin) return performPin(publisher, part, pin, signal, context.pace);
  const messageId = part.targetMessageId;
  if (messageId && operation === "edit" && publisher.edit) {
    await publisher.edit(part.targetId, messageId, part.payload, { pace: context.pace });
    return { messageId };
  }
  if (messageId && operation === "delete" && publisher.delete) {
    await publisher.delete(part.targetId, messageId, { pace: context.pace });
    return { messageId };
  }
  throw new PublishError("permanent", `${part.platform}: cannot ${operation} ${messageId ? `message ${messageId}` : "a message without an id"} there`);
}

/**
 * The sender's operation for a publisher's parts. `pin`: what a delivery's pin parts need (the delivery ledger and
 * subscriptions); revisions have none.
 */
export function operationFor(publisher: Publisher, pin?: PinStepDeps): PartOperation {
  const isPin = (part: PartRow) => part.operation === "pin";
  const op: PartOperation = {
    deduplicates: publisher.deduplicates ?? false,
    perform: (part, signal, context) => perform(publisher, part, signal, context, pin),
    // Pinning the same message again is a no-op, and a pin that cannot be done leaves the post delivered.
    idempotent: isPin,
    optional: isPin,
  };
  const findSent = publisher.findSent?.bind(publisher);
  if (findSent) {
    op.findSent = async (part, after, signal, pace) =>
      isPin(part) ? undefined : findSent(part.targetId, part.payload, {
        idempotencyKey: part.idempotencyKey,
        signal,
        pace,
        ...(after ? { after } : {}),
        ...(part.createdAt ? { plannedAt: part.createdAt } : {}),
      });
  }
  return op;
}

/**
 * The flusher of one engine.
 *
 * @example
 * const flusher = createFlusher({ storage, publishers, sender, logger, nowIso });
 * await flusher.flushTargets(await storage.ledger.targetsWithOpenParts());
 */
export function createFlusher(deps: FlusherDeps): Flusher {
  const { storage, publishers, logger, nowIso } = deps;
  const { ledger, subscriptions } = storage;
  const concurrency = deps.concurrency ?? FLUSH_CONCURRENCY;

  async function flushTarget({ platform, targetId }: TargetKey): Promise<SendOutcome | undefined> {
    const publisher = publishers.get(platform);
    if (!publisher) return undefined;
    const parts = await ledger.openParts(platform, targetId);
    if (parts.length === 0) return undefined;
    const pin: PinStepDeps = { ledger, subscriptions, now: nowIso, logger, ...(deps.pinLocks ? { locks: deps.pinLocks } : {}) };
    const outcome = await sendParts(operationFor(publisher, pin), parts, deps.sender);
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

  function open(): FlushSession {
    const outcomes = new Map<string, SendOutcome | undefined>();
    const lanes = new Map<Platform, Lane>();
    let closed = false;
    const wakeAll = () => {
      for (const lane of lanes.values()) lane.wake();
    };
    deps.sender.signal.addEventListener("abort", wakeAll, { once: true });

    function laneOf(platform: Platform): Lane {
      let lane = lanes.get(platform);
      if (lane) return lane;
      let wake = () => undefined as void;
      let woken = Promise.resolve();
      const rearm = () => (woken = new Promise<void>((resolve) => (wake = resolve)));
      rearm();
      const created: Lane = {
        queue: [],
        states: new Map(),
        workers: [],
        idle: 0,
        standby: undefined,
        wake: () => {
          wake();
          rearm();
        },
        next: () => woken,
        ready: Promise.resolve(),
      };
      lane = created;
      lanes.set(platform, lane);
      const leaseHolder = deps.senderLease;
      if (leaseHolder) {
        created.ready = (async () => {
          if (await leaseHolder.ensure(platform)) return;
          // Another instance spends this bot's budget: it sends these (this one takes over if it stops or dies).
          const holder = leaseHolder.holderOf(platform);
          created.standby = { holder };
          logger.info({ platform, holder, targets: created.queue.length }, "another digest-bot process holds the sender lease; standing by");
          leaseHolder.standBy(platform);
        })();
      }
      return lane;
    }

    async function work(lane: Lane) {
      await lane.ready;
      while (!deps.sender.signal.aborted) {
        const target = lane.queue.shift();
        if (!target) {
          if (closed) return;
          lane.idle++;
          await lane.next();
          lane.idle--;
          continue;
        }
        const key = keyOf(target);
        if (lane.standby) {
          outcomes.set(key, { type: "standby", sent: 0, holder: lane.standby.holder });
          lane.states.set(key, "done");
          continue;
        }
        lane.states.set(key, "running");
        try {
          outcomes.set(key, await flushTarget(target));
        } catch (err) {
          // A store error on one target is logged; the others go on and this one is retried on the next tick.
          logger.error({ err, platform: target.platform, target: target.targetId }, "could not flush a target; retrying on the next tick");
        }
        if (lane.states.get(key) === "again") {
          lane.states.set(key, "queued");
          lane.queue.push(target);
        } else lane.states.set(key, "done");
      }
    }

    return {
      add(targets, options) {
        if (closed) throw new Error("flush session: add() after close()");
        for (const target of targets) {
          const lane = laneOf(target.platform);
          const key = keyOf(target);
          const state = lane.states.get(key);
          if (state === "queued" || state === "again") continue;
          if (state === "running") {
            if (options?.again) lane.states.set(key, "again");
            continue;
          }
          if (state === "done" && !options?.again) continue;
          lane.states.set(key, "queued");
          lane.queue.push(target);
          if (lane.queue.length > lane.idle && lane.workers.length < concurrency) lane.workers.push(work(lane));
        }
        wakeAll();
      },
      async close() {
        closed = true;
        wakeAll();
        // No worker starts after this (a target flushed again goes back to a running worker's queue).
        await Promise.all([...lanes.values()].flatMap((l) => l.workers));
        deps.sender.signal.removeEventListener("abort", wakeAll);
        return outcomes;
      },
    };
  }

  async function flushTargets(targets: readonly TargetKey[]) {
    const session = open();
    session.add(targets);
    const outcomes = await session.close();
    return targets.map((t) => outcomes.get(keyOf(t)));
  }

  return { flushTarget, flushTargets, open };
}
