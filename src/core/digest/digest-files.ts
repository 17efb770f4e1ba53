// Which files under DIGEST_DIR are digests: every `*.md` (sub-directories included), minus dot-files and READMEs.
import fs from "node:fs";
import path from "node:path";

/** The digest files and the (non-hidden) directories of a tree; the watcher watches exactly these directories. */
export interface DigestTree {
  /** Absolute-or-as-given paths of digest files, sorted. */
  files: string[];
  /** `dir` itself and every non-hidden directory below it, sorted. */
  dirs: string[];
}

/** True for a name the archive loads: `*.md` / `*.markdown`, not hidden, not a README. */
export function isDigestFileName(name: string): boolean {
  return /\.(md|markdown)$/i.test(name) && !name.startsWith(".") && !/^readme\.(md|markdown)$/i.test(name);
}

/**
 * Lists the digest files and directories under `dir`. Hidden directories (`.git`, an editor's `.swp` folder) are
 * neither listed nor entered. Throws what `readdir` throws for `dir` itself (ENOENT when it is missing); a
 * sub-directory that vanishes mid-walk is just left out.
 *
 * @example
 * const { files } = await listDigestTree("data/digests"); // ["data/digests/2026-02-18.md"]
 */
export async function listDigestTree(dir: string): Promise<DigestTree> {
  const files: string[] = [];
  const dirs: string[] = [];
  const walk = async (at: string, top: boolean): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(at, { withFileTypes: true });
    } catch (err) {
      if (top) throw err;
      return;
    }
    dirs.push(at);
    const below: Promise<void>[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) below.push(walk(full, false));
      else if ((entry.isFile() || entry.isSymbolicLink()) && isDigestFileName(entry.name)) files.push(full);
    }
    await Promise.all(below);
  };
  await walk(dir, true);
  return { files: files.sort(), dirs: dirs.sort() };
}
