// Deliveries on request (repost, `deliver`): one run to one target or every subscription, planned in batches while the first targets are already sent.
import type { Config } from "../config.js";
import type { DigestArchive } from "../digest/archive.js";
import type { Logger } from "../logger.js";
import type { Platform } from "../reply.js";
import type { LedgerStore, PartRow, RunKind, Subscription, SubscriptionStore } from "../storage/types.js";
import type { RepostRequest, RepostResult } from "./control.js";
import { DeliveryError, noPublisher } from "./delivery-error.js";
import { effectiveOptions, forRepost, forSectionRepost } from "./effective-options.js";
import { keyOf, type Flusher } from "./flushing.js";
import { newRunId } from "./ledger.js";
import { isPlanFailure, planningBatches, type PlanRequest, type Planner } from "./planning.js";
import type { Publisher } from "./publisher.js";

/** A delivery from a shell or an admin: like a repost, with the run kind recorded. */
export interface DeliverRequest extends RepostRequest {
  kind?: RunKind;
}

export interface OnRequestDeps {
  archive: DigestArchive;
  config: Config;
  ledger: LedgerStore;
  subscriptions: SubscriptionStore;
  logger: Logger;
  publishers: ReadonlyMap<Platform, Publisher>;
  planner: Planner;
  flusher: Flusher;
  ready: Promise<void>;
  stopped: () => boolean;
  /** Runs the job after the engine's other jobs (ticks, deliveries): their sends never interleave. */
  exclusive: <T>(job: () => Promise<T>) => Promise<T>;
}

type Target = { platform: Platform; targetId: string; sections?: number[] | undefined; sub?: Subscription };

/**
 * Delivers a digest now as a new run: validated, then planned batch by batch (planning.ts) with each batch's
 * targets flushed as soon as it is committed. A batch that still fails after its retries ends the planning: what
 * was planned is sent, then the error is thrown (the rest can be asked for again).
 */
export async function deliverOnRequest(deps: OnRequestDeps, request: DeliverRequest): Promise<RepostResult> {
  const { archive, config, ledger, logger, publishers } = deps;
  if (deps.stopped()) throw new DeliveryError("delivery: the bot is shutting down; try again after it restarts");
  await deps.ready;
  const kind = request.kind ?? "repost";
  const digest = request.date ? archive.get(request.date) : archive.latest();
  if (!digest) {
    throw new DeliveryError(request.date ? `delivery: there is no digest for ${request.date}` : "delivery: no digest is loaded yet");
  }
  const { sectionIndex } = request;
  if (sectionIndex !== undefined && (!Number.isInteger(sectionIndex) || sectionIndex < 0 || sectionIndex >= digest.sections.length)) {
    throw new DeliveryError(`delivery: the ${digest.date} digest has sections 1–${digest.sections.length}; got ${sectionIndex + 1}`);
  }
  let targets: Target[];
  if (request.to === "all-subscriptions") {
    const subs = (await deps.subscriptions.list()).filter((s) => s.enabled && publishers.has(s.platform));
    // A damaged row would be posted without its filter and options: left out, with the reason.
    for (const s of subs) if (s.problem) logger.error({ platform: s.platform, target: s.targetId }, `not delivered to ${s.platform}:${s.targetId}: ${s.problem}`);
    targets = subs.filter((s) => !s.problem).map((sub) => ({ ...sub, sub }));
  } else {
    if (!publishers.has(request.to.platform)) throw noPublisher(request.to.platform);
    // A subscribed target gets its post as its daily post arrives (silent, pinned, in its thread, …).
    const sub = await deps.subscriptions.get(request.to.platform, request.to.id);
    targets = [{ platform: request.to.platform, targetId: request.to.id, ...(sub ? { sub } : {}) }];
  }
  return deps.exclusive(async () => {
    const runId = newRunId(kind, digest.date);
    const planned: Target[] = [];
    const unmatched: RepostResult["unmatched"] = [];
    const extra: { sectionIndex?: number; requestedBy?: string } = {};
    if (sectionIndex !== undefined) extra.sectionIndex = sectionIndex;
    if (request.requestedBy) extra.requestedBy = request.requestedBy;
    const session = deps.flusher.open();
    let failure: unknown;
    for (const batch of planningBatches(targets)) {
      if (deps.stopped()) break;
      const requests: PlanRequest[] = batch.map((target) => {
        // An explicit section is what was asked for: no keyword filter, and no pin (it is not the day's post); nor is
        // an older digest's repost. A whole-digest repost to every subscription keeps each one's section filter.
        const own = effectiveOptions(target.sub, config);
        const options = sectionIndex !== undefined ? forSectionRepost(own) : forRepost(own, digest.date === archive.latest()?.date);
        const sections = sectionIndex !== undefined ? [sectionIndex] : target.sections;
        return { kind, runId, platform: target.platform, targetId: target.targetId, options, digest, sections, extra };
      });
      let results;
      try {
        results = await deps.planner.planMany(requests);
      } catch (err) {
        failure = err;
        break;
      }
      const fresh = batch.filter((_, i) => results[i] === "planned");
      planned.push(...fresh);
      batch.forEach((t, i) => results[i] === "no-match" && unmatched.push({ platform: t.platform, id: t.targetId }));
      session.add(fresh, { again: true });
      // A request names its targets: one that cannot be planned fails the request (after the others' posts are sent).
      const failed = results.find(isPlanFailure);
      if (failed) {
        failure = failed.failed;
        break;
      }
    }
    logger.info({ runId, kind, date: digest.date, targets: planned.length, requestedBy: request.requestedBy }, "delivery run planned");
    const outcomes = await session.close();
    if (failure !== undefined) throw failure;
    // This run's parts, read once for every target (one query, not one per target).
    const parts = new Map<string, PartRow[]>();
    for (const part of await ledger.runParts(runId)) {
      const key = keyOf(part);
      const list = parts.get(key);
      if (list) list.push(part);
      else parts.set(key, [part]);
    }
    const pending: RepostResult["pending"] = [];
    let messagesSent = 0;
    for (const target of planned) {
      const outcome = outcomes.get(keyOf(target));
      const mine = parts.get(keyOf(target)) ?? [];
      messagesSent += mine.filter((p) => p.status === "sent" && p.operation !== "pin").length;
      const unsent = mine.find((p) => p.status !== "sent" && !(p.operation === "pin" && p.status === "failed-permanent"));
      if (unsent) {
        const error =
          outcome?.type === "busy"
            ? "another running digest-bot process is sending to this target; it sends these too"
            : outcome?.type === "standby"
              ? `another running digest-bot process holds the ${target.platform} sender lease (one sender per bot token); it sends these`
              : (unsent.lastError ?? (outcome?.type === "stopped" || deps.stopped() ? "stopped before sending" : "waiting behind an earlier run"));
        pending.push({ target: { platform: target.platform, id: target.targetId }, error });
      }
    }
    return { runId, targets: planned.length, messagesSent, pending, ...(unmatched.length > 0 ? { unmatched } : {}) };
  });
}
