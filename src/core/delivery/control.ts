// What admin commands may ask of the delivery engine: repost, subscriptions and status.
import type { PendingDelivery, Platform, TargetStatus } from "../reply.js";
import type { PostOptionsPatch } from "./effective-options.js";

export interface TargetRef {
  platform: Platform;
  id: string;
}

export interface RepostRequest {
  /** Digest date; default the latest digest. */
  date?: string;
  /** Section index (0-based) to repost alone; default the whole digest. */
  sectionIndex?: number;
  /** Where to post: one target, or every enabled subscription. */
  to: TargetRef | "all-subscriptions";
  /** Who asked, for the ledger/log. */
  requestedBy?: string;
}

export interface RepostResult {
  runId: string;
  targets: number;
  messagesSent: number;
  /** Parts left pending (will be retried), with the reason. */
  pending: { target: TargetRef; error: string }[];
  /** Subscribed targets that got nothing because no story matched their keywords. */
  unmatched?: TargetRef[];
}

/** The delivery engine's admin surface; implemented in src/core/delivery/. */
export interface DeliveryControl {
  repost(request: RepostRequest): Promise<RepostResult>;
  /**
   * Subscribes a target; `sections` are 0-based section indexes: undefined keeps the filter it has (all for a new
   * one), `[]` means every section. Re-enables a disabled target.
   */
  subscribe(target: TargetRef, sections?: number[]): Promise<void>;
  /**
   * False when the target was not subscribed. Otherwise true, or — when the bot had pinned a header there — the
   * header it unpinned, or why it could not (a missing permission: the target is unsubscribed all the same).
   */
  unsubscribe(target: TargetRef): Promise<boolean | { unpinned: string } | { unpinError: string }>;
  /** Subscriptions, and reposts/manual deliveries still pending (`pending`, omitted by simple implementations). */
  status(): Promise<{ nextRun?: string; targets: TargetStatus[]; pending?: PendingDelivery[] }>;
  /**
   * Overrides when one subscribed target gets its post (undefined fields = back to POST_CRON / POST_TIMEZONE).
   * Optional so simple implementations (test doubles) may leave it out; `/subscribe cron:… timezone:…` needs it.
   */
  setSchedule?(target: TargetRef, schedule: { cron?: string; timezone?: string }): Promise<void>;
  /**
   * Changes a subscribed target's own delivery options (delivery/post-options.ts): fields given are set, `null`
   * clears one, the rest are kept. Refuses options of another platform and too many or too long keywords.
   * Optional like `setSchedule`; `/subscribe silent:… pin:… keywords:…` needs it.
   */
  setOptions?(target: TargetRef, patch: PostOptionsPatch): Promise<void>;
  /** One target's status (a key lookup, unlike `status()`); undefined when it is not subscribed. */
  targetStatus?(target: TargetRef): Promise<TargetStatus | undefined>;
}
