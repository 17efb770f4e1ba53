// Bot state on disk: one SQLite file (WAL) in DATA_DIR holding subscriptions and the delivery ledger, with versioned migrations.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";

/** File name of the state database inside DATA_DIR. */
export const STATE_DB_FILE = "digest-bot.sqlite";

/** How a delivery run came about. */
export type RunKind = "scheduled" | "repost" | "manual";

/** Where one planned message stands. `in-flight` = marked before the send, not yet confirmed. */
export type PartStatus = "pending" | "in-flight" | "sent" | "failed-permanent" | "skipped";

/**
 * Migrations, in order; `PRAGMA user_version` records how many ran. Append only — never edit a shipped one.
 * Each runs in a transaction together with its version bump.
 */
export const MIGRATIONS: readonly string[] = [
  `
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
  CREATE TABLE runs (
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
  `,
  // 2: who claimed a part (`<pid>:<random>`), so a second process leaves a part another live one is sending.
  `
  ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
  `,
];

/** An open state database. Close it once at shutdown. */
export interface StateDb {
  readonly db: Database.Database;
  /** Absolute path of the SQLite file. */
  readonly file: string;
  /** Checkpoints the WAL and closes; safe to call twice. */
  close(): void;
}

/** A state file this build cannot use (e.g. written by a newer version). */
export class StateDbError extends Error {
  override name = "StateDbError";
}

/**
 * Opens (creating if needed) `DATA_DIR/digest-bot.sqlite` in WAL mode and runs pending migrations.
 *
 * @example
 * const state = openStateDb(config.DATA_DIR);
 * const engine = createDeliveryEngine({ db: state, archive, config, logger });
 * // … at shutdown:
 * state.close();
 */
export function openStateDb(dataDir: string): StateDb {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, STATE_DB_FILE);
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (err) {
    throw new StateDbError(`state: cannot open ${file}: ${(err as Error).message}; check DATA_DIR is writable`, { cause: err });
  }
  try {
    db.pragma("journal_mode = WAL");
    // FULL, not NORMAL: a ledger mark lost to a power cut would re-send a message without warning.
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    migrate(db, file);
  } catch (err) {
    db.close();
    throw err;
  }
  let closed = false;
  return {
    db,
    file,
    close() {
      if (closed) return;
      closed = true;
      try {
        db.pragma("wal_checkpoint(TRUNCATE)");
      } finally {
        db.close();
      }
    },
  };
}

function migrate(db: Database.Database, file: string): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new StateDbError(
      `state: ${file} has schema version ${version}, this build knows ${MIGRATIONS.length}; upgrade digest-bot or use another DATA_DIR`,
    );
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/** Current schema version of an open database. */
export function schemaVersion(state: StateDb): number {
  return state.db.pragma("user_version", { simple: true }) as number;
}
