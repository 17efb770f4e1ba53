// Revisions in the ledger: quiet-period requests, one revision per (delivered run, target), its per-part operations and their claims.
import { sql, type Kysely, type Selectable } from "kysely";
import type { Platform } from "../reply.js";
import { idempotencyKey } from "./part-keys.js";
import { leftNoMessageBehind, withNoMessageLeftBehind } from "./carry-runs.js";
import { createLeaseStore } from "./lease-store.js";
import { OPEN, skipOpenPartsOf } from "./open-parts.js";
import { isRevisionPart as isPart } from "./revision-leases.js";
import type { PostOptions } from "../delivery/post-options.js";
import type { RevisionPartsTable, StateTables } from "./schema.js";
import type { LeaseStore, LedgerStore, PartKey, PartRow, PartStatus, RunKind, StorageDialect } from "./types.js";

/** What a revision does with one part of the re-planned post. */
export type RevisionOperation = "keep" | "edit" | "send" | "delete";

/** A message of a post as it stands in the channel now (after every earlier revision). */
export interface DeliveredMessage {
  messageId: string;
  /** Payload hash of what that message shows (`hashPayload` of its planned JSON). */
  hash: string;
}

/** A delivered run that a revision may correct: every part sent. */
export interface DeliveredRun {
  runId: string;
  kind: RunKind;
  platform: Platform;
  targetId: string;
  digestDate: string;
  /** The sections the run carried ("all" = every section); undefined for runs planned before migration 4. */
  sections?: number[] | "all";
  sectionIndex?: number;
  /** The effective options the run was planned with (undefined: none, or planned before options existed). */
  options?: PostOptions;
}

/** One planned operation of a revision, as the planner made it. */
export interface PlannedOperation {
  partIndex: number;
  operation: RevisionOperation;
  /** keep / edit / delete: the message it acts on. */
  messageId?: string;
  oldHash?: string;
  newHash?: string;
  payload?: unknown;
}

export interface PlanRevisionInput {
  run: DeliveredRun;
  /** Parts of the re-planned post (the operations' `send`/`edit`/`keep` count). */
  partCount: number;
  operations: PlannedOperation[];
  revisionId: string;
  now: string;
}

/** The latest revision of a target's posts, for /status. */
export interface RevisionSummary {
  revisionId: string;
  runId: string;
  digestDate: string;
  revision: number;
  createdAt: string;
  counts: Record<RevisionOperation, number>;
  /** Operations not yet done. */
  open: number;
  /** Parts that could not be corrected, with the platform's reason. */
  failed: { part: number; operation: RevisionOperation; messageId?: string; reason: string }[];
}

export interface RevisionStore {
  /** Records (or pushes back) a request to re-plan a digest's delivered posts at `dueAt`: a burst of saves is one request. */
  request(digestDate: string, dueAt: string, now: string): Promise<void>;
  /** Requests due at `now`, oldest first. */
  dueRequests(now: string): Promise<{ digestDate: string; dueAt: string }[]>;
  /** The earliest due time of any request (to arm a timer after a restart). */
  nextDue(): Promise<string | undefined>;
  /** Drops a request unless a later save pushed it back meanwhile. */
  clearRequest(digestDate: string, dueAt: string): Promise<void>;
  /** Runs of a digest whose every part was sent, oldest first. */
  deliveredRuns(digestDate: string): Promise<DeliveredRun[]>;
  /** The messages of a run at a target as they stand now: its sent parts, then each revision applied in order. */
  currentMessages(run: Pick<DeliveredRun, "runId" | "platform" | "targetId">): Promise<DeliveredMessage[]>;
  /** True while an earlier revision of this run at this target still has operations to do. */
  hasOpenRevision(run: Pick<DeliveredRun, "runId" | "platform" | "targetId">): Promise<boolean>;
  /**
   * Writes a revision and all its operations in one transaction, before anything is sent. Returns its number, or
   * undefined (nothing written) for a post with messages left in the chat of a group that moved to a new id since it
   * was read as delivered (withNoMessageLeftBehind): neither chat can correct it.
   */
  planRevision(input: PlanRevisionInput): Promise<number | undefined>;
  /** Open operations (pending / in-flight) of a target as sender parts, oldest revision first, in part order. */
  openParts(platform: Platform, targetId: string): Promise<PartRow[]>;
  targetsWithOpenParts(): Promise<{ platform: Platform; targetId: string }[]>;
  /**
   * The sender's marks and claims, on revision operations instead of delivery parts; `earlierMessageIds` gives a
   * revision `send` the ids of the post's messages before it (kept or edited ones, and earlier sends once sent).
   */
  readonly marks: Pick<LedgerStore, "markSent" | "markFailed" | "earlierMessageIds">;
  readonly leases: LeaseStore;
  skipOpenParts(platform: Platform, targetId: string, reason: string, now: string): Promise<void>;
  lastRevision(platform: Platform, targetId: string): Promise<RevisionSummary | undefined>;
}


function toPart(r: Selectable<RevisionPartsTable> & { digest_date: string }): PartRow {
  const p: PartRow = {
    runId: r.revision_id,
    kind: "manual",
    digestDate: r.digest_date,
    platform: r.platform as Platform,
    targetId: r.target_id,
    partIndex: Number(r.part_index),
    partCount: Number(r.part_count),
    status: r.status as PartStatus,
    attempts: Number(r.attempts),
    payload: r.payload === null ? undefined : (JSON.parse(r.payload) as unknown),
    idempotencyKey: r.idempotency_key,
    operation: r.operation === "send" ? "send" : r.operation === "delete" ? "delete" : "edit",
  };
  if (r.operation !== "send" && r.message_id !== null) p.targetMessageId = r.message_id;
  if (r.operation === "send" && r.message_id !== null) p.messageId = r.message_id;
  if (r.last_error !== null) p.lastError = r.last_error;
  if (r.claimed_by !== null) p.claimedBy = r.claimed_by;
  if (r.lease_expires_at !== null) p.leaseExpiresAt = r.lease_expires_at;
  return p;
}

/**
 * The revision tables of a state database (either dialect).
 *
 * @example
 * const store = createRevisionStore(db, "sqlite");
 * await store.request("2026-02-18", dueAt, now);
 */
export function createRevisionStore(db: Kysely<StateTables>, dialect: StorageDialect): RevisionStore {
  const part = (key: PartKey) => db.updateTable("revision_parts").where((eb) => isPart(eb, key));
  const ofRun = (run: Pick<DeliveredRun, "runId" | "platform" | "targetId">) =>
    db
      .selectFrom("revisions")
      .where("run_id", "=", run.runId)
      .where("platform", "=", run.platform)
      .where("target_id", "=", run.targetId);
  const openRows = () =>
    db
      .selectFrom("revision_parts as p")
      .innerJoin("revisions as v", (j) =>
        j.onRef("v.revision_id", "=", "p.revision_id").onRef("v.platform", "=", "p.platform").onRef("v.target_id", "=", "p.target_id"),
      )
      .where("p.status", "in", OPEN);

  const store: RevisionStore = {
    async request(digestDate, dueAt, now) {
      await db
        .insertInto("revision_requests")
        .values({ digest_date: digestDate, due_at: dueAt, requested_at: now })
        .onConflict((oc) => oc.column("digest_date").doUpdateSet({ due_at: dueAt, requested_at: now }))
        .execute();
    },
    async dueRequests(now) {
      const rows = await db.selectFrom("revision_requests").selectAll().where("due_at", "<=", now).orderBy("due_at").execute();
      return rows.map((r) => ({ digestDate: r.digest_date, dueAt: r.due_at }));
    },
    async nextDue() {
      const row = await db.selectFrom("revision_requests").select("due_at").orderBy("due_at").limit(1).executeTakeFirst();
      return row?.due_at;
    },
    async clearRequest(digestDate, dueAt) {
      await db.deleteFrom("revision_requests").where("digest_date", "=", digestDate).where("due_at", "=", dueAt).execute();
    },
    async deliveredRuns(digestDate) {
      const order = sql.raw(`r.${dialect === "sqlite" ? "rowid" : "seq"}`);
      const rows = await db
        .selectFrom("runs as r")
        .select(["r.run_id", "r.kind", "r.platform", "r.target_id", "r.digest_date", "r.sections", "r.section_index", "r.options"])
        .where("r.digest_date", "=", digestDate)
        .where("r.outcome", "=", "planned")
        .where(({ exists, selectFrom }) =>
          exists(selectFrom("deliveries as d").select("d.run_id").whereRef("d.run_id", "=", "r.run_id").whereRef("d.platform", "=", "r.platform").whereRef("d.target_id", "=", "r.target_id")),
        )
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("deliveries as d")
                .select("d.run_id")
                .whereRef("d.run_id", "=", "r.run_id")
                .whereRef("d.platform", "=", "r.platform")
                .whereRef("d.target_id", "=", "r.target_id")
                // A pin that failed does not make the post undelivered: its messages can still be corrected.
                .where("d.operation", "=", "send")
                .where("d.status", "<>", "sent"),
            ),
          ),
        )
        // Not a post with messages in the chat of a group that moved to a new id: neither chat can correct them.
        .where((eb) => withNoMessageLeftBehind(eb))
        .orderBy(order)
        .execute();
      return rows.map((r) => {
        const run: DeliveredRun = {
          runId: r.run_id,
          kind: r.kind as RunKind,
          platform: r.platform as Platform,
          targetId: r.target_id,
          digestDate: r.digest_date ?? digestDate,
        };
        if (r.sections !== null) run.sections = JSON.parse(r.sections) as number[] | "all";
        if (r.section_index !== null) run.sectionIndex = Number(r.section_index);
        if (r.options !== null) run.options = JSON.parse(r.options) as PostOptions;
        return run;
      });
    },
    async currentMessages(run) {
      const sent = await db
        .selectFrom("deliveries")
        .select(["message_id", "payload_hash"])
        .where("run_id", "=", run.runId)
        .where("platform", "=", run.platform)
        .where("target_id", "=", run.targetId)
        .where("status", "=", "sent")
        .where("operation", "=", "send")
        .orderBy("part_index")
        .execute();
      let messages: DeliveredMessage[] = sent.map((r) => ({ messageId: r.message_id ?? "", hash: r.payload_hash }));
      const revisions = await ofRun(run).select("revision_id").orderBy("revision").execute();
      for (const { revision_id } of revisions) {
        const parts = await db
          .selectFrom("revision_parts")
          .selectAll()
          .where("revision_id", "=", revision_id)
          .where("platform", "=", run.platform)
          .where("target_id", "=", run.targetId)
          .orderBy("part_index")
          .execute();
        const next: DeliveredMessage[] = [];
        for (const p of parts) {
          const done = p.status === "sent";
          const id = p.message_id ?? "";
          // A failed edit leaves the old content; a failed send adds nothing; a failed delete leaves the message.
          if (p.operation === "keep") next.push({ messageId: id, hash: p.new_hash ?? "" });
          else if (p.operation === "edit") next.push({ messageId: id, hash: (done ? p.new_hash : p.old_hash) ?? "" });
          else if (p.operation === "send" && done) next.push({ messageId: id, hash: p.new_hash ?? "" });
          else if (p.operation === "delete" && !done) next.push({ messageId: id, hash: p.old_hash ?? "" });
        }
        messages = next;
      }
      return messages;
    },
    async hasOpenRevision(run) {
      const row = await db
        .selectFrom("revision_parts")
        .select("revision_id")
        .where("revision_id", "in", ofRun(run).select("revision_id"))
        .where("platform", "=", run.platform)
        .where("target_id", "=", run.targetId)
        .where("status", "in", OPEN)
        .executeTakeFirst();
      return row !== undefined;
    },
    async planRevision({ run, partCount, operations, revisionId, now }) {
      return db.transaction().execute(async (trx) => {
        if (!(await leftNoMessageBehind(trx, run))) return undefined;
        const last = await trx
          .selectFrom("revisions")
          .select((eb) => eb.fn.max("revision").as("n"))
          .where("run_id", "=", run.runId)
          .where("platform", "=", run.platform)
          .where("target_id", "=", run.targetId)
          .executeTakeFirst();
        const revision = Number(last?.n ?? 0) + 1;
        await trx
          .insertInto("revisions")
          .values({ revision_id: revisionId, run_id: run.runId, platform: run.platform, target_id: run.targetId, digest_date: run.digestDate, revision, created_at: now })
          .execute();
        await trx
          .insertInto("revision_parts")
          .values(
            operations.map((op) => ({
              revision_id: revisionId,
              platform: run.platform,
              target_id: run.targetId,
              part_index: op.partIndex,
              part_count: partCount,
              operation: op.operation,
              message_id: op.messageId ?? null,
              old_hash: op.oldHash ?? null,
              new_hash: op.newHash ?? null,
              payload: op.payload === undefined ? null : JSON.stringify(op.payload),
              // Unchanged messages are recorded (their hashes) but nothing is done to them.
              status: op.operation === "keep" ? "sent" : "pending",
              done_at: op.operation === "keep" ? now : null,
              idempotency_key: idempotencyKey(revisionId, run.platform, run.targetId, op.partIndex),
              created_at: now,
              updated_at: now,
            })),
          )
          .execute();
        return revision;
      });
    },
    async openParts(platform, targetId) {
      const rows = await openRows()
        .selectAll("p")
        .select("v.digest_date")
        .where("p.platform", "=", platform)
        .where("p.target_id", "=", targetId)
        .orderBy("v.seq")
        .orderBy("p.part_index")
        .execute();
      return rows.map(toPart);
    },
    async targetsWithOpenParts() {
      const rows = await openRows()
        .select(["p.platform", "p.target_id"])
        .groupBy(["p.platform", "p.target_id"])
        .orderBy(sql`min(v.seq)`)
        .execute();
      return rows.map((r) => ({ platform: r.platform as Platform, targetId: r.target_id }));
    },
    marks: {
      async markSent(key, messageId, now) {
        // A send records the new message's id; an edit or delete keeps the id of the message it acted on.
        await part(key)
          .set((eb) => ({
            status: "sent",
            message_id: eb.case().when("operation", "=", "send").then(messageId).else(eb.ref("message_id")).end(),
            last_error: null,
            done_at: now,
            updated_at: now,
          }))
          .execute();
      },
      async markFailed(key, status, error, now) {
        // Not over a part skipped meanwhile (its target unsubscribed while it was sent): that one is not retried.
      await part(key).set({ status, last_error: error, updated_at: now }).where("status", "in", OPEN).execute();
      },
      async earlierMessageIds(key) {
        const rows = await db
          .selectFrom("revision_parts")
          .select(["operation", "status", "message_id"])
          .where("revision_id", "=", key.runId)
          .where("platform", "=", key.platform)
          .where("target_id", "=", key.targetId)
          .where("part_index", "<", key.partIndex)
          .orderBy("part_index")
          .execute();
        return rows.flatMap((r) =>
          r.message_id !== null && (r.operation === "keep" || r.operation === "edit" || (r.operation === "send" && r.status === "sent")) ? [r.message_id] : [],
        );
      },
    },
    leases: createLeaseStore(db, dialect, "revision_parts"),
    skipOpenParts: (platform, targetId, reason, now) => skipOpenPartsOf(db, "revision_parts", platform, targetId, reason, now),
    async lastRevision(platform, targetId) {
      const rev = await db
        .selectFrom("revisions")
        .selectAll()
        .where("platform", "=", platform)
        .where("target_id", "=", targetId)
        .orderBy("seq", "desc")
        .limit(1)
        .executeTakeFirst();
      if (!rev) return undefined;
      const parts = await db
        .selectFrom("revision_parts")
        .selectAll()
        .where("revision_id", "=", rev.revision_id)
        .where("platform", "=", platform)
        .where("target_id", "=", targetId)
        .orderBy("part_index")
        .execute();
      const counts: Record<RevisionOperation, number> = { keep: 0, edit: 0, send: 0, delete: 0 };
      const summary: RevisionSummary = {
        revisionId: rev.revision_id,
        runId: rev.run_id,
        digestDate: rev.digest_date,
        revision: Number(rev.revision),
        createdAt: rev.created_at,
        counts,
        open: 0,
        failed: [],
      };
      for (const p of parts) {
        const op = p.operation as RevisionOperation;
        counts[op]++;
        if (OPEN.includes(p.status as PartStatus)) summary.open++;
        if (p.status === "failed-permanent" || p.status === "skipped") {
          const failure: RevisionSummary["failed"][number] = { part: Number(p.part_index) + 1, operation: op, reason: p.last_error ?? p.status };
          if (p.message_id !== null) failure.messageId = p.message_id;
          summary.failed.push(failure);
        }
      }
      return summary;
    },
  };
  return store;
}
