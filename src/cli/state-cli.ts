// Shared plumbing of the state commands (backup, pending, migrate): their IO and how they report a StorageError.
import type { Config } from "../core/config.js";
import { StorageError } from "../core/storage/migrations.js";

/** Where a state command reads settings and writes; tests pass their own. */
export interface StateCliIo {
  config: Config;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now?: Date;
}

/** Runs `body`; a StorageError (no file, newer schema, unreachable server…) is one line on stderr and exit 1. */
export async function reportStorageErrors(command: string, io: StateCliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof StorageError)) throw err;
    io.stderr(`digest-bot ${command}: ${err.message}\n`);
    return 1;
  }
}
