// Temp files named after the process writing them, so writers sharing a folder (bots of several containers on one volume) never clash, and those dead writers left are removed.
import { createHash } from "node:crypto";
import { promises as fsp, readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { isProcessRunning, processStartTime } from "./process-alive.js";

/**
 * A temp file of a writer this process cannot look up (another container, host or boot; or of an earlier version,
 * named by pid alone) is taken as left by a dead one once not written for this long. A live writer writes its
 * file without pause and renames it within seconds; only one stopped for a day (`docker pause`) would lose it,
 * and its save then fails with a warning and is made again at the next change.
 */
export const STALE_TEMP_MS = 24 * 3600_000;

const TAGGED = /\.([0-9a-f]{12})-(\d+)-(\d+)\.tmp$/;
/** `<file>.<pid>.tmp`, as versions before the tag wrote them. */
const LEGACY = /\.(\d+)\.tmp$/;

let space: string | undefined;
/**
 * The pid namespace this process runs in, named across hosts and boots: a hash of the boot id, the namespace's
 * inode and the hostname. Containers on one host share the boot id but not the namespace, in which every bot
 * has the same small pid: a pid means something only to a process of the same namespace.
 */
export function pidSpace(): string {
  if (space === undefined) {
    const read = (f: () => string): string => {
      try {
        return f();
      } catch {
        return "";
      }
    };
    const boot = read(() => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim());
    const namespace = read(() => readlinkSync("/proc/self/ns/pid"));
    space = createHash("sha256").update(`${boot}\u0000${namespace}\u0000${hostname()}`).digest("hex").slice(0, 12);
  }
  return space;
}

/** `<pid space>-<pid>-<start time>` of a process of this namespace (start `0` where the kernel does not say). */
export function writerTag(pid: number = process.pid): string {
  return `${pidSpace()}-${pid}-${processStartTime(pid) ?? "0"}`;
}

let ownTag: string | undefined;
/**
 * The temp path this process writes `file` through before renaming it over `file`: no other process, of this
 * container or another sharing the folder, writes the same path.
 *
 * @example
 * await writeFile(tempPathOf(file), text); await rename(tempPathOf(file), file);
 */
export function tempPathOf(file: string): string {
  ownTag ??= writerTag();
  return `${file}.${ownTag}.tmp`;
}

/**
 * Whether a temp file was left by a writer that is gone. Of this pid namespace: its pid runs nothing, or a process
 * started at another time (a reused pid). Of any other (or named by pid alone): not written for `STALE_TEMP_MS`.
 * This process's own files are never leftovers.
 */
export function isLeftoverTemp(name: string, mtimeMs: number, now: number): boolean {
  const tagged = TAGGED.exec(name);
  if (tagged && tagged[1] === pidSpace()) {
    const [, , pidText, start] = tagged;
    const pid = Number(pidText);
    if (pid === process.pid) return `${tagged[1]}-${pid}-${start}` !== (ownTag ??= writerTag());
    const running = processStartTime(pid);
    if (running === undefined) return !isProcessRunning(pid);
    return start !== "0" && running !== start;
  }
  return (tagged !== null || LEGACY.test(name)) && now - mtimeMs > STALE_TEMP_MS;
}

/** Removes the temp files among `names` (entries of `folder`) whose writer is gone (`isLeftoverTemp`). Never throws. */
export async function removeLeftoverTemps(folder: string, names: readonly string[], now: number = Date.now()): Promise<void> {
  for (const name of names) {
    if (!TAGGED.test(name) && !LEGACY.test(name)) continue;
    const file = path.join(folder, name);
    const stat = await fsp.stat(file).catch(() => undefined);
    if (stat && isLeftoverTemp(name, stat.mtimeMs, now)) await fsp.rm(file, { force: true }).catch(() => undefined);
  }
}
