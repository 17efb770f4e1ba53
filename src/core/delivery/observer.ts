// What the delivery engine tells an observer (metrics) about each send; every hook is optional and must not throw.
import type { Platform } from "../reply.js";

/** One part of a delivery, as observers see it. */
export interface ObservedPart {
  platform: Platform;
  targetId: string;
  runId: string;
  partIndex: number;
}

/**
 * Hooks the sender calls around each send. Injected with `createDeliveryEngine({ observer })`.
 *
 * @example
 * const observer: DeliveryObserver = { sent: (part) => sentTotal.inc({ platform: part.platform }) };
 */
export interface DeliveryObserver {
  /** The platform accepted the part. */
  sent?(part: ObservedPart, at: Date): void;
  /** A send failed; `kind` as the publisher classified it. */
  failed?(part: ObservedPart, kind: "transient" | "rate-limited" | "permanent"): void;
  /** The part is sent again after a failure (a backoff or a 429 wait ended). */
  retried?(part: ObservedPart): void;
  /** The part was left pending for a later tick. */
  leftPending?(part: ObservedPart): void;
  /** This process took (`held`) or gave up the platform's sender lease (sender-lease.ts): which instance sends. */
  senderLease?(platform: string, held: boolean): void;
}
