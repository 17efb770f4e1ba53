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
}

export interface StateTables {
  subscriptions: SubscriptionsTable;
  runs: RunsTable;
  deliveries: DeliveriesTable;
}

/** Table names in the order rows must be copied (foreign keys: runs before deliveries). */
export const TABLES = ["subscriptions", "runs", "deliveries"] as const;
