// Reads the shared ledger for the multi-instance tests: who holds which part in flight, what was planned, whether all is sent.
import { sql } from "kysely";
import type { Storage } from "../../src/core/storage/types.js";

/** Parts in flight under an owner whose id names this pid, per platform. */
export async function inFlightOf(storage: Storage, pid: number): Promise<{ discord: number; telegram: number }> {
  const rows = await storage.db
    .selectFrom("deliveries")
    .select(["platform", sql<number>`count(*)`.as("n")])
    .where("status", "=", "in-flight")
    .where("claimed_by", "like", `%:${pid}:%`)
    .groupBy("platform")
    .execute();
  const n = (p: string) => Number(rows.find((r) => r.platform === p)?.n ?? 0);
  return { discord: n("discord"), telegram: n("telegram") };
}

/** Parts in flight per pid (the pid in each owner id). */
export async function inFlightByPid(storage: Storage): Promise<Map<number, number>> {
  const rows = await storage.db.selectFrom("deliveries").select("claimed_by").where("status", "=", "in-flight").execute();
  const counts = new Map<number, number>();
  for (const r of rows) {
    const pid = Number(/:(\d+):\d*$/.exec(r.claimed_by ?? "")?.[1]);
    if (pid) counts.set(pid, (counts.get(pid) ?? 0) + 1);
  }
  return counts;
}

/** Every planned part of every target, in order, with its status and payload. */
export async function plannedParts(storage: Storage) {
  const rows = await storage.db
    .selectFrom("deliveries")
    .select(["platform", "target_id", "part_index", "status", "payload", "idempotency_key", "possible_duplicates"])
    .orderBy("platform")
    .orderBy("target_id")
    .orderBy("part_index")
    .execute();
  return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, unknown>, possible_duplicates: Number(r.possible_duplicates) }));
}

/** Parts not yet sent (pending or in flight). */
export async function unsentCount(storage: Storage): Promise<number> {
  const row = await storage.db
    .selectFrom("deliveries")
    .select(sql<number>`count(*)`.as("n"))
    .where("status", "in", ["pending", "in-flight"])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Adjacent repeats removed: the sequence a reader sees once each repeat of a message right after it is ignored. */
export function collapseRepeats<T>(items: T[], same: (a: T, b: T) => boolean): { items: T[]; repeats: number } {
  const out: T[] = [];
  for (const item of items) if (out.length === 0 || !same(out[out.length - 1]!, item)) out.push(item);
  return { items: out, repeats: items.length - out.length };
}
