// The archive's reloads: one at a time, requests merged, and a change the watcher named re-read alone instead of the whole tree.
import fs from "node:fs";
import type { Logger } from "../logger.js";
import { type FileEntry, type ReadDeps, readDigestFile } from "./archive-files.js";

/** What to reload: the whole tree, or only these digest files. */
export type ReloadRequest = ReadonlySet<string> | undefined;

/**
 * Runs one reload at a time. A request during a reload queues one more, merged with every other request made
 * meanwhile: a rescan if any asked for one (it covers named files too), else the union of the named files.
 * `request`'s promise resolves once the reload running and the one queued are done; failures are logged.
 *
 * @example
 * const reloads = createReloadQueue({ rescan, refresh, isClosed: () => closed, log });
 * await reloads.request(); // the whole tree
 * void reloads.request(new Set(["digests/2026-02-18.md"]));
 * await reloads.idle(); // at close
 */
export function createReloadQueue(deps: {
  rescan: () => Promise<void>;
  refresh: (files: ReadonlySet<string>) => Promise<void>;
  isClosed: () => boolean;
  log: Logger;
}): { request(files?: ReloadRequest): Promise<void>; idle(): Promise<void> } {
  let running: Promise<void> | undefined;
  let queued: { all: boolean; files: Set<string> } | undefined;
  const request = (files?: ReloadRequest): Promise<void> => {
    queued ??= { all: false, files: new Set() };
    if (files === undefined) queued.all = true;
    else for (const file of files) queued.files.add(file);
    if (running) return running;
    running = (async () => {
      try {
        while (queued && !deps.isClosed()) {
          const next = queued;
          queued = undefined;
          await (next.all ? deps.rescan() : deps.refresh(next.files));
        }
      } catch (err) {
        deps.log.error({ err }, "digest rescan failed");
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  return { request, idle: () => running ?? Promise.resolve() };
}

/**
 * Re-reads `paths` into `files` as a rescan would read them, nothing else: a path gone (or no longer a regular file
 * or a link to one, as the tree's listing requires) leaves `files`. `settle` is called with each entry replaced or
 * dropped. True when an entry was dropped.
 */
export async function readNamedFiles(
  paths: ReadonlySet<string>,
  files: Map<string, FileEntry>,
  deps: ReadDeps,
  settle: (entry: FileEntry | undefined) => void,
  isClosed: () => boolean,
): Promise<boolean> {
  let dropped = false;
  for (const file of paths) {
    if (isClosed()) break;
    const before = files.get(file);
    // A FIFO or device under a digest's name would block the read for good; the listing leaves them out too.
    const kind = await fs.promises.lstat(file).catch(() => undefined);
    const next = kind && (kind.isFile() || kind.isSymbolicLink()) ? await readDigestFile(file, before, deps) : "gone";
    if (next === before) continue;
    settle(before);
    if (next !== "gone") files.set(file, next);
    else if (files.delete(file)) dropped = true;
  }
  return dropped;
}
