// The storage interface: everything digest-bot persists (subscriptions, runs, the delivery ledger, claims), async and backend-neutral.
import type { Kysely } from "kysely";
import type { SearchPageCache } from "../paging.js";
import type { TelegramUpdateStore } from "./telegram-updates-store.js";
import type { PostOptionsPatch } from "../delivery/effective-options.js";
import type { PostOptions } from "../delivery/post-options.js";
import type { Platform } from "../reply.js";
import type { RevisionStore } from "./revision-store.js";
import type { StateTables } from "./schema.js";
import type { WatchStore } from "./watch-store.js";
import type { SenderLeaseStore } from "./sender-lease-store.js";

/** How a delivery run came about. */
export type RunKind = "scheduled" | "repost" | "manual";

/** Where one planned message stands. `in-flight` = claimed before the send, not yet confirmed. */
export type PartStatus = "pending" | "in-flight" | "sent" | "failed-permanent" | "skipped";

/**
 * What sending a part does: a new message (`send`, every delivery part); `pin`, a delivery part after the messages
 * that pins the one its payload names (`{ pin: 0 }`, the header) and unpins the previous one (delivery/pin-step.ts);
 * or — for parts of a revision — an edit or a delete of a message already delivered (revision-store.ts).
 */
export type PartOperation = "send" | "pin" | "edit" | "delete";

/** Which engine holds the state. */
export type StorageDialect = "sqlite" | "postgres";

export interface Subscription {
  platform: Platform;
  targetId: string;
  /** 0-based section indexes; undefined = all. */
  sections?: number[];
  cron?: string;
  timezone?: string;
  enabled: boolean;
  disabledReason?: string;
  source: "settings" | "command";
  createdAt: string;
  /** How the post arrives and what it carries (delivery/post-options.ts); undefined = every default. */
  options?: PostOptions;
  /** The header the bot pinned last in this target (unpinned when the next one is pinned). */
  pinnedMessageId?: string;
  /** Why a stored field could not be read (a damaged row): nothing is planned for it until the row is fixed. */
  problem?: string;
}

/** One planned message of one run for one target. */
export interface PartRow {
  runId: string;
  kind: RunKind;
  digestDate: string;
  platform: Platform;
  targetId: string;
  partIndex: number;
  partCount: number;
  status: PartStatus;
  messageId?: string;
  attempts: number;
  lastError?: string;
  payload: unknown;
  idempotencyKey: string;
  /** The engine that last claimed it (an owner id, see delivery/owner.ts). */
  claimedBy?: string;
  /** Until when that claim holds (ISO); a claim past it may be taken over. */
  leaseExpiresAt?: string;
  /** Default `send`. `edit` and `delete` act on `targetMessageId` (revision parts only). */
  operation?: PartOperation;
  /** The delivered message an `edit` or `delete` acts on. */
  targetMessageId?: string;
  /** When the part was planned (ISO). */
  createdAt?: string;
  /** Re-sends of this part after an ambiguous failure where the platform cannot de-duplicate. */
  possibleDuplicates?: number;
}

/** The key of one part. */
export type PartKey = Pick<PartRow, "runId" | "platform" | "targetId" | "partIndex">;

export interface RunSummary {
  runId: string;
  kind: RunKind;
  digestDate?: string;
  outcome: "planned" | "skipped";
  note?: string;
  createdAt: string;
  /** Aggregated over parts: sent, pending, failed, skipped. */
  status: "sent" | "pending" | "failed" | "skipped";
  lastError?: string;
  /** The run's pin part failed for good (e.g. a missing permission): the post went out, the header is not pinned. */
  pinError?: string;
  /** The effective options the run was planned with. */
  options?: PostOptions;
}

/** A run that is not a subscription's scheduled post (a repost or a manual delivery) with parts still to send. */
export interface PendingRun {
  runId: string;
  kind: Exclude<RunKind, "scheduled">;
  digestDate: string;
  platform: Platform;
  targetId: string;
  createdAt: string;
  requestedBy?: string;
  /** Parts not yet sent, of `parts`. */
  open: number;
  parts: number;
  lastError?: string;
}

export interface PlanRunInput {
  runId: string;
  kind: RunKind;
  platform: Platform;
  targetId: string;
  digestDate: string;
  sectionIndex?: number;
  slot?: string;
  requestedBy?: string;
  /** The 0-based sections the post carries, or "all", kept so a revision re-plans with the same filter. */
  sections?: number[] | "all";
  /** The effective options the payloads were planned with, kept so a revision re-plans with the same ones. */
  options?: PostOptions;
  payloads: unknown[];
  /** The operation of each payload (default all `send`); a `pin` part's payload is `{ pin: <part index> }`. */
  operations?: readonly ("send" | "pin")[];
  now: string;
  /**
   * Recorded only while the target is an enabled subscription, checked in the planning transaction (a scheduled
   * post): an /unsubscribe that lands while a broadcast's later batches are planned is not undone by them.
   */
  whileSubscribed?: boolean;
  /**
   * Not recorded (`delivered`) when a scheduled run of the same digest is planned for the target already, checked in
   * the planning transaction after the subscription's lock (a scheduled post: a skipped day that a revision sent on
   * another instance meanwhile is that digest's post, skipped-days.ts).
   */
  oncePerDigest?: boolean;
}

/** One target's scheduled slot (ISO time). */
export interface SlotRef {
  platform: Platform;
  targetId: string;
  slot: string;
}

/** What the ledger holds for a slot (LedgerStore.slotStates). */
export interface SlotState {
  slotTaken: boolean;
  delivered: boolean;
}

/** What planning one run did (LedgerStore.planRuns). */
export type PlanOutcome = "planned" | "exists" | "taken" | "unsubscribed" | "delivered";

export interface SkipSlotInput {
  runId: string;
  platform: Platform;
  targetId: string;
  slot: string;
  digestDate?: string;
  note: string;
  now: string;
  /** The effective options the slot was judged with (a day nothing matched: its keywords, for `/status`). */
  options?: PostOptions;
}

/** Subscriptions: where the daily post goes. */
export interface SubscriptionStore {
  list(): Promise<Subscription[]>;
  get(platform: Platform, targetId: string): Promise<Subscription | undefined>;
  /** Adds a settings target that is not there yet; never re-enables or changes an existing row. True when added. */
  ensureSettingsTarget(platform: Platform, targetId: string, now: string): Promise<boolean>;
  /** Creates or re-enables a subscription with this section filter. */
  upsert(platform: Platform, targetId: string, sections: number[] | undefined, now: string): Promise<void>;
  setSchedule(platform: Platform, targetId: string, cron: string | undefined, timezone: string | undefined, now: string): Promise<void>;
  disable(platform: Platform, targetId: string, reason: string, now: string): Promise<void>;
  /**
   * Changes a subscription's own delivery options: fields given are set, `null` removes one (back to the default),
   * fields left out are kept; in one transaction. Returns the options as stored now (undefined = none), or `false`
   * when there is no such subscription.
   */
  setOptions(platform: Platform, targetId: string, patch: PostOptionsPatch, now: string): Promise<PostOptions | undefined | false>;
  /** Records the header the bot pinned last in this target (undefined forgets it). */
  setPinned(platform: Platform, targetId: string, messageId: string | undefined, now: string): Promise<void>;
  /** False when there was no such subscription. */
  remove(platform: Platform, targetId: string): Promise<boolean>;
  /**
   * Ends a subscription (an admin's /unsubscribe): deletes it, or keeps a settings target disabled for `reason`, and
   * skips its open parts (posts and corrections) for `reason` in the same transaction, so no instance's sender finds
   * it gone with parts left to send. Returns the subscription as it was (its pinned header to unpin), or undefined
   * when there was none.
   */
  unsubscribe(platform: Platform, targetId: string, reason: string, now: string): Promise<Subscription | undefined>;
  /**
   * Moves a subscription to another target id (a Telegram group upgraded to a supergroup) with its sections,
   * schedule and options, in one transaction: no reader ever sees it at both ids, or at the new one without its
   * settings. A subscription already at `to` is replaced. False when there is none at `from`. The open parts at
   * `from` (posts and corrections) are skipped for `skipReason` in the same transaction: no instance sees the move
   * with parts left to send to the old id. The recent runs of `from` go along (carry-runs.ts): the day's
   * post is not planned again at `to`, and the parts a post had left to send are sent there — with those `from`
   * refused for an error containing `refusedWith` (the platform telling the chat moved), and those skipped for it.
   */
  move(platform: Platform, from: string, to: string, now: string, skipReason: string, refusedWith?: string): Promise<boolean>;
}

/** Runs and their planned parts: the delivery ledger. */
export interface LedgerStore {
  /**
   * Records a run for one target with its planned parts, all pending, in one transaction. False (and nothing
   * written) when that run, or a run for the same scheduled slot, is already there: instances sharing a database
   * plan each slot once, whoever comes first.
   */
  planRun(run: PlanRunInput): Promise<boolean>;
  /**
   * Records many runs with their parts in one transaction: after it, each is in the ledger whole or not at all (a
   * crash mid-way leaves none of them). The outcome of each, in the order given: `planned` (written now), `exists`
   * (this run was already recorded for that target: a retry after a commit whose answer was lost), `taken` (another
   * run holds its scheduled slot; nothing written for it), `unsubscribed` (a `whileSubscribed` run whose target is
   * no enabled subscription any more; nothing written for it).
   */
  planRuns(runs: readonly PlanRunInput[]): Promise<PlanOutcome[]>;
  /** Records a scheduled slot that was skipped (no new digest within the deadline, or nothing to send). */
  skipSlot(run: SkipSlotInput): Promise<void>;
  /**
   * For many scheduled slots at once (a few queries, whatever their number), in the order given: `slotTaken` when a
   * run (planned or skipped) is recorded for that target and slot; `delivered` when a scheduled run already carried
   * `digestDate` to that target (false when no date is given).
   */
  slotStates(items: readonly SlotRef[], digestDate: string | undefined): Promise<SlotState[]>;
  /** Parts not yet sent for a target, oldest run first (planning order, not clock time), in part order. */
  openParts(platform: Platform, targetId: string): Promise<PartRow[]>;
  /** Targets that have unsent parts (also those not subscribed, e.g. a repost to a channel). */
  targetsWithOpenParts(): Promise<{ platform: Platform; targetId: string }[]>;
  /** The parts of a run (of one target of it when `target` is given: a key lookup, O(parts of that target)). */
  runParts(runId: string, target?: { platform: Platform; targetId: string }): Promise<PartRow[]>;
  /** The platform message id of the last message (`send` part) before `partIndex` of the same run and target, if sent (reconciling needs it). */
  previousMessageId(part: PartKey): Promise<string | undefined>;
  /** The message ids of the sent `send` parts before `partIndex` of the same run and target, in part order (`SendOptions.earlierMessageIds`). */
  earlierMessageIds(part: PartKey): Promise<string[]>;
  /** The message id of one part of a run at a target, if sent (a pin part resolves its header with it). */
  messageIdOf(part: PartKey): Promise<string | undefined>;
  /** Counts one re-send of a part that the platform may already have posted (an ambiguous failure or a crash). */
  notePossibleDuplicate(part: PartKey, now: string): Promise<void>;
  /** Re-sends that may have shown twice, for one target or (no argument) for all: /status and metrics show them. */
  possibleDuplicates(target?: { platform: Platform; targetId: string }): Promise<number>;
  /**
   * Records a send the platform confirmed; resolves once committed. `withNextClaim` (other sends are waiting for the
   * budget): on SQLite the mark may be committed with the next claim's transaction, at most 50 ms later (sent-marks.ts).
   */
  markSent(part: PartKey, messageId: string, now: string, options?: { withNextClaim?: boolean }): Promise<void>;
  /** `withNextClaim` has an effect (SQLite); on PostgreSQL every mark is committed at once. */
  readonly groupsSentMarks?: boolean;
  /** Records a failed send: `pending` to retry it. Only an open part changes: one skipped meanwhile (an unsubscribe) stays skipped. */
  markFailed(part: PartKey, status: "pending" | "failed-permanent", error: string, now: string): Promise<void>;
  /** Gives up the unsent parts of a target (after a permanent failure or an unsubscribe), keeping the reason. */
  skipOpenParts(platform: Platform, targetId: string, reason: string, now: string): Promise<void>;
  /** The latest run for a target, with its parts aggregated. */
  lastRun(platform: Platform, targetId: string): Promise<RunSummary | undefined>;
  /** Reposts and manual runs with unsent parts, oldest first, one entry per (run, target). */
  pendingRuns(): Promise<PendingRun[]>;
  /**
   * Gives up the unsent parts of a repost or manual run (they become `skipped` with the reason). Returns how many
   * parts were cancelled; 0 when the run has nothing pending or is not a repost/manual run.
   */
  cancelRun(runId: string, reason: string, now: string): Promise<number>;
}

/** Claims: which engine is sending a part, until when. */
export interface LeaseStore {
  /**
   * Marks a part in-flight for `owner` with a lease until `leaseUntil`, only if it is still as read (`seen`) and,
   * when it is in-flight under someone else, that claim's lease has run out (or `takeOver` says its owner is gone).
   * False when another engine got there first — then that one sends it and this one must not.
   */
  claim(
    part: PartKey,
    seen: { status: PartStatus; attempts: number },
    claim: { owner: string; now: string; leaseUntil: string; takeOver?: boolean },
  ): Promise<boolean>;
  /** Extends the lease of a part `owner` still holds in-flight; false when it no longer holds it. */
  renew(part: PartKey, owner: string, leaseUntil: string): Promise<boolean>;
}

/**
 * An open state store. One interface, two backends (SQLite file, PostgreSQL server), the same code above it.
 *
 * @example
 * const storage = await openStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL });
 * await storage.subscriptions.upsert("telegram", "-100123", undefined, new Date().toISOString());
 * await storage.close();
 */
export interface Storage {
  readonly dialect: StorageDialect;
  /** The SQLite file, or the Postgres URL without its password. */
  readonly location: string;
  readonly subscriptions: SubscriptionStore;
  readonly ledger: LedgerStore;
  readonly leases: LeaseStore;
  /** Which process spends each platform's budget (one sender per bot token across instances). */
  readonly senderLeases: SenderLeaseStore;
  /** Corrections of delivered posts: requests, revisions and their per-part operations. */
  readonly revisions: RevisionStore;
  /** `/search` page requests behind button keys, shared by every instance on the database (table search_pages). */
  readonly searchPages: SearchPageCache;
  /** Telegram webhook update ids claimed by some instance, so a re-delivered update is handled once (telegram_updates). */
  readonly telegramUpdates: TelegramUpdateStore;
  /** Personal alerts: users' /watch queries and the alerts sent to them. */
  readonly watches: WatchStore;
  /** The query builder over the state tables, for migrations, copies and tests. */
  readonly db: Kysely<StateTables>;
  /** Applied migrations. */
  schemaVersion(): Promise<number>;
  /** True after `close()`. */
  readonly closed: boolean;
  /** Closes the connection(s); on SQLite checkpoints the WAL first. Safe to call twice. */
  close(): Promise<void>;
}
