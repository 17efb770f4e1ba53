// `digest-bot migrate --from sqlite:PATH`: copies an SQLite state (subscriptions, runs, ledger) into the PostgreSQL of DATABASE_URL.
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { readCommandArgs } from "./command-args.js";
import { loadConfig } from "../core/config.js";
import { copyState } from "../core/storage/copy-state.js";
import { openPostgresStorage, openSqliteFile, STATE_DB_FILE } from "../core/storage/open-storage.js";
import { reportStorageErrors, type StateCliIo } from "./state-cli.js";

const USAGE = `Usage: digest-bot migrate --from sqlite:PATH

Copies the state in the SQLite file PATH (or PATH/${STATE_DB_FILE} when PATH is a directory, e.g. your DATA_DIR)
into the PostgreSQL database of DATABASE_URL, in one transaction. The database must hold no digest-bot state yet;
its schema is created or upgraded first. Stop the bot before, start it with DATABASE_URL after. The SQLite file is
upgraded to the current schema if older, and otherwise left as it is.

Exit code: 0 copied, 1 it could not be (the reason is printed), 2 bad usage.
`;

export async function run(args: string[]): Promise<number> {
  return runMigrate(args, { config: loadConfig(), stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
}

export async function runMigrate(args: string[], io: StateCliIo): Promise<number> {
  const parsed = readCommandArgs(io, "migrate", USAGE, () => parseArgs({ args, options: { from: { type: "string" }, help: { type: "boolean", short: "h" } } }));
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const m = /^sqlite:(.+)$/.exec(values.from ?? "");
  if (!m) {
    io.stderr(`digest-bot migrate: give the source as --from sqlite:PATH, e.g. --from sqlite:data/state\n\n${USAGE}`);
    return 2;
  }
  const url = io.config.DATABASE_URL;
  if (!url) {
    io.stderr("digest-bot migrate: set DATABASE_URL to the PostgreSQL database to copy into (postgres://user:password@host:5432/database)\n");
    return 2;
  }
  let file = resolve(m[1]!);
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, STATE_DB_FILE);
  if (!existsSync(file)) {
    io.stderr(`digest-bot migrate: there is no SQLite state at ${file}\n`);
    return 1;
  }
  return reportStorageErrors("migrate", io, async () => {
    const from = await openSqliteFile(file);
    try {
      const to = await openPostgresStorage(url);
      try {
        const n = await copyState(from, to);
        io.stderr(
          `digest-bot migrate: copied ${n.subscriptions} subscriptions, ${n.runs} runs and ${n.deliveries} messages from ${file} into ${to.location}\n`,
        );
        return 0;
      } finally {
        await to.close();
      }
    } finally {
      await from.close();
    }
  });
}
