// Versioned schema migrations, one list for both backends: SQLite counts them in PRAGMA user_version, PostgreSQL in a table.
import type Database from "better-sqlite3";
import { sql, type Kysely } from "kysely";
import type { StateTables } from "./schema.js";

/** A state store this build cannot use (e.g. written by a newer version, or unreachable). */
export class StorageError extends Error {
  override name = "StorageError";
}

/** One schema step, written once per dialect. Append only — never edit a shipped one. */
export interface Migration {
  sqlite: string;
  postgres: string;
}

const base = (runsExtra: string) => `
  CREATE TABLE subscriptions (
    platform        TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    -- JSON array of 0-based section indexes; NULL = every section.
    sections        TEXT,
    -- Per-target schedule override; NULL = POST_CRON / POST_TIMEZONE.
    cron            TEXT,
    timezone        TEXT,
    enabled         INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    -- 'settings' (DISCORD_CHANNEL_IDS / TELEGRAM_CHAT_IDS) or 'command' (/subscribe, CLI).
    source          TEXT NOT NULL DEFAULT 'command',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (platform, target_id)
  );

  -- One row per (run, target): a repost to every subscription is one run with several targets.
  CREATE TABLE runs (${runsExtra}
    run_id        TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('scheduled', 'repost', 'manual')),
    platform      TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    -- NULL when a scheduled slot was skipped without a digest to send.
    digest_date   TEXT,
    section_index INTEGER,
    -- The scheduled time this run answers (ISO, UTC); NULL for reposts and manual runs.
    slot          TEXT,
    -- 'skipped' runs carry the reason and have no parts.
    outcome       TEXT NOT NULL DEFAULT 'planned' CHECK (outcome IN ('planned', 'skipped')),
    note          TEXT,
    requested_by  TEXT,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (run_id, platform, target_id)
  );
  CREATE INDEX runs_by_target ON runs (platform, target_id, created_at);
  CREATE UNIQUE INDEX runs_one_per_slot ON runs (platform, target_id, slot) WHERE slot IS NOT NULL;

  CREATE TABLE deliveries (
    run_id          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    digest_date     TEXT NOT NULL,
    platform        TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    part_index      INTEGER NOT NULL,
    part_count      INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'in-flight', 'sent', 'failed-permanent', 'skipped')),
    message_id      TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    -- The planned payload, so a resumed run sends exactly what was planned even if the digest changed since.
    payload         TEXT NOT NULL,
    payload_hash    TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    sent_at         TEXT,
    PRIMARY KEY (run_id, platform, target_id, part_index),
    FOREIGN KEY (run_id, platform, target_id) REFERENCES runs (run_id, platform, target_id)
  );
  CREATE INDEX deliveries_open ON deliveries (status) WHERE status IN ('pending', 'in-flight');
  `;

/** Migration 4: revision requests (quiet period), revisions per (run, target), and their per-part operations. */
function revisionTables(serial: string): string {
  return `
  -- JSON: the 0-based sections the run carried, or "all"; NULL for runs planned before migration 4.
  ALTER TABLE runs ADD COLUMN sections TEXT;

  -- A digest changed: re-plan its delivered posts once the file has been quiet until due_at.
  CREATE TABLE revision_requests (
    digest_date  TEXT PRIMARY KEY,
    due_at       TEXT NOT NULL,
    requested_at TEXT NOT NULL
  );

  -- One correction of one delivered run at one target; revision counts 1, 2, … per (run, target).
  CREATE TABLE revisions (
    seq          ${serial},
    revision_id  TEXT NOT NULL,
    run_id       TEXT NOT NULL,
    platform     TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    digest_date  TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (revision_id, platform, target_id),
    UNIQUE (run_id, platform, target_id, revision),
    FOREIGN KEY (run_id, platform, target_id) REFERENCES runs (run_id, platform, target_id)
  );

  -- Per part of the re-planned post: what was sent (old_hash, message_id) and what it becomes.
  CREATE TABLE revision_parts (
    revision_id     TEXT NOT NULL,
    platform        TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    part_index      INTEGER NOT NULL,
    part_count      INTEGER NOT NULL,
    operation       TEXT NOT NULL CHECK (operation IN ('keep', 'edit', 'send', 'delete')),
    -- keep/edit/delete: the delivered message; send: the new message once sent.
    message_id      TEXT,
    old_hash        TEXT,
    new_hash        TEXT,
    payload         TEXT,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'in-flight', 'sent', 'failed-permanent', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    idempotency_key TEXT NOT NULL,
    claimed_by      TEXT,
    lease_expires_at TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    done_at         TEXT,
    PRIMARY KEY (revision_id, platform, target_id, part_index),
    FOREIGN KEY (revision_id, platform, target_id) REFERENCES revisions (revision_id, platform, target_id)
  );
  CREATE INDEX revision_parts_open ON revision_parts (status) WHERE status IN ('pending', 'in-flight');
  `;
}

/** Migration search_pages: page requests behind button keys, with the time they were stored (for expiry). */
const searchPagesTable = `
  CREATE TABLE search_pages (
    key        TEXT PRIMARY KEY,
    request    TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX search_pages_by_age ON search_pages (created_at);
  `;

/**
 * Migration "watches" (personal alerts): each user's /watch queries, and one row per alert (user, story).
 *
 * Alerts are not runs: `runs.kind` keeps its CHECK (scheduled|repost|manual). A run is a digest post to a
 * subscription — `/status` shows its last run, `pending` lists unsent reposts, revisions re-plan every delivered run
 * as a daily post — and an alert is none of these (one story, to a person, never corrected). So alerts live in their
 * own ledger table with the same part columns (status, attempts, claim, lease, payload, idempotency key) and go
 * through the same sender, claims (lease-store.ts) and pacer; and the primary key (platform, user, story) makes
 * "once per story per watch-owner" a database rule: instances sharing PostgreSQL both plan, one insert wins.
 */
function watchTables(serial: string): string {
  return `
  CREATE TABLE watches (
    seq             ${serial},
    platform        TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    query           TEXT NOT NULL,
    -- The language the user asked in, for the alert's own texts.
    locale          TEXT,
    enabled         INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (platform, user_id, query)
  );

  -- One private message per (user, story); target_id is the user id, part_index always 0 (the lease columns' shape).
  CREATE TABLE watch_alerts (
    story_id        TEXT NOT NULL,
    platform        TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    part_index      INTEGER NOT NULL DEFAULT 0,
    digest_date     TEXT NOT NULL,
    query           TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'in-flight', 'sent', 'failed-permanent', 'skipped')),
    message_id      TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    payload         TEXT NOT NULL,
    payload_hash    TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    claimed_by      TEXT,
    lease_expires_at TEXT,
    possible_duplicates INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    sent_at         TEXT,
    PRIMARY KEY (platform, target_id, story_id)
  );
  CREATE INDEX watch_alerts_open ON watch_alerts (platform, target_id) WHERE status IN ('pending', 'in-flight');
  `;
}
/** The sender leases table (sender-lease-store.ts); transient, so `digest-bot migrate` does not copy it. */
const SENDER_LEASES = `
  CREATE TABLE sender_leases (
    platform    TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    -- ISO time; a released lease expires at the release time.
    expires_at  TEXT NOT NULL,
    acquired_at TEXT NOT NULL
  );`;

/** Migration "sender_recent_sends": see the MIGRATIONS entry. */
const SENDER_RECENT_SENDS = `ALTER TABLE sender_leases ADD COLUMN recent_sends TEXT;`;

/**
 * Migration "alert counts": the "…and N more" count each alert's message tells (0: none), and the edit of a sent
 * alert's message waiting to tell another (a revision or a new /watch brought more matches after the cap's alerts
 * went out), found per user through their own small index.
 */
const ALERT_COUNTS = `
  ALTER TABLE watch_alerts ADD COLUMN more_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE watch_alerts ADD COLUMN edit_payload TEXT;
  ALTER TABLE watch_alerts ADD COLUMN edit_more INTEGER;
  CREATE INDEX watch_alerts_edits ON watch_alerts (platform, target_id) WHERE edit_payload IS NOT NULL;`;

/**
 * Migration "alert counts unknown": alerts sent before "alert counts" read 0 there whatever their message told (the
 * last alert of a planning told the count, not always the last one sent). -1 marks such a count unknown, so it is
 * never edited (watch-alerts.ts). Alerts sent since that migration and before this one are marked too: they cannot
 * be told apart, and only digests still current (a day or two) lose their count edits.
 */
const ALERT_COUNTS_UNKNOWN = `UPDATE watch_alerts SET more_count = -1 WHERE more_count = 0 AND status IN ('sent', 'in-flight');`;

/**
 * Migration "moved runs": a run's record carried to the new id of a group that moved (a Telegram group upgraded to a
 * supergroup) names the old id, so corrections leave the posts whose messages are in the old chat (carry-runs.ts).
 */
const MOVED_RUNS = `
  ALTER TABLE runs ADD COLUMN moved_from TEXT;
  CREATE INDEX runs_moved_from ON runs (platform, moved_from) WHERE moved_from IS NOT NULL;`;

/** Migration "telegram_updates": webhook update ids claimed by some instance (telegram-updates-store.ts). */
const TELEGRAM_UPDATES = `
  CREATE TABLE telegram_updates (
    bot_id     TEXT NOT NULL,
    update_id  BIGINT NOT NULL,
    claimed_at TEXT NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bot_id, update_id)
  );
  CREATE INDEX telegram_updates_by_age ON telegram_updates (claimed_at);`;

/** Delivery options (#13): the same SQL on both dialects. */
const deliveryOptions = `
  -- JSON PostOptions (delivery/post-options.ts); NULL = every default.
  ALTER TABLE subscriptions ADD COLUMN options TEXT;
  ALTER TABLE subscriptions ADD COLUMN pinned_message_id TEXT;
  -- JSON: the effective options the run was planned with; NULL = none (and for runs planned before).
  ALTER TABLE runs ADD COLUMN options TEXT;
  -- 'send' posts the payload; 'pin' pins the message of the part its payload names ({"pin": 0}) and unpins the previous one.
  ALTER TABLE deliveries ADD COLUMN operation TEXT NOT NULL DEFAULT 'send' CHECK (operation IN ('send', 'pin'));
  `;

/**
 * The migrations, in order. Runs are listed in planning order: SQLite by its implicit rowid, PostgreSQL by `seq`
 * (it has no rowid), see `runOrder` in ledger-store.ts.
 */
export const MIGRATIONS: readonly Migration[] = [
  { sqlite: base(""), postgres: base("\n    seq BIGSERIAL NOT NULL UNIQUE,") },
  // 2: who claimed a part, so a second engine leaves a part another live one is sending.
  { sqlite: "ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;", postgres: "ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;" },
  // 3: claims are leases: they expire unless renewed, so a dead owner's part is taken over, whatever its PID became.
  {
    sqlite: "ALTER TABLE deliveries ADD COLUMN lease_expires_at TEXT;",
    postgres: "ALTER TABLE deliveries ADD COLUMN lease_expires_at TEXT;",
  },
  // 4: re-sends after an ambiguous failure (the platform may have posted it) are counted per part, for /status and
  // metrics; a target's open parts are found through an index on the target, so flushing N targets is O(N), not O(N²).
  {
    sqlite: `ALTER TABLE deliveries ADD COLUMN possible_duplicates INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX deliveries_open_by_target ON deliveries (platform, target_id) WHERE status IN ('pending', 'in-flight');`,
    postgres: `ALTER TABLE deliveries ADD COLUMN possible_duplicates INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX deliveries_open_by_target ON deliveries (platform, target_id) WHERE status IN ('pending', 'in-flight');`,
  },
  // 5: revisions — corrections of delivered posts (revision-store.ts), and each run's section filter to re-plan with.
  { sqlite: revisionTables("INTEGER PRIMARY KEY"), postgres: revisionTables("BIGSERIAL PRIMARY KEY") },
  // search_pages (scalefaults): `/search` page requests too long for a button, so any instance (and a restarted
  // one) can turn the page; rows past their TTL are deleted by search-pages-store.ts.
  { sqlite: searchPagesTable, postgres: searchPagesTable },
  // watches: personal alerts (/watch) — the users' queries and one ledger row per (user, story), see watchTables.
  { sqlite: watchTables("INTEGER PRIMARY KEY"), postgres: watchTables("BIGSERIAL PRIMARY KEY") },
  // Sender leases (scalepace): one row per platform naming the one process that spends that bot token's budget.
  { sqlite: SENDER_LEASES, postgres: SENDER_LEASES },
  // Delivery options (#13): each subscription's own options (JSON) and the header it pinned last; the options a run
  // was planned with (a revision re-plans with them); a part's operation, so a pin is a ledger part after the header.
  { sqlite: deliveryOptions, postgres: deliveryOptions },
  // telegram_updates (qascale): the webhook's "update id already handled" memory, shared by every instance behind a
  // load balancer (was per process, so an update Telegram re-delivered to another instance was answered twice).
  { sqlite: TELEGRAM_UPDATES, postgres: TELEGRAM_UPDATES },
  // sender_leases.recent_sends (pace): the holder's sends of the last minute per group, written at each renewal and at
  // release, so the next holder's pacer counts them in Telegram's 20/min per group.
  { sqlite: SENDER_RECENT_SENDS, postgres: SENDER_RECENT_SENDS },
  // Alert counts (leftovers): a digest's "…and N more" stays true after its alerts were sent, by an edit (ALERT_COUNTS).
  { sqlite: ALERT_COUNTS, postgres: ALERT_COUNTS },
  // Alert counts unknown (multi): alerts sent before "alert counts" are never edited (ALERT_COUNTS_UNKNOWN).
  { sqlite: ALERT_COUNTS_UNKNOWN, postgres: ALERT_COUNTS_UNKNOWN },
  // Moved runs (upgrade): the slot claims and unsent parts of a group upgraded to a supergroup follow it (MOVED_RUNS).
  { sqlite: MOVED_RUNS, postgres: MOVED_RUNS },
];

const newer = (where: string, version: number) =>
  new StorageError(
    `state: ${where} has schema version ${version}, this build knows ${MIGRATIONS.length}; upgrade digest-bot or use another ${where.includes("://") ? "DATABASE_URL" : "DATA_DIR"}`,
  );

/** Brings an SQLite state file to the latest version, each step in a transaction with its version bump. */
export function migrateSqlite(db: Database.Database, file: string): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > MIGRATIONS.length) throw newer(file, version);
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!.sqlite);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** Any constant: serialises migrations of several instances starting at once on one database. */
const MIGRATION_LOCK = 7_244_310;

/** Brings a PostgreSQL database to the latest version; instances starting together wait for each other. */
export async function migratePostgres(db: Kysely<StateTables>, where: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS digest_bot_schema (version INTEGER NOT NULL)`.execute(trx);
    const rows = (await sql<{ version: number }>`SELECT version FROM digest_bot_schema`.execute(trx)).rows;
    const version = rows[0]?.version ?? 0;
    if (version > MIGRATIONS.length) throw newer(where, version);
    for (let v = version; v < MIGRATIONS.length; v++) await sql.raw(MIGRATIONS[v]!.postgres).execute(trx);
    if (rows.length === 0) await sql`INSERT INTO digest_bot_schema (version) VALUES (${MIGRATIONS.length})`.execute(trx);
    else if (version < MIGRATIONS.length) await sql`UPDATE digest_bot_schema SET version = ${MIGRATIONS.length}`.execute(trx);
  });
}

/** The applied version on PostgreSQL. */
export async function postgresVersion(db: Kysely<StateTables>): Promise<number> {
  const rows = (await sql<{ version: number }>`SELECT version FROM digest_bot_schema`.execute(db)).rows;
  return rows[0]?.version ?? 0;
}
