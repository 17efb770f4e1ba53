// A part a group's move carried to its new id while the old id's send of it was on its way: once that send is confirmed, the copy is not sent.
import type { Writer } from "./sent-marks.js";
import type { PartKey } from "./types.js";

/**
 * After `key` was marked sent though it was no longer open (a move skipped it while its send was on its way, and
 * the platform took it before the chat moved): skips the copy of it the move gave to the new id (carry-runs.ts), and
 * the pin of it there, while still pending — the message is in the old chat, whose history the new one shows.
 */
export async function dropCarriedCopiesOf(writer: Writer, key: PartKey, now: string): Promise<void> {
  const movedTo = writer
    .selectFrom("runs")
    .select("target_id")
    .where("run_id", "=", key.runId)
    .where("platform", "=", key.platform)
    .where("moved_from", "=", key.targetId);
  const copies = await writer
    .selectFrom("deliveries")
    .select(["target_id", "part_index", "operation", "payload"])
    .where("run_id", "=", key.runId)
    .where("platform", "=", key.platform)
    .where("target_id", "in", movedTo)
    .where("status", "=", "pending")
    .execute();
  const pinned = (payload: string) => (JSON.parse(payload) as { pin?: number }).pin ?? 0;
  for (const copy of copies) {
    const same = copy.operation === "pin" ? pinned(copy.payload) === key.partIndex : Number(copy.part_index) === key.partIndex;
    if (!same) continue;
    await writer
      .updateTable("deliveries")
      .set({ status: "skipped", last_error: `sent at ${key.targetId} before the group moved`, updated_at: now })
      .where("run_id", "=", key.runId)
      .where("platform", "=", key.platform)
      .where("target_id", "=", copy.target_id)
      .where("part_index", "=", copy.part_index)
      .where("status", "=", "pending")
      .execute();
  }
}
