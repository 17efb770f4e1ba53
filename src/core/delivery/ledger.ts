// The delivery ledger as the engine sees it: the storage's ledger, subscriptions and leases, plus run and part identifiers.
export type { LedgerStore as Ledger, PartRow, RunSummary, Subscription, PendingRun } from "../storage/types.js";
export { hashPayload, idempotencyKey, newRunId } from "../storage/part-keys.js";
