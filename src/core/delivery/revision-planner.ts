// Plans a revision: compares the messages a post has in the channel with the re-planned post, part by part, by payload hash.
import { hashPayload } from "../storage/part-keys.js";
import type { DeliveredMessage, PlannedOperation } from "../storage/revision-store.js";

/**
 * The operations that turn the delivered messages into the new post: part i of the new post edits delivered message
 * i when their hashes differ (`keep` when equal); parts beyond the delivered ones are `send`s after the last message;
 * delivered messages beyond the new post are `delete`d. Messages cannot be inserted between others on either
 * platform, so position is the only correspondence. Undefined when nothing changed. Pure.
 *
 * @example
 * planRevision([{ messageId: "11", hash: "ab12…" }], [payloadA, payloadB]);
 * // [{ partIndex: 0, operation: "keep", … }, { partIndex: 1, operation: "send", newHash: "…", payload: payloadB }]
 */
export function planRevision(delivered: readonly DeliveredMessage[], payloads: readonly unknown[]): PlannedOperation[] | undefined {
  const operations: PlannedOperation[] = [];
  payloads.forEach((payload, i) => {
    const newHash = hashPayload(JSON.stringify(payload));
    const old = delivered[i];
    if (!old) operations.push({ partIndex: i, operation: "send", newHash, payload });
    else if (old.hash === newHash) operations.push({ partIndex: i, operation: "keep", messageId: old.messageId, oldHash: old.hash, newHash });
    else operations.push({ partIndex: i, operation: "edit", messageId: old.messageId, oldHash: old.hash, newHash, payload });
  });
  for (let i = payloads.length; i < delivered.length; i++) {
    const old = delivered[i]!;
    operations.push({ partIndex: i, operation: "delete", messageId: old.messageId, oldHash: old.hash });
  }
  return operations.some((op) => op.operation !== "keep") ? operations : undefined;
}

/** How many operations of each kind a plan has (logs, /status, preview). */
export function countOperations(operations: readonly PlannedOperation[]): Record<PlannedOperation["operation"], number> {
  const counts = { keep: 0, edit: 0, send: 0, delete: 0 };
  for (const op of operations) counts[op.operation]++;
  return counts;
}

/**
 * The sections a delivered run carried, for re-planning it (undefined = all): its recorded filter; for runs planned
 * before filters were recorded, its single section, else `fallback` (the subscription's filter).
 */
export function sectionsOfRun(run: { sections?: number[] | "all"; sectionIndex?: number }, fallback?: number[]): number[] | undefined {
  if (run.sections === "all") return undefined;
  if (run.sections) return run.sections;
  if (run.sectionIndex !== undefined) return [run.sectionIndex];
  return fallback;
}
