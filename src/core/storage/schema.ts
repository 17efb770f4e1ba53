// Table shapes of the state database as the query builder sees them (the same on SQLite and PostgreSQL).
import type { Generated } from "kysely";

export interface SubscriptionsTable {
  platform: string;
  target_id: string;
  /** JSON array of 0-based section indexes; NULL = every section. */
  sections: string | null;
  cron: string | null;
  timezone: string | null;
  enabled: Generated<number>;
  disabled_reason: string | null;
  source: Generated<string>;
  created_at: string;
  updated_at: string;
  /** JSON PostOptions; NULL = every default (delivery options migration). */
  options: string | null;
  /** The header the bot pinned last here. */
  pinned_message_id: string | null;
}

export interface RunsTable {
  run_id: string;
  kind: string;
  platform: string;
  target_id: string;
  digest_date: string | null;
  section_index: number | null;
  slot: string | null;
  outcome: Generated<string>;
  note: string | null;
  requested_by: string | null;
  created_at: string;
  /** JSON: 0-based section indexes the run carried, or "all"; NULL for runs planned before migration 4. */
  sections: string | null;
  /** JSON: the effective PostOptions the run was planned with; NULL = none. */
  options: string | null;
}

export interface DeliveriesTable {
  run_id: string;
  kind: string;
  digest_date: string;
  platform: string;
  target_id: string;
  part_index: number;
  part_count: number;
  status: Generated<string>;
  message_id: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  payload: string;
  payload_hash: string;
  idempotency_key: string;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
  claimed_by: string | null;
  lease_expires_at: string | null;
  /** Re-sends after an ambiguous failure on a platform that cannot de-duplicate (migration 4). */
  possible_duplicates: Generated<number>;
  /** `send` (a message) or `pin` (pins the message of the part named in its payload). */
  operation: Generated<string>;
}

export interface RevisionRequestsTable {
  digest_date: string;
  due_at: string;
  requested_at: string;
}

export interface RevisionsTable {
  seq: Generated<number>;
  revision_id: string;
  run_id: string;
  platform: string;
  target_id: string;
  digest_date: string;
  revision: number;
  created_at: string;
}

export interface RevisionPartsTable {
  revision_id: string;
  platform: string;
  target_id: string;
  part_index: number;
  part_count: number;
  operation: string;
  message_id: string | null;
  old_hash: string | null;
  new_hash: string | null;
  payload: string | null;
  status: Generated<string>;
  attempts: Generated<number>;
  last_error: string | null;
  idempotency_key: string;
  claimed_by: string | null;
  lease_expires_at: string | null;
  created_at: string;
  updated_at: string;
  done_at: string | null;
}

export interface StateTables {
  subscriptions: SubscriptionsTable;
  runs: RunsTable;
  deliveries: DeliveriesTable;
  revision_requests: RevisionRequestsTable;
  revisions: RevisionsTable;
  revision_parts: RevisionPartsTable;
}

/** Table names in the order rows must be copied (foreign keys: runs before deliveries, revisions before their parts). */
export const TABLES = ["subscriptions", "runs", "deliveries", "revision_requests", "revisions", "revision_parts"] as const;
