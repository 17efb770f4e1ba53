// Opens the state store: an SQLite file in DATA_DIR (the default), or PostgreSQL when DATABASE_URL is set; migrates it.
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { Kysely, PostgresDialect, sql } from "kysely";
import { createLeaseStore } from "./lease-store.js";
import { createLedgerStore } from "./ledger-store.js";
import { createRevisionStore } from "./revision-store.js";
import { createSearchPageStore } from "./search-pages-store.js";
import { createTelegramUpdateStore } from "./telegram-updates-store.js";
import { createSenderLeaseStore } from "./sender-lease-store.js";
import { createSentMarks } from "./sent-marks.js";
import { migratePostgres, migrateSqlite, postgresVersion, StorageError } from "./migrations.js";
import type { StateTables } from "./schema.js";
import { TurnTakingSqliteDialect } from "./sqlite-file-lock.js";
import { createSubscriptionStore } from "./subscriptions-store.js";
import { createWatchStore } from "./watch-store.js";
import type { Storage, StorageDialect } from "./types.js";

/** File name of the SQLite state database inside DATA_DIR. */
export const STATE_DB_FILE = "digest-bot.sqlite";

/** Where state lives: DATA_DIR always (SQLite file, caches); `databaseUrl` (postgres://…) moves the state tables there. */
export interface StorageOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
}

/**
 * Opens (creating and migrating if needed) the state store the settings ask for.
 *
 * @example
 * const storage = await openStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL });
 * const engine = createDeliveryEngine({ storage, archive, config, logger });
 * // … at shutdown:
 * await storage.close();
 */
export function openStorage(options: StorageOptions): Promise<Storage> {
  return options.databaseUrl ? openPostgresStorage(options.databaseUrl) : openSqliteStorage(options.dataDir);
}

/** Creates DATA_DIR (0700) if missing: it holds delivery history and caches nobody else needs to read. */
export function ensureDataDir(dataDir: string): string {
  const dir = resolve(dataDir);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new StorageError(`state: cannot create DATA_DIR ${dir}: ${(err as Error).message}; set DATA_DIR to a writable directory`, { cause: err });
  }
  return dir;
}

/** `DATA_DIR/digest-bot.sqlite` in WAL mode, `synchronous=FULL`, migrated. */
export async function openSqliteStorage(dataDir: string): Promise<Storage> {
  return openSqliteFile(join(ensureDataDir(dataDir), STATE_DB_FILE));
}

/** An SQLite state file anywhere (e.g. the source of `digest-bot migrate`), opened and migrated like DATA_DIR's. */
export async function openSqliteFile(file: string): Promise<Storage> {
  let raw: Database.Database;
  try {
    // Created 0600 before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
    closeSync(openSync(file, "a", 0o600));
    raw = new Database(file);
  } catch (err) {
    throw new StorageError(`state: cannot open ${file}: ${(err as Error).message}; check DATA_DIR is writable`, { cause: err });
  }
  try {
    raw.pragma("journal_mode = WAL");
    // FULL, not NORMAL: a ledger mark lost to a power cut would re-send a message without warning.
    raw.pragma("synchronous = FULL");
    raw.pragma("foreign_keys = ON");
    raw.pragma("busy_timeout = 5000");
    migrateSqlite(raw, file);
  } catch (err) {
    raw.close();
    throw err;
  }
  const db = new Kysely<StateTables>({ dialect: new TurnTakingSqliteDialect(file, { database: raw }) });
  return assemble(db, "sqlite", file, async () => raw.pragma("user_version", { simple: true }) as number, async () => {
    try {
      await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
    } catch (err) {
      // A full or read-only disk refuses the checkpoint, not the data: every commit is in the WAL already, and the
      // next open checkpoints it. A stop must not fail over it.
      if (!/^SQLITE_(FULL|READONLY|IOERR)/.test(String((err as { code?: unknown }).code))) throw err;
    } finally {
      await db.destroy();
    }
  });
}

/** `postgres://user:secret@host/db` → `postgres://user@host/db`: never print a password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = "";
    return u.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

/** A PostgreSQL database (a pool of a few connections), migrated; several instances may share it. */
export async function openPostgresStorage(url: string): Promise<Storage> {
  const where = redactUrl(url);
  // Loaded here, not at the top: an SQLite start (the default, and the console) does not pay for pg's ~50 modules.
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  const db = new Kysely<StateTables>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migratePostgres(db, where);
  } catch (err) {
    await db.destroy();
    if (err instanceof StorageError) throw err;
    throw new StorageError(`state: cannot use PostgreSQL at ${where}: ${(err as Error).message}; check DATABASE_URL and that the server is running`, {
      cause: err,
    });
  }
  return assemble(db, "postgres", where, () => postgresVersion(db), () => db.destroy());
}

function assemble(
  db: Kysely<StateTables>,
  dialect: StorageDialect,
  location: string,
  version: () => Promise<number>,
  destroy: () => Promise<void>,
): Storage {
  let closing: Promise<void> | undefined;
  let closed = false;
  // One queue of sent marks for the ledger and the deliveries' claims: on SQLite a claim commits the marks waiting.
  const marks = createSentMarks(db, { group: dialect === "sqlite" });
  return {
    dialect,
    location,
    db,
    subscriptions: createSubscriptionStore(db, dialect),
    ledger: createLedgerStore(db, dialect, marks),
    leases: createLeaseStore(db, dialect, "deliveries", marks),
    senderLeases: createSenderLeaseStore(db),
    revisions: createRevisionStore(db, dialect),
    searchPages: createSearchPageStore(db),
    telegramUpdates: createTelegramUpdateStore(db),
    watches: createWatchStore(db, dialect),
    schemaVersion: version,
    get closed() {
      return closed;
    },
    close() {
      closed = true;
      // A confirmed send waiting for a claim to share its commit is written before the database goes.
      closing ??= marks.flush().then(destroy, destroy);
      return closing;
    },
  };
}
