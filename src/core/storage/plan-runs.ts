// Planning many runs in one transaction: their rows and parts written together (all or none), each run once whoever plans it.
import type { Kysely, Transaction } from "kysely";
import { hashPayload, idempotencyKey } from "./part-keys.js";
import type { StateTables } from "./schema.js";
import type { PlanOutcome, PlanRunInput, SlotRef, SlotState, StorageDialect } from "./types.js";

/** Rows per INSERT statement: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters (13 per part row). */
const ROWS_PER_STATEMENT = 1000;

/**
 * A broadcast plans the same payload objects for every target: serialised and hashed once each, not once per target
 * (strings and numbers are cheap and not cached).
 */
const serialised = new WeakMap<object, { json: string; hash: string }>();
function serialise(payload: unknown): { json: string; hash: string } {
  if (typeof payload !== "object" || payload === null) {
    const json = JSON.stringify(payload);
    return { json, hash: hashPayload(json) };
  }
  let s = serialised.get(payload);
  if (!s) {
    const json = JSON.stringify(payload);
    s = { json, hash: hashPayload(json) };
    serialised.set(payload, s);
  }
  return s;
}

const runKey = (runId: string, platform: string, targetId: string) => `${runId}\u0000${platform}\u0000${targetId}`;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Records `runs` with their parts in one transaction; the outcome of each, in the order given. A run that conflicts
 * (its key is there, or another run holds its scheduled slot) writes nothing; the others are written.
 * Rows are inserted in (platform, target, run) order, whatever order they come in, so two instances planning
 * overlapping batches at once wait for each other in one order and never deadlock.
 */
export async function planRunsAtOnce(db: Kysely<StateTables>, dialect: StorageDialect, runs: readonly PlanRunInput[]): Promise<PlanOutcome[]> {
  if (runs.length === 0) return [];
  const order = runs.map((_, i) => i);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  order.sort((a, b) => {
    const x = runs[a]!;
    const y = runs[b]!;
    return cmp(x.platform, y.platform) || cmp(x.targetId, y.targetId) || cmp(x.runId, y.runId);
  });
  return db.transaction().execute(async (trx) => {
    const unsubscribed = await withoutSubscription(trx, dialect, runs);
    // After the subscriptions' lock: a skipped day turned into its delivery elsewhere has committed by now, or waits.
    const delivered = await deliveredAlready(trx, runs, unsubscribed);
    const inserted = new Set<string>();
    for (const chunk of chunks(order.filter((i) => !unsubscribed.has(i) && !delivered.has(i)), ROWS_PER_STATEMENT)) {
      const rows = await trx
        .insertInto("runs")
        .values(
          chunk.map((i) => {
            const run = runs[i]!;
            return {
              run_id: run.runId,
              kind: run.kind,
              platform: run.platform,
              target_id: run.targetId,
              digest_date: run.digestDate,
              section_index: run.sectionIndex ?? null,
              slot: run.slot ?? null,
              requested_by: run.requestedBy ?? null,
              sections: run.sections ? JSON.stringify(run.sections) : null,
              options: run.options ? JSON.stringify(run.options) : null,
              created_at: run.now,
            };
          }),
        )
        .onConflict((oc) => oc.doNothing())
        .returning(["run_id", "platform", "target_id"])
        .execute();
      for (const r of rows) inserted.add(runKey(r.run_id, r.platform, r.target_id));
    }
    const fresh = order.filter((i) => inserted.has(runKey(runs[i]!.runId, runs[i]!.platform, runs[i]!.targetId)));
    await insertParts(trx, fresh.map((i) => runs[i]!));
    const outcomes: PlanOutcome[] = runs.map((run, i) =>
      unsubscribed.has(i) ? "unsubscribed" : delivered.has(i) ? "delivered" : inserted.has(runKey(run.runId, run.platform, run.targetId)) ? "planned" : "taken",
    );
    const conflicting = runs.filter((_, i) => outcomes[i] === "taken");
    if (conflicting.length > 0) {
      // Which of them is this very run, recorded before (a retry after a commit whose answer was lost), not another one's slot.
      const existing = new Set<string>();
      for (const ids of chunks([...new Set(conflicting.map((r) => r.runId))], ROWS_PER_STATEMENT)) {
        const rows = await trx.selectFrom("runs").select(["run_id", "platform", "target_id"]).where("run_id", "in", ids).execute();
        for (const r of rows) existing.add(runKey(r.run_id, r.platform, r.target_id));
      }
      runs.forEach((run, i) => {
        if (outcomes[i] === "taken" && existing.has(runKey(run.runId, run.platform, run.targetId))) outcomes[i] = "exists";
      });
    }
    return outcomes;
  });
}

/**
 * The positions of the `whileSubscribed` runs whose target is no enabled subscription. On PostgreSQL the rows read
 * are locked (FOR SHARE) until the planning commits: an /unsubscribe waits for it, and its skipping of open parts
 * then sees the parts planned. SQLite's one writer serialises them anyway.
 */
async function withoutSubscription(trx: Transaction<StateTables>, dialect: StorageDialect, runs: readonly PlanRunInput[]): Promise<Set<number>> {
  const checked = runs.flatMap((run, i) => (run.whileSubscribed ? [i] : []));
  const out = new Set<number>();
  if (checked.length === 0) return out;
  const enabled = new Set<string>();
  const targetKey = (platform: string, targetId: string) => `${platform}\u0000${targetId}`;
  for (const chunk of chunks(checked, IDS_PER_READ)) {
    const query = trx
      .selectFrom("subscriptions")
      .select(["platform", "target_id"])
      .where("platform", "in", [...new Set(chunk.map((i) => runs[i]!.platform))])
      .where("target_id", "in", [...new Set(chunk.map((i) => runs[i]!.targetId))])
      .where("enabled", "=", 1)
      .orderBy("platform")
      .orderBy("target_id");
    for (const r of await (dialect === "postgres" ? query.forShare() : query).execute()) enabled.add(targetKey(r.platform, r.target_id));
  }
  for (const i of checked) if (!enabled.has(targetKey(runs[i]!.platform, runs[i]!.targetId))) out.add(i);
  return out;
}

/** The positions of the `oncePerDigest` runs (still subscribed) whose digest another scheduled run already carries to their target. */
async function deliveredAlready(trx: Transaction<StateTables>, runs: readonly PlanRunInput[], unsubscribed: ReadonlySet<number>): Promise<Set<number>> {
  const checked = runs.flatMap((run, i) => (run.oncePerDigest && !unsubscribed.has(i) ? [i] : []));
  const out = new Set<number>();
  if (checked.length === 0) return out;
  const carried = new Map<string, Set<string>>();
  const key = (platform: string, targetId: string, date: string | null) => `${platform}\u0000${targetId}\u0000${date ?? ""}`;
  for (const chunk of chunks(checked, IDS_PER_READ)) {
    const rows = await trx
      .selectFrom("runs")
      .select(["run_id", "platform", "target_id", "digest_date"])
      .where("kind", "=", "scheduled")
      .where("outcome", "=", "planned")
      .where("platform", "in", [...new Set(chunk.map((i) => runs[i]!.platform))])
      .where("target_id", "in", [...new Set(chunk.map((i) => runs[i]!.targetId))])
      .where("digest_date", "in", [...new Set(chunk.map((i) => runs[i]!.digestDate))])
      .execute();
    for (const r of rows) {
      const k = key(r.platform, r.target_id, r.digest_date);
      carried.set(k, (carried.get(k) ?? new Set()).add(r.run_id));
    }
  }
  // This very run, recorded by an earlier try of the batch, is "exists", not another one.
  for (const i of checked) if ([...(carried.get(key(runs[i]!.platform, runs[i]!.targetId, runs[i]!.digestDate)) ?? [])].some((id) => id !== runs[i]!.runId)) out.add(i);
  return out;
}

/** The `deliveries` rows of a run's planned parts, all pending. */
export function deliveryRows(run: Pick<PlanRunInput, "runId" | "kind" | "digestDate" | "platform" | "targetId" | "payloads" | "operations" | "now">) {
  return run.payloads.map((payload, i) => {
    const { json, hash } = serialise(payload);
    return {
      run_id: run.runId,
      kind: run.kind,
      digest_date: run.digestDate,
      platform: run.platform,
      target_id: run.targetId,
      part_index: i,
      part_count: run.payloads.length,
      payload: json,
      payload_hash: hash,
      idempotency_key: idempotencyKey(run.runId, run.platform, run.targetId, i),
      operation: run.operations?.[i] ?? "send",
      created_at: run.now,
      updated_at: run.now,
    };
  });
}

async function insertParts(trx: Transaction<StateTables>, runs: readonly PlanRunInput[]): Promise<void> {
  const rows = runs.flatMap(deliveryRows);
  for (const chunk of chunks(rows, ROWS_PER_STATEMENT)) await trx.insertInto("deliveries").values(chunk).execute();
}

/** Ids per `IN (…)` list of a slot-state read. */
const IDS_PER_READ = 500;

/** LedgerStore.slotStates: two indexed reads per few hundred targets, not two per target. */
export async function readSlotStates(db: Kysely<StateTables>, items: readonly SlotRef[], digestDate: string | undefined): Promise<SlotState[]> {
  const taken = new Set<string>();
  const delivered = new Set<string>();
  const targetKey = (platform: string, targetId: string) => `${platform}\u0000${targetId}`;
  for (const chunk of chunks([...items], IDS_PER_READ)) {
    const platforms = [...new Set(chunk.map((i) => i.platform))];
    const ids = [...new Set(chunk.map((i) => i.targetId))];
    const slots = [...new Set(chunk.map((i) => i.slot))];
    const rows = await db
      .selectFrom("runs")
      .select(["platform", "target_id", "slot"])
      .where("platform", "in", platforms)
      .where("target_id", "in", ids)
      .where("slot", "in", slots)
      .execute();
    for (const r of rows) taken.add(`${targetKey(r.platform, r.target_id)}\u0000${r.slot}`);
    if (digestDate === undefined) continue;
    const sent = await db
      .selectFrom("runs")
      .select(["platform", "target_id"])
      .where("platform", "in", platforms)
      .where("target_id", "in", ids)
      .where("digest_date", "=", digestDate)
      .where("kind", "=", "scheduled")
      .where("outcome", "=", "planned")
      .execute();
    for (const r of sent) delivered.add(targetKey(r.platform, r.target_id));
  }
  return items.map((i) => ({
    slotTaken: taken.has(`${targetKey(i.platform, i.targetId)}\u0000${i.slot}`),
    delivered: delivered.has(targetKey(i.platform, i.targetId)),
  }));
}
