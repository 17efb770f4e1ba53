// Start-up check of DIGEST_DIR and DATA_DIR: one clear error naming the variable, the path, what is wrong and the fix.
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";

/** A path setting cannot be used; the message is the whole story (no stack needed). */
export class StoragePathError extends Error {
  override name = "StoragePathError";
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? "error";
}

/** The nearest existing ancestor of `path`, to say which part is in the way. */
function blocker(path: string): { path: string; isDirectory: boolean } | undefined {
  for (let p = path; ; p = dirname(p)) {
    try {
      return { path: p, isDirectory: statSync(p).isDirectory() };
    } catch {
      if (dirname(p) === p) return undefined;
    }
  }
}

function explain(name: string, path: string, err: unknown, fix: string): StoragePathError {
  const c = code(err);
  let what: string;
  if (c === "ENOTDIR" || c === "EEXIST") {
    const b = blocker(path);
    what = b && !b.isDirectory ? `${b.path} is a file, not a directory` : "a part of it is not a directory";
  } else if (c === "EACCES" || c === "EPERM" || c === "EROFS") {
    what = c === "EROFS" ? "it is on a read-only file system" : "permission denied";
  } else if (c === "ENOENT") {
    what = "it does not exist";
  } else {
    what = (err as Error)?.message ?? String(err);
  }
  return new StoragePathError(`${name}=${path} cannot be used: ${what} (${c}); ${fix}`);
}

/**
 * Checks that DIGEST_DIR is a readable directory and that DATA_DIR is (or can be made) a writable directory.
 * Throws {@link StoragePathError} with one line that says what to fix.
 *
 * @example
 * checkStoragePaths({ DIGEST_DIR: "/srv/digests", DATA_DIR: "/var/lib/digest-bot" }); // creates DATA_DIR if missing
 */
export function checkStoragePaths(paths: { DIGEST_DIR: string; DATA_DIR?: string }): void {
  const digestFix = "set DIGEST_DIR to the folder the digest files (YYYY-MM-DD.md) are published to";
  try {
    if (!statSync(paths.DIGEST_DIR).isDirectory()) {
      throw new StoragePathError(`DIGEST_DIR=${paths.DIGEST_DIR} cannot be used: it is a file, not a directory; ${digestFix}`);
    }
    accessSync(paths.DIGEST_DIR, constants.R_OK | constants.X_OK);
  } catch (err) {
    if (err instanceof StoragePathError) throw err;
    const fix = code(err) === "ENOENT" ? `create it or ${digestFix}` : digestFix;
    throw explain("DIGEST_DIR", paths.DIGEST_DIR, err, fix);
  }
  if (paths.DATA_DIR === undefined) return;
  const dataFix = "set DATA_DIR to a directory the bot may write (it is created if missing)";
  try {
    // Private to the bot's user, like the storage creates it (state and history stay unreadable to others).
    mkdirSync(paths.DATA_DIR, { recursive: true, mode: 0o700 });
    if (!statSync(paths.DATA_DIR).isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    accessSync(paths.DATA_DIR, constants.W_OK | constants.R_OK | constants.X_OK);
  } catch (err) {
    throw explain("DATA_DIR", paths.DATA_DIR, err, dataFix);
  }
}
