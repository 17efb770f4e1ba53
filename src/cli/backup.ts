// `digest-bot backup FILE`: a consistent copy of the SQLite state while the bot runs (online backup API).
import { parseArgs } from "node:util";
import { readCommandArgs } from "./command-args.js";
import { loadConfig } from "../core/config.js";
import { backupSqlite } from "../core/storage/sqlite-backup.js";
import { reportStorageErrors, type StateCliIo } from "./state-cli.js";

const USAGE = `Usage: digest-bot backup FILE

Copies the state database (DATA_DIR/digest-bot.sqlite: subscriptions, runs, the delivery ledger) into FILE, a new
file, consistently, even while the bot is running. To restore: stop the bot, copy FILE to DATA_DIR/digest-bot.sqlite,
delete DATA_DIR/digest-bot.sqlite-wal and -shm if present, start the bot.
With DATABASE_URL (PostgreSQL) use pg_dump instead.

Exit code: 0 copied, 1 it could not be (the reason is printed), 2 bad usage.
`;

export async function run(args: string[]): Promise<number> {
  return runBackup(args, { config: loadConfig(), stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
}

export async function runBackup(args: string[], io: StateCliIo): Promise<number> {
  const parsed = readCommandArgs(io, "backup", USAGE, () => parseArgs({ args, allowPositionals: true, options: { help: { type: "boolean", short: "h" } } }));
  if (typeof parsed === "number") return parsed;
  const { positionals } = parsed;
  if (positionals.length !== 1) {
    io.stderr(`digest-bot backup: give one FILE to write, e.g. digest-bot backup backups/digest-bot.sqlite\n\n${USAGE}`);
    return 2;
  }
  if (io.config.DATABASE_URL) {
    io.stderr("digest-bot backup: the state is in PostgreSQL (DATABASE_URL); back it up with pg_dump\n");
    return 1;
  }
  return reportStorageErrors("backup", io, async () => {
    const { file, pages } = await backupSqlite(io.config.DATA_DIR, positionals[0]!);
    io.stderr(`digest-bot backup: copied the state database into ${file} (${pages} pages)\n`);
    return 0;
  });
}
