// Flushing: sends the open parts of many targets at once, each target in order, all within the platforms' paced budget.
import type { Logger } from "../logger.js";
import type { Platform } from "../reply.js";
import type { PartRow, Storage } from "../storage/types.js";
import { performPin, type PinStepDeps } from "./pin-step.js";
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
}

export interface Flusher {
  /** Sends one target's open parts; a permanent failure disables its subscription and drops what is left for it. */
  flushTarget(target: TargetKey): Promise<SendOutcome | undefined>;
  /**
   * Flushes many targets: platforms side by side, up to `concurrency` targets of each at once, so a slow or failing
   * target never holds the others. Outcomes in the order of `targets`.
   */
  flushTargets(targets: readonly TargetKey[]): Promise<(SendOutcome | undefined)[]>;
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
    const pin: PinStepDeps = { ledger, subscriptions, now: nowIso, logger };
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

  async function flushTargets(targets: readonly TargetKey[]) {
    const outcomes: (SendOutcome | undefined)[] = new Array(targets.length);
    const byPlatform = new Map<Platform, number[]>();
    targets.forEach((t, i) => {
      const list = byPlatform.get(t.platform) ?? [];
      list.push(i);
      byPlatform.set(t.platform, list);
    });
    await Promise.all(
      [...byPlatform.entries()].map(async ([platform, indexes]) => {
        const lease = deps.senderLease;
        if (lease && !(await lease.ensure(platform))) {
          // Another instance spends this bot's budget: it sends these (this one takes over if it stops or dies).
          const holder = lease.holderOf(platform);
          logger.info({ platform, holder, targets: indexes.length }, "another digest-bot process holds the sender lease; standing by");
          for (const i of indexes) outcomes[i] = { type: "standby", sent: 0, holder };
          lease.standBy(platform);
          return;
        }
        let next = 0;
        const worker = async () => {
          while (next < indexes.length && !deps.sender.signal.aborted) {
            const i = indexes[next++]!;
            try {
              outcomes[i] = await flushTarget(targets[i]!);
            } catch (err) {
              // A store error on one target is logged; the others go on and this one is retried on the next tick.
              logger.error({ err, platform: targets[i]!.platform, target: targets[i]!.targetId }, "could not flush a target; retrying on the next tick");
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, indexes.length) }, worker));
      }),
    );
    return outcomes;
  }

  return { flushTarget, flushTargets };
}
