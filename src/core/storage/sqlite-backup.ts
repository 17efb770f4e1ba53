// A consistent copy of the SQLite state file while the bot runs (SQLite's online backup API, not a file copy of a WAL database).
import { closeSync, existsSync, openSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { StorageError } from "./migrations.js";
import { STATE_DB_FILE } from "./open-storage.js";

/**
 * Copies `DATA_DIR/digest-bot.sqlite` into `dest` (a new file, 0600) page by page from a snapshot: rows committed
 * while it runs are in the copy or not, never half. Returns the pages copied.
 *
 * @example
 * await backupSqlite("data/state", "/backups/digest-bot-2026-02-18.sqlite");
 */
export async function backupSqlite(dataDir: string, dest: string): Promise<{ file: string; pages: number }> {
  const source = join(resolve(dataDir), STATE_DB_FILE);
  const target = resolve(dest);
  if (!existsSync(source)) throw new StorageError(`state: there is no state database at ${source}; check DATA_DIR`);
  try {
    // Created here, 0600 and only if new: SQLite then writes the copy into it.
    closeSync(openSync(target, "wx", 0o600));
  } catch (err) {
    const exists = (err as NodeJS.ErrnoException).code === "EEXIST";
    throw new StorageError(exists ? `state: ${target} already exists; back up into a new file` : `state: cannot create ${target}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let db: Database.Database;
  try {
    db = new Database(source, { fileMustExist: true });
  } catch (err) {
    rmSync(target, { force: true });
    throw new StorageError(`state: cannot open ${source}: ${(err as Error).message}`, { cause: err });
  }
  try {
    db.pragma("busy_timeout = 5000");
    const { totalPages } = await db.backup(target);
    return { file: target, pages: totalPages };
  } catch (err) {
    rmSync(target, { force: true });
    throw new StorageError(`state: backup to ${target} failed: ${(err as Error).message}`, { cause: err });
  } finally {
    db.close();
  }
}
