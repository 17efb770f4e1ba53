// Pinning as a ledger part: planned after a post's messages, carried out by the sender once the header is sent, so a crash never loses or repeats it.
import type { Logger } from "../logger.js";
import type { LedgerStore, PartRow, SubscriptionStore } from "../storage/types.js";
import type { PostOptions } from "./post-options.js";
import { PublishError, type Publisher } from "./publisher.js";

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
}

/**
 * Carries out a pin part: resolves the header's message id from the ledger (it was sent just before), pins it and
 * unpins the header the bot pinned before (the subscription's `pinnedMessageId`), then records it as pinned.
 * Resumed after a crash: already recorded → nothing is called again; pinned but not recorded → the same message is
 * pinned again (a no-op on both platforms) and the previous one unpinned again. Resolves with the pinned message's id.
 * A missing permission is the publisher's `permanent` PublishError; the sender records it and goes on (`optional`).
 */
export async function performPin(publisher: Publisher, part: PartRow, deps: PinStepDeps, signal: AbortSignal, pace?: () => Promise<void>): Promise<{ messageId: string }> {
  if (!publisher.pin) throw new PublishError("permanent", `${part.platform}: this platform cannot pin messages`);
  const at = (part.payload as Partial<PinPayload> | undefined)?.pin ?? 0;
  const messageId = await deps.ledger.messageIdOf({ runId: part.runId, platform: part.platform, targetId: part.targetId, partIndex: at });
  if (!messageId) throw new PublishError("permanent", `${part.platform}: the message to pin (part ${at + 1}) was not sent`);
  const sub = await deps.subscriptions.get(part.platform, part.targetId);
  const previous = sub?.pinnedMessageId;
  if (previous === messageId) return { messageId };
  await publisher.pin(part.targetId, messageId, { signal, ...(previous ? { unpin: previous } : {}), ...(pace ? { pace } : {}) });
  if (sub) await deps.subscriptions.setPinned(part.platform, part.targetId, messageId, deps.now());
  deps.logger.info({ runId: part.runId, platform: part.platform, target: part.targetId, messageId, unpinned: previous }, "header pinned");
  return { messageId };
}
