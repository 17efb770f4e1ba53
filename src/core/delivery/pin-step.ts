// Pinning as a ledger part: planned after a post's messages, carried out by the sender once the header is sent, so a crash never loses or repeats it.
import type { Logger } from "../logger.js";
import type { LedgerStore, PartRow, SubscriptionStore } from "../storage/types.js";
import type { PostOptions } from "./post-options.js";
import { PublishError, type Publisher } from "./publisher.js";
import type { TargetLocks } from "./target-locks.js";

/** The payload of a pin part: which part of the same run and target holds the message to pin (the header, 0). */
export interface PinPayload {
  pin: number;
}

/**
 * The parts of a post with its pin step: the messages, then — when `options.pin` and the platform can pin — one
 * `pin` part naming the header. Last, so the platform's "pinned a message" notice does not split the post and the
 * sections never wait behind a pin.
 *
 * @example
 * withPinStep(["header", "s1"], { pin: true }, telegramPublisher);
 * // { payloads: ["header", "s1", { pin: 0 }], operations: ["send", "send", "pin"] }
 */
export function withPinStep(payloads: readonly unknown[], options: PostOptions | undefined, publisher: Pick<Publisher, "pin">): { payloads: unknown[]; operations?: ("send" | "pin")[] } {
  if (!options?.pin || !publisher.pin || payloads.length === 0) return { payloads: [...payloads] };
  const pin: PinPayload = { pin: 0 };
  return { payloads: [...payloads, pin], operations: [...payloads.map(() => "send" as const), "pin"] };
}

export interface PinStepDeps {
  ledger: Pick<LedgerStore, "messageIdOf">;
  subscriptions: Pick<SubscriptionStore, "get" | "setPinned">;
  now: () => string;
  logger: Logger;
  /** Shared with the unsubscribe: one of the two at a time per target in this process. */
  locks?: TargetLocks;
}

/**
 * Carries out a pin part: resolves the header's message id from the ledger (it was sent just before), pins it and
 * unpins the header the bot pinned before (the subscription's `pinnedMessageId`), then records it as pinned.
 * Resumed after a crash: already recorded → nothing is called again; pinned but not recorded → the same message is
 * pinned again (a no-op on both platforms) and the previous one unpinned again. Resolves with the pinned message's id.
 * A missing permission is the publisher's `permanent` PublishError; the sender records it and goes on (`optional`).
 * Never outlives an unsubscribe: in this process the unsubscribe waits for it (`locks`); one made by another
 * instance while the pin was on its way is seen after it, and the header is unpinned again.
 */
export async function performPin(publisher: Publisher, part: PartRow, deps: PinStepDeps, signal: AbortSignal, pace?: () => Promise<void>): Promise<{ messageId: string }> {
  const pin = () => pinHeader(publisher, part, deps, signal, pace);
  return deps.locks ? deps.locks.run(part, pin) : pin();
}

const isSubscribed = (sub: { enabled: boolean } | undefined) => sub?.enabled === true;

async function pinHeader(publisher: Publisher, part: PartRow, deps: PinStepDeps, signal: AbortSignal, pace?: () => Promise<void>): Promise<{ messageId: string }> {
  if (!publisher.pin) throw new PublishError("permanent", `${part.platform}: this platform cannot pin messages`);
  const at = (part.payload as Partial<PinPayload> | undefined)?.pin ?? 0;
  const messageId = await deps.ledger.messageIdOf({ runId: part.runId, platform: part.platform, targetId: part.targetId, partIndex: at });
  if (!messageId) throw new PublishError("permanent", `${part.platform}: the message to pin (part ${at + 1}) was not sent`);
  const where = { runId: part.runId, platform: part.platform, target: part.targetId, messageId };
  const sub = await deps.subscriptions.get(part.platform, part.targetId);
  // Only a subscription's posts are pinned (pin-step parts come from its options): one unsubscribed since pins nothing.
  if (!isSubscribed(sub)) throw new PublishError("permanent", `${part.platform}: the target was unsubscribed before its header was pinned`);
  const previous = sub?.pinnedMessageId;
  if (previous === messageId) return { messageId };
  await publisher.pin(part.targetId, messageId, { signal, ...(previous ? { unpin: previous } : {}), ...(pace ? { pace } : {}) });
  if (!isSubscribed(await deps.subscriptions.get(part.platform, part.targetId))) {
    // Unsubscribed (by another instance) while the pin was on its way: its unpin came first, so this one is undone here.
    await publisher.unpin?.(part.targetId, messageId, { signal });
    deps.logger.warn(where, "unpinned the header again: the target was unsubscribed while it was being pinned");
    return { messageId };
  }
  await deps.subscriptions.setPinned(part.platform, part.targetId, messageId, deps.now());
  deps.logger.info({ ...where, unpinned: previous }, "header pinned");
  return { messageId };
}
