// Carries out the open parts of one target in order (any operation on a target), with the ledger marks that make delivery exactly once, pacing and the one retry policy.
import type { Logger } from "../logger.js";
import { PublishAborted, PublishError } from "./publisher.js";
import type { LeaseStore, LedgerStore, PartRow } from "../storage/types.js";
import { judgeOwner, LEASE_MS, LEASE_RENEW_MS } from "./owner.js";
import type { Pacer, Slot } from "./pacing.js";

/**
 * After a stop aborts the signal, how long a platform operation that ignores the signal is still awaited before the
 * part is left in-flight (reconciled on the next start): well inside the 3 s a stop may take.
 */
export const STOP_GRACE_MS = 1500;
import type { DeliveryObserver } from "./observer.js";

/** Retry policy for one run; every delay is configurable so tests run in milliseconds. */
export interface RetryOptions {
  /** Sends tried per part in one run when they fail transiently (5xx, network, timeout). Default 4. */
  maxAttempts: number;
  /** First backoff delay; doubles each attempt, with jitter (50–100 % of it). Default 1000 ms. */
  baseDelayMs: number;
  /** Cap of one backoff delay. Default 30 000 ms. */
  maxDelayMs: number;
  /** 429 answers honoured per part in one run before it is left pending for the next tick. Default 5. */
  maxRateLimitWaits: number;
  /** Longest 429 wait honoured in-run; a longer one leaves the part pending for a later tick. Default 600 000 ms. */
  maxRateLimitWaitMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRateLimitWaits: 5,
  maxRateLimitWaitMs: 600_000,
};

/** How a target's open parts ended this time. */
export type SendOutcome =
  | { type: "done"; sent: number }
  /** A part is still pending (will be retried on the next tick); later parts wait behind it. */
  | { type: "pending"; sent: number; error: string }
  /** The target refused for good (removed, no permission); the caller disables it. */
  | { type: "permanent"; sent: number; error: string }
  /** Another live digest-bot process is sending this target's next part; it sends the rest, in order. */
  | { type: "busy"; sent: number }
  | { type: "stopped"; sent: number }
  /** Another digest-bot process holds this platform's sender lease (spends the bot's budget); it sends these. */
  | { type: "standby"; sent: number; holder: string | undefined };

/**
 * One operation on a target, as the sender carries it out: today a post (the publisher's `send`); revisions add
 * edits and deletes by dispatching on the part here. Everything the sender adds — pacing, claim, lease, retry,
 * possible-duplicate accounting, stop — applies to every operation alike.
 */
export interface PartOperation {
  /**
   * Performs the part's operation; resolves with the platform's message id. Throws PublishError / PublishAborted.
   * `earlierMessageIds`: the ids of the post's messages before this part (for a `send`; see SendOptions).
   */
  perform(part: PartRow, signal: AbortSignal, context: { earlierMessageIds: readonly string[]; pace: PaceRequest }): Promise<{ messageId: string }>;
  /** A repeat with the same idempotency key cannot show twice (Discord's nonce). */
  deduplicates: boolean;
  /** A part whose repeat cannot show twice whatever the platform (a pin): no possible-duplicate accounting. */
  idempotent?(part: PartRow): boolean;
  /**
   * A part whose permanent failure is recorded and skipped, not the target's end (a pin: the post itself went out,
   * so the subscription stays enabled and the next parts are sent).
   */
  optional?(part: PartRow): boolean;
  /** Looks the part up on the platform (after a crash left it in-flight); undefined when not found or not supported. */
  findSent?(part: PartRow, after: string | undefined, signal: AbortSignal, pace: PaceRequest): Promise<{ messageId: string } | undefined>;
}

/** Called by a publisher before each platform request of one operation (see the sender's `pacedRequests`). */
export type PaceRequest = () => Promise<void>;

export interface SenderDeps {
  /** Where the marks go: the delivery ledger, or the revision store's operations (revision-store.ts). */
  ledger: Pick<LedgerStore, "markSent" | "markFailed"> & Partial<Pick<LedgerStore, "previousMessageId" | "notePossibleDuplicate" | "earlierMessageIds" | "groupsSentMarks">>;
  leases: LeaseStore;
  logger: Logger;
  retry: RetryOptions;
  pacer: Pacer;
  now: () => string;
  /** Resolves after `ms`, or early (false) when the engine stops. */
  sleep: (ms: number) => Promise<boolean>;
  random: () => number;
  /** Aborted when the engine stops: passed to every platform operation. */
  signal: AbortSignal;
  /** This engine's claim owner id (owner.ts). */
  owner: string;
  /** Lease length and renewal period; default LEASE_MS / LEASE_RENEW_MS. */
  leaseMs?: number;
  leaseRenewMs?: number;
  /** Default {@link STOP_GRACE_MS}. */
  stopGraceMs?: number;
  /** Told about each send (metrics); optional. */
  observer?: DeliveryObserver;
}

/**
 * Carries out `parts` (the target's open parts, oldest run first) one by one:
 * wait for a paced slot → claim (in-flight, leased) → perform with the part's idempotency key and the stop signal →
 * mark sent with the platform's message id.
 * A part found `in-flight` was interrupted mid-send by a crash or a stop: where the platform can read back
 * (Discord) it is looked up first and marked sent if it is there; otherwise it is sent again with the same key
 * (Discord de-duplicates by nonce; Telegram cannot: logged at warn and counted as a possible duplicate) — unless
 * the engine that claimed it may still be sending (its lease has not run out and it is not provably gone).
 * Claims are conditional on the part being as read, so two engines never both send it.
 */
export async function sendParts(operation: PartOperation, parts: PartRow[], deps: SenderDeps): Promise<SendOutcome> {
  let sent = 0;
  for (const part of parts) {
    if (deps.signal.aborted) return { type: "stopped", sent };
    const result = await sendPart(operation, part, deps);
    if (result.type === "sent") {
      sent++;
      continue;
    }
    if (result.type === "stopped" || result.type === "busy") return { type: result.type, sent };
    if (result.type === "permanent" && operation.optional?.(part)) {
      deps.logger.warn({ runId: part.runId, platform: part.platform, target: part.targetId, operation: part.operation, error: result.error }, "optional part failed for good; recorded, the rest goes on");
      continue;
    }
    return { type: result.type, sent, error: result.error };
  }
  return { type: "done", sent };
}

type PartOutcome = { type: "sent" } | { type: "stopped" } | { type: "busy" } | { type: "pending" | "permanent"; error: string };

async function sendPart(operation: PartOperation, part: PartRow, deps: SenderDeps): Promise<PartOutcome> {
  const { ledger, logger, retry } = deps;
  const where = { runId: part.runId, platform: part.platform, target: part.targetId, part: `${part.partIndex + 1}/${part.partCount}` };
  let takeOver = false;
  if (part.status === "in-flight" && part.claimedBy && part.claimedBy !== deps.owner) {
    const verdict = judgeOwner(part.claimedBy, part.leaseExpiresAt, deps.now());
    if (verdict === "live") {
      logger.info({ ...where, owner: part.claimedBy, leaseExpiresAt: part.leaseExpiresAt }, "part is being sent by another running digest-bot process; leaving it to that one");
      return { type: "busy" };
    }
    takeOver = verdict === "gone";
    logger.info({ ...where, owner: part.claimedBy, verdict }, "taking over a part whose owner stopped");
  }
  /** The platform may already have this part: set after a crash/stop mid-send and after an ambiguous failure. */
  let maybePosted = part.status === "in-flight";
  // Reading back needs the previous part's message id, which only the delivery ledger keeps.
  let reconcile = maybePosted && operation.findSent !== undefined && deps.ledger.previousMessageId !== undefined;
  let transientFailures = 0;
  let rateLimitWaits = 0;
  const observed = { platform: part.platform, targetId: part.targetId, runId: part.runId, partIndex: part.partIndex };
  const notify = (hook: (o: DeliveryObserver) => void) => {
    try {
      if (deps.observer) hook(deps.observer);
    } catch {
      // Metrics must never break a delivery.
    }
  };
  const seen = { status: part.status, attempts: part.attempts };
  const deduplicates = operation.deduplicates || operation.idempotent?.(part) === true;
  // The parts before this one are sent (a target's parts go in order), so their ids are final: read once, before
  // the paced slot, so no ledger read sits between a granted slot and its request.
  const isSend = (part.operation ?? "send") === "send";
  const earlierMessageIds = isSend && part.partIndex > 0 && ledger.earlierMessageIds ? await ledger.earlierMessageIds(part) : [];
  for (;;) {
    // Pacing comes before the claim: a stop while waiting for a slot leaves the part exactly as it was.
    const slot = await deps.pacer.acquire(part.platform, part.targetId, deps.signal);
    if (!slot) return { type: "stopped" };
    const requests = pacedRequests(slot, part, deps);
    let result: { messageId: string } | { failure: PublishError };
    try {
      const now = deps.now();
      const claim = { owner: deps.owner, now, leaseUntil: leaseUntil(now, deps.leaseMs ?? LEASE_MS), takeOver };
      if (!(await deps.leases.claim(part, seen, claim))) {
        logger.info(where, "part was claimed by another digest-bot process; leaving it to that one");
        return { type: "busy" };
      }
      takeOver = false;
      seen.status = "in-flight";
      if (deps.signal.aborted) {
        // Stopped during the claim, before anything went out: back to pending, so the next start does not take it for a possible duplicate.
        if (!maybePosted) await ledger.markFailed(part, "pending", "stopped before it was sent", deps.now()).catch(() => undefined);
        return { type: "stopped" };
      }
      if (seen.attempts > part.attempts) notify((o) => o.retried?.(observed));
      seen.attempts++;
      try {
        if (reconcile) {
          reconcile = false;
          const after = await ledger.previousMessageId!(part);
          requests.started = true;
          const found = await whileLeased(part, deps, () => untilStopped(operation.findSent!(part, after, deps.signal, requests.pace), deps));
          if (found) {
            requests.finish();
            await markSentPersistently(part, found.messageId, deps);
            notify((o) => o.sent?.(observed, new Date(deps.now())));
            logger.info({ ...where, messageId: found.messageId }, "found the in-flight part already posted; marked sent without posting it again");
            return { type: "sent" };
          }
        }
        if (maybePosted && !deduplicates) {
          await ledger.notePossibleDuplicate?.(part, deps.now());
          logger.warn(
            { ...where, key: part.idempotencyKey, possibleDuplicate: true },
            seen.attempts === part.attempts + 1 && part.status === "in-flight"
              ? "re-sending a message that was in flight when the bot stopped; the platform cannot de-duplicate, so it may show twice (counted as a possible duplicate)"
              : "re-sending a message after an ambiguous failure (the platform may have posted it); it may show twice (counted as a possible duplicate)",
          );
        } else if (maybePosted) {
          logger.info({ ...where, key: part.idempotencyKey }, "re-sending a message that may have been posted, with the same idempotency key (the platform drops a repeat)");
        }
        requests.started = true;
        result = await whileLeased(part, deps, () => untilStopped(operation.perform(part, deps.signal, { earlierMessageIds, pace: requests.pace }), deps));
      } catch (err) {
        if (err instanceof PublishAborted || deps.signal.aborted) {
          // Its fate is unknown: left in-flight under this owner, released at stop, so the next start reconciles it.
          logger.warn({ ...where }, "stopped while a message was being sent; left in flight for the next start to reconcile");
          return { type: "stopped" };
        }
        result = {
          failure:
            err instanceof PublishError
              ? err
              : new PublishError("transient", `unexpected error from the ${part.platform} publisher: ${(err as Error)?.message ?? String(err)}`, undefined, { cause: err }),
        };
      }
    } finally {
      // The platform answered (or the request failed): the slot's windows start now. A slot nothing was sent on is given back.
      requests.finish();
    }
    if ("messageId" in result) {
      // Outside the send's try: a failing ledger write is not a failed send (re-sending would post it twice).
      await markSentPersistently(part, result.messageId, deps);
      notify((o) => o.sent?.(observed, new Date(deps.now())));
      logger.debug({ ...where, messageId: result.messageId }, "part sent");
      return { type: "sent" };
    }
    const { failure } = result;
    const error = failure.message;
    notify((o) => o.failed?.(observed, failure.kind));
    if (failure.kind === "permanent") {
      await ledger.markFailed(part, "failed-permanent", error, deps.now());
      logger.error({ ...where, error }, "permanent delivery failure");
      return { type: "permanent", error };
    }
    await ledger.markFailed(part, "pending", error, deps.now());
    seen.status = "pending";
    maybePosted = failure.ambiguous;
    let delay: number;
    if (failure.kind === "rate-limited") {
      rateLimitWaits++;
      delay = failure.retryAfterMs ?? retry.baseDelayMs;
      deps.pacer.penalize(part.platform, part.targetId, delay);
      if (rateLimitWaits > retry.maxRateLimitWaits || delay > retry.maxRateLimitWaitMs) {
        logger.warn({ ...where, error, retryAfterMs: delay }, "rate limited; part left pending for the next tick");
        notify((o) => o.leftPending?.(observed));
        return { type: "pending", error };
      }
      logger.info({ ...where, retryAfterMs: delay }, "rate limited; waiting as told");
    } else {
      transientFailures++;
      if (transientFailures >= retry.maxAttempts) {
        if (maybePosted && !deduplicates) {
          // Pending parts are always sent again: count the possible duplicate now, while it is known to be one.
          await ledger.notePossibleDuplicate?.(part, deps.now());
          logger.warn({ ...where, error, attempts: transientFailures, possibleDuplicate: true }, "send keeps failing ambiguously; part left pending for the next tick, where it may show twice");
        } else {
          logger.warn({ ...where, error, attempts: transientFailures }, "send keeps failing; part left pending for the next tick");
        }
        notify((o) => o.leftPending?.(observed));
        return { type: "pending", error };
      }
      // Equal jitter: between half and all of the exponential cap, so retries from many targets spread out.
      const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (transientFailures - 1));
      delay = Math.round(cap / 2 + (deps.random() * cap) / 2);
      logger.info({ ...where, error, delayMs: delay, attempt: seen.attempts }, "transient send failure; backing off");
    }
    if (!(await deps.sleep(delay))) return { type: "stopped" };
  }
}

/**
 * The requests of one attempt at a part. The sender's slot pays for the first request; `pace` is called by a
 * publisher before each of its requests, and from the second one on it ends the previous request's slot (requests
 * of one operation go one after another) and waits for a follow-up slot of the platform's budget.
 */
function pacedRequests(slot: Slot, part: PartRow, deps: SenderDeps) {
  let current = slot;
  let paced = 0;
  let over = false;
  const state = {
    /** Set once a request may have gone out on the slot (a publisher that does not call `pace` sends one on it). */
    started: false,
    async pace(): Promise<void> {
      if (over) throw new PublishAborted("a request after its part was over");
      state.started = true;
      if (paced++ === 0) return;
      current.done();
      const next = await deps.pacer.acquireFollowUp(part.platform, deps.signal);
      if (!next) throw new PublishAborted(`${part.platform}: stopped while waiting for a request slot`);
      if (over) {
        next.cancel();
        throw new PublishAborted("a request after its part was over");
      }
      current = next;
    },
    finish() {
      if (over) return;
      over = true;
      if (state.started) current.done();
      else current.cancel();
    },
  };
  return state;
}

/**
 * Records a send the platform confirmed, retrying a failing write (a database blip) a few times: a lost mark means
 * the part is sent again after a restart. If it still fails, the error ends the tick with the part in-flight. While
 * other sends wait for the budget, on SQLite the first write goes with the next one's claim (one disk sync for both).
 */
async function markSentPersistently(part: PartRow, messageId: string, deps: SenderDeps): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const withNextClaim = attempt === 1 && deps.ledger.groupsSentMarks === true && (deps.pacer.waiting?.(part.platform) ?? 0) > 0;
      if (withNextClaim) deps.logger.debug({ runId: part.runId, target: part.targetId, part: part.partIndex + 1, messageId }, "part sent; recorded with the next claim");
      await deps.ledger.markSent(part, messageId, deps.now(), { withNextClaim });
      return;
    } catch (err) {
      if (attempt >= MARK_SENT_ATTEMPTS) throw err;
      deps.logger.warn({ err, runId: part.runId, target: part.targetId, messageId }, "could not record a sent message; retrying");
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/** Writes tried to record one confirmed send. */
const MARK_SENT_ATTEMPTS = 3;

const leaseUntil = (nowIso: string, ms: number) => new Date(Date.parse(nowIso) + ms).toISOString();

/** The operation's result, or PublishAborted once the stop signal has been aborted for the grace period. */
function untilStopped<T>(operation: Promise<T>, deps: SenderDeps): Promise<T> {
  const { signal } = deps;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    const arm = () => {
      timer = setTimeout(() => reject(new PublishAborted("stopped while the platform was still answering")), deps.stopGraceMs ?? STOP_GRACE_MS);
    };
    if (signal.aborted) arm();
    else {
      onAbort = arm;
      signal.addEventListener("abort", onAbort, { once: true });
    }
  });
  stopped.catch(() => undefined);
  return Promise.race([operation, stopped]).finally(() => {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener("abort", onAbort);
  });
}

/** Runs a send while renewing this engine's lease on the part, so a long send (a 429 wait inside a client) keeps it. */
async function whileLeased<T>(part: PartRow, deps: SenderDeps, send: () => Promise<T>): Promise<T> {
  const leaseMs = deps.leaseMs ?? LEASE_MS;
  const timer = setInterval(() => {
    deps.leases.renew(part, deps.owner, leaseUntil(deps.now(), leaseMs)).then(
      (held) => {
        if (!held) deps.logger.warn({ runId: part.runId, target: part.targetId, part: part.partIndex + 1 }, "lost the lease on a part while sending it");
      },
      (err: unknown) => {
        // The store is gone (closed at a crash-like stop) or unreachable: further renewals would fail the same way.
        clearInterval(timer);
        deps.logger.warn({ err, runId: part.runId }, "could not renew the lease on a part; another process may take it over");
      },
    );
  }, deps.leaseRenewMs ?? LEASE_RENEW_MS);
  timer.unref();
  try {
    return await send();
  } finally {
    clearInterval(timer);
  }
}
