// Table shapes of the state database as the query builder sees them (the same on SQLite and PostgreSQL).
import type { ColumnType, Generated } from "kysely";

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
  /** The target this record was carried from when its group moved to this id (carry-runs.ts); NULL otherwise. */
  moved_from: string | null;
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

/** `/search` page requests too long for a button's data, by key (search-pages-store.ts). */
export interface SearchPagesTable {
  key: string;
  /** JSON of the SearchPageRequest. */
  request: string;
  /** When it was last stored (ISO); older than the TTL = expired. */
  created_at: string;
}

/** A user's /watch query (migration "watches"). */
export interface WatchesTable {
  seq: Generated<number>;
  platform: string;
  user_id: string;
  query: string;
  locale: string | null;
  enabled: Generated<number>;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** One personal alert: a story sent privately to a watch's owner (`target_id` = user id), once. */
export interface WatchAlertsTable {
  story_id: string;
  platform: string;
  target_id: string;
  part_index: Generated<number>;
  digest_date: string;
  query: string;
  status: Generated<string>;
  message_id: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  payload: string;
  payload_hash: string;
  idempotency_key: string;
  claimed_by: string | null;
  lease_expires_at: string | null;
  possible_duplicates: Generated<number>;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
  /** The "…and N more" count the alert's message tells (0: none; -1: unknown, sent before counts were recorded). */
  more_count: Generated<number>;
  /** A sent alert's message as it must be edited to, to tell `edit_more` (null: no edit waiting). */
  edit_payload: string | null;
  edit_more: number | null;
}

/** One row per platform: the process spending that bot token's budget (sender-lease-store.ts). */
export interface SenderLeasesTable {
  platform: string;
  holder: string;
  expires_at: string;
  acquired_at: string;
  /** JSON `{ target: [database-clock ms, …] }`: the holder's sends of the last minute to targets with a per-minute limit. */
  recent_sends: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface TelegramUpdatesTable {
  bot_id: string;
  update_id: number;
  /** When an instance claimed it (ISO). */
  claimed_at: string;
  /** 1 once handled. */
  done: number;
}

export interface StateTables {
  subscriptions: SubscriptionsTable;
  runs: RunsTable;
  deliveries: DeliveriesTable;
  revision_requests: RevisionRequestsTable;
  revisions: RevisionsTable;
  revision_parts: RevisionPartsTable;
  search_pages: SearchPagesTable;
  watches: WatchesTable;
  watch_alerts: WatchAlertsTable;
  sender_leases: SenderLeasesTable;
  telegram_updates: TelegramUpdatesTable;
}

/** Table names in the order rows must be copied (foreign keys: runs before deliveries, revisions before their parts). */
export const TABLES = ["subscriptions", "runs", "deliveries", "revision_requests", "revisions", "revision_parts", "search_pages", "watches", "watch_alerts"] as const;
