// Reads and writes of subscriptions and the delivery ledger in the state database; every state change the engine makes goes through here.
import { createHash, randomBytes } from "node:crypto";
import type { Platform } from "../reply.js";
import type { PartStatus, RunKind, StateDb } from "../state.js";

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
}

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
  /** The engine that last claimed it (`<pid>:<random>`, see owner.ts). */
  claimedBy?: string;
}

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
}

interface SubscriptionRecord {
  platform: string;
  target_id: string;
  sections: string | null;
  cron: string | null;
  timezone: string | null;
  enabled: number;
  disabled_reason: string | null;
  source: string;
  created_at: string;
}

interface PartRecord {
  run_id: string;
  kind: string;
  digest_date: string;
  platform: string;
  target_id: string;
  part_index: number;
  part_count: number;
  status: string;
  message_id: string | null;
  attempts: number;
  last_error: string | null;
  payload: string;
  idempotency_key: string;
  claimed_by: string | null;
}

/**
 * The idempotency key of one part: 25 hex chars (Discord's nonce limit, `[A-Za-z0-9]`), stable for (run, target, part),
 * so a re-send after a crash carries the same key.
 */
export function idempotencyKey(runId: string, platform: string, targetId: string, partIndex: number): string {
  return createHash("sha256").update(`${runId}\u0000${platform}\u0000${targetId}\u0000${partIndex}`).digest("hex").slice(0, 25);
}

/** A fresh run id: `<kind initial><yyyymmdd of digest>-<random>`, e.g. `r20260218-k3v9q2`. */
export function newRunId(kind: RunKind, digestDate: string | undefined): string {
  return `${kind[0]}${(digestDate ?? "00000000").replaceAll("-", "")}-${randomBytes(4).toString("hex")}`;
}

export function hashPayload(json: string): string {
  return createHash("sha256").update(json).digest("hex").slice(0, 16);
}

export function createLedger(state: StateDb) {
  const { db } = state;
  const toSubscription = (r: SubscriptionRecord): Subscription => {
    const s: Subscription = {
      platform: r.platform as Platform,
      targetId: r.target_id,
      enabled: r.enabled === 1,
      source: r.source === "settings" ? "settings" : "command",
      createdAt: r.created_at,
    };
    if (r.sections !== null) s.sections = JSON.parse(r.sections) as number[];
    if (r.cron !== null) s.cron = r.cron;
    if (r.timezone !== null) s.timezone = r.timezone;
    if (r.disabled_reason !== null) s.disabledReason = r.disabled_reason;
    return s;
  };
  const toPart = (r: PartRecord): PartRow => {
    const p: PartRow = {
      runId: r.run_id,
      kind: r.kind as RunKind,
      digestDate: r.digest_date,
      platform: r.platform as Platform,
      targetId: r.target_id,
      partIndex: r.part_index,
      partCount: r.part_count,
      status: r.status as PartStatus,
      attempts: r.attempts,
      payload: JSON.parse(r.payload) as unknown,
      idempotencyKey: r.idempotency_key,
    };
    if (r.message_id !== null) p.messageId = r.message_id;
    if (r.last_error !== null) p.lastError = r.last_error;
    if (r.claimed_by !== null) p.claimedBy = r.claimed_by;
    return p;
  };

  return {
    subscriptions(): Subscription[] {
      return (db.prepare("SELECT * FROM subscriptions ORDER BY created_at, platform, target_id").all() as SubscriptionRecord[]).map(
        toSubscription,
      );
    },
    subscription(platform: Platform, targetId: string): Subscription | undefined {
      const r = db.prepare("SELECT * FROM subscriptions WHERE platform = ? AND target_id = ?").get(platform, targetId) as
        | SubscriptionRecord
        | undefined;
      return r && toSubscription(r);
    },
    /** Adds settings targets that are not there yet; never re-enables or changes an existing row. */
    ensureSettingsTarget(platform: Platform, targetId: string, now: string): boolean {
      const result = db
        .prepare(
          "INSERT OR IGNORE INTO subscriptions (platform, target_id, source, created_at, updated_at) VALUES (?, ?, 'settings', ?, ?)",
        )
        .run(platform, targetId, now, now);
      return result.changes > 0;
    },
    upsertSubscription(platform: Platform, targetId: string, sections: number[] | undefined, now: string): void {
      db.prepare(
        `INSERT INTO subscriptions (platform, target_id, sections, source, created_at, updated_at) VALUES (?, ?, ?, 'command', ?, ?)
         ON CONFLICT (platform, target_id) DO UPDATE SET sections = excluded.sections, enabled = 1, disabled_reason = NULL,
           updated_at = excluded.updated_at`,
      ).run(platform, targetId, sections ? JSON.stringify(sections) : null, now, now);
    },
    setSchedule(platform: Platform, targetId: string, cronExpr: string | undefined, timezone: string | undefined, now: string): void {
      db.prepare("UPDATE subscriptions SET cron = ?, timezone = ?, updated_at = ? WHERE platform = ? AND target_id = ?").run(
        cronExpr ?? null,
        timezone ?? null,
        now,
        platform,
        targetId,
      );
    },
    disable(platform: Platform, targetId: string, reason: string, now: string): void {
      db.prepare("UPDATE subscriptions SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE platform = ? AND target_id = ?").run(
        reason,
        now,
        platform,
        targetId,
      );
    },
    deleteSubscription(platform: Platform, targetId: string): boolean {
      return db.prepare("DELETE FROM subscriptions WHERE platform = ? AND target_id = ?").run(platform, targetId).changes > 0;
    },

    /** Records a run for one target with its planned parts, all pending, in one transaction. */
    planRun(run: {
      runId: string;
      kind: RunKind;
      platform: Platform;
      targetId: string;
      digestDate: string;
      sectionIndex?: number;
      slot?: string;
      requestedBy?: string;
      payloads: unknown[];
      now: string;
    }): void {
      db.transaction(() => {
        db.prepare(
          `INSERT INTO runs (run_id, kind, platform, target_id, digest_date, section_index, slot, requested_by, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(run.runId, run.kind, run.platform, run.targetId, run.digestDate, run.sectionIndex ?? null, run.slot ?? null, run.requestedBy ?? null, run.now);
        const insert = db.prepare(
          `INSERT INTO deliveries (run_id, kind, digest_date, platform, target_id, part_index, part_count, payload, payload_hash,
             idempotency_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        run.payloads.forEach((payload, i) => {
          const json = JSON.stringify(payload);
          insert.run(run.runId, run.kind, run.digestDate, run.platform, run.targetId, i, run.payloads.length, json, hashPayload(json),
            idempotencyKey(run.runId, run.platform, run.targetId, i), run.now, run.now);
        });
      })();
    },
    /** Records a scheduled slot that was skipped (no new digest within the deadline, or nothing to send). */
    skipSlot(run: { runId: string; platform: Platform; targetId: string; slot: string; digestDate?: string; note: string; now: string }): void {
      db.prepare(
        `INSERT OR IGNORE INTO runs (run_id, kind, platform, target_id, digest_date, slot, outcome, note, created_at)
         VALUES (?, 'scheduled', ?, ?, ?, ?, 'skipped', ?, ?)`,
      ).run(run.runId, run.platform, run.targetId, run.digestDate ?? null, run.slot, run.note, run.now);
    },
    slotTaken(platform: Platform, targetId: string, slot: string): boolean {
      return db.prepare("SELECT 1 FROM runs WHERE platform = ? AND target_id = ? AND slot = ?").get(platform, targetId, slot) !== undefined;
    },
    /** True when a scheduled run already carried this digest to the target. */
    scheduledDelivered(platform: Platform, targetId: string, digestDate: string): boolean {
      return (
        db
          .prepare("SELECT 1 FROM runs WHERE platform = ? AND target_id = ? AND digest_date = ? AND kind = 'scheduled' AND outcome = 'planned'")
          .get(platform, targetId, digestDate) !== undefined
      );
    },
    /** Parts not yet sent for a target, oldest run first (planning order, not clock time), in part order. */
    openParts(platform: Platform, targetId: string): PartRow[] {
      return (
        db
          .prepare(
            `SELECT d.* FROM deliveries d JOIN runs r USING (run_id, platform, target_id)
             WHERE d.platform = ? AND d.target_id = ? AND d.status IN ('pending', 'in-flight')
             ORDER BY r.rowid, d.part_index`,
          )
          .all(platform, targetId) as PartRecord[]
      ).map(toPart);
    },
    /** Targets that have unsent parts (also those not subscribed, e.g. a repost to a channel). */
    targetsWithOpenParts(): { platform: Platform; targetId: string }[] {
      return (
        db.prepare("SELECT DISTINCT platform, target_id FROM deliveries WHERE status IN ('pending', 'in-flight')").all() as {
          platform: string;
          target_id: string;
        }[]
      ).map((r) => ({ platform: r.platform as Platform, targetId: r.target_id }));
    },
    runParts(runId: string): PartRow[] {
      return (db.prepare("SELECT * FROM deliveries WHERE run_id = ? ORDER BY platform, target_id, part_index").all(runId) as PartRecord[]).map(toPart);
    },
    /**
     * Marks a part in-flight for `owner`, only if it is still as read (`seen`: status and attempts); false when
     * another engine changed it since — then that one is sending it and this one must not.
     */
    claim(part: PartRow, seen: { status: PartStatus; attempts: number }, owner: string, now: string): boolean {
      return (
        db
          .prepare(
            `UPDATE deliveries SET status = 'in-flight', attempts = attempts + 1, claimed_by = ?, updated_at = ?
             WHERE run_id = ? AND platform = ? AND target_id = ? AND part_index = ? AND status = ? AND attempts = ?`,
          )
          .run(owner, now, part.runId, part.platform, part.targetId, part.partIndex, seen.status, seen.attempts).changes === 1
      );
    },
    markSent(part: PartRow, messageId: string, now: string): void {
      db.prepare(
        `UPDATE deliveries SET status = 'sent', message_id = ?, last_error = NULL, sent_at = ?, updated_at = ?
         WHERE run_id = ? AND platform = ? AND target_id = ? AND part_index = ?`,
      ).run(messageId, now, now, part.runId, part.platform, part.targetId, part.partIndex);
    },
    markFailed(part: PartRow, status: "pending" | "failed-permanent", error: string, now: string): void {
      db.prepare(
        `UPDATE deliveries SET status = ?, last_error = ?, updated_at = ?
         WHERE run_id = ? AND platform = ? AND target_id = ? AND part_index = ?`,
      ).run(status, error, now, part.runId, part.platform, part.targetId, part.partIndex);
    },
    /** Gives up the unsent parts of a target (after a permanent failure), keeping the reason. */
    skipOpenParts(platform: Platform, targetId: string, reason: string, now: string): void {
      db.prepare(
        `UPDATE deliveries SET status = 'skipped', last_error = ?, updated_at = ?
         WHERE platform = ? AND target_id = ? AND status IN ('pending', 'in-flight')`,
      ).run(reason, now, platform, targetId);
    },
    /** The latest run for a target, with its parts aggregated. */
    lastRun(platform: Platform, targetId: string): RunSummary | undefined {
      const run = db
        .prepare("SELECT run_id, kind, digest_date, outcome, note, created_at FROM runs WHERE platform = ? AND target_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1")
        .get(platform, targetId) as
        | { run_id: string; kind: string; digest_date: string | null; outcome: string; note: string | null; created_at: string }
        | undefined;
      if (!run) return undefined;
      const parts = db
        .prepare("SELECT status, last_error FROM deliveries WHERE run_id = ? AND platform = ? AND target_id = ? ORDER BY part_index")
        .all(run.run_id, platform, targetId) as { status: string; last_error: string | null }[];
      const summary: RunSummary = {
        runId: run.run_id,
        kind: run.kind as RunKind,
        outcome: run.outcome === "skipped" ? "skipped" : "planned",
        createdAt: run.created_at,
        status: aggregate(run.outcome, parts.map((p) => p.status)),
      };
      if (run.digest_date !== null) summary.digestDate = run.digest_date;
      if (run.note !== null) summary.note = run.note;
      const error = parts.find((p) => p.last_error !== null)?.last_error ?? run.note;
      if (error && summary.status !== "sent") summary.lastError = error;
      return summary;
    },
  };
}

export type Ledger = ReturnType<typeof createLedger>;

function aggregate(outcome: string, statuses: string[]): RunSummary["status"] {
  if (outcome === "skipped") return "skipped";
  if (statuses.some((s) => s === "failed-permanent")) return "failed";
  if (statuses.some((s) => s === "pending" || s === "in-flight")) return "pending";
  if (statuses.length > 0 && statuses.every((s) => s === "skipped")) return "skipped";
  return "sent";
}
