// Edits of sent personal alerts: the message telling a digest's "…and N more" is edited when that count changes after it went out.
import type { Logger } from "../logger.js";
import { judgeOwner, LEASE_MS, LEASE_RENEW_MS } from "./owner.js";
import type { AlertEdit, AlertEditStore } from "../storage/alert-edit-store.js";
import type { AlertPublisher } from "./alert-publisher.js";
import type { Pacer } from "./pacing.js";
import { PublishError } from "./publisher.js";

export interface AlertEditDeps {
  store: AlertEditStore;
  pacer: Pacer;
  signal: AbortSignal;
  logger: Logger;
  now: () => string;
  /** This engine's claim owner id (owner.ts): one edit of a message at a time, across instances. */
  owner: string;
  /** The database's clock for the claim's lease (default: `now`); lease length default {@link LEASE_MS}. */
  leaseNow?: () => string;
  leaseMs?: number;
  /** How often a claim is renewed while its edit is on its way; default {@link LEASE_RENEW_MS}. */
  leaseRenewMs?: number;
}

/**
 * Makes the user's waiting edits, oldest first, each on a paced slot of their chat, claimed on the alert's row
 * first and marked in the ledger once made: another instance's edit of the same message still on its way is left
 * to end first (the newer count is made after it, never overtaken by it). An edit is an idempotent replace, so one
 * made before a crash and made again after it shows once (no message is sent). A message that cannot be edited any more (deleted) is given up with a warning; a rate limit or a
 * transient failure leaves the rest for the next tick.
 *
 * @example
 * await editAlerts(telegramDm, "42", { store: storage.watches, pacer, signal, logger, now: () => new Date().toISOString(), owner: owner.id });
 */
export async function editAlerts(publisher: AlertPublisher, userId: string, deps: AlertEditDeps): Promise<void> {
  const { editDirect } = publisher;
  if (!editDirect) return;
  for (const edit of await deps.store.pendingEdits(publisher.platform, userId)) {
    const slot = await deps.pacer.acquire(publisher.platform, userId, deps.signal);
    if (!slot) return;
    const now = (deps.leaseNow ?? deps.now)();
    const leaseUntil = new Date(Date.parse(now) + (deps.leaseMs ?? LEASE_MS)).toISOString();
    let claimed = false;
    try {
      // An edit begun by an engine proven gone (a restart on this host) is made again at once: a replace repeats nothing.
      const gone = edit.claimedBy !== undefined && edit.claimedBy !== deps.owner && judgeOwner(edit.claimedBy, edit.leaseExpiresAt, now) === "gone";
      claimed = await deps.store.claimEdit(edit, { owner: deps.owner, now, leaseUntil, ...(gone ? { takeOverFrom: edit.claimedBy } : {}) });
    } finally {
      if (!claimed) slot.cancel();
    }
    // Changed since read, or being made elsewhere: the next tick reads it again.
    if (!claimed) continue;
    try {
      await whileClaimed(edit, deps, () => editDirect.call(publisher, userId, edit.messageId, edit.payload, { signal: deps.signal }));
    } catch (err) {
      if (!(err instanceof PublishError)) throw err;
      if (err.kind === "permanent") {
        deps.logger.warn({ platform: publisher.platform, user: userId, story: edit.key.runId, reason: err.message }, "a personal alert could not be edited to tell how many more stories matched; it is left as sent");
        await deps.store.markEdited(edit, deps.owner, deps.now(), err.message);
        continue;
      }
      if (err.kind === "rate-limited") deps.pacer.penalize(publisher.platform, userId, err.retryAfterMs ?? 1_000);
      deps.logger.info({ platform: publisher.platform, user: userId, story: edit.key.runId, reason: err.message }, "editing a personal alert failed; retrying on the next tick");
      return;
    } finally {
      slot.done();
    }
    await deps.store.markEdited(edit, deps.owner, deps.now());
  }
}

/**
 * Runs an edit while renewing this engine's claim on the message: a request waiting in its client (a 429 wait) past
 * the lease would otherwise let another instance make a newer count first, then land over it with the older one.
 */
async function whileClaimed(edit: AlertEdit, deps: AlertEditDeps, made: () => Promise<void>): Promise<void> {
  const leaseMs = deps.leaseMs ?? LEASE_MS;
  const timer = setInterval(() => {
    const until = new Date(Date.parse((deps.leaseNow ?? deps.now)()) + leaseMs).toISOString();
    deps.store.renewEdit(edit, deps.owner, until).then(
      (held) => {
        if (!held) deps.logger.warn({ user: edit.key.targetId, story: edit.key.runId }, "lost the claim on a personal alert's edit while making it");
      },
      (err: unknown) => {
        clearInterval(timer);
        deps.logger.warn({ err, story: edit.key.runId }, "could not renew the claim on a personal alert's edit; another process may take it over");
      },
    );
  }, deps.leaseRenewMs ?? LEASE_RENEW_MS);
  timer.unref();
  try {
    await made();
  } finally {
    clearInterval(timer);
  }
}
