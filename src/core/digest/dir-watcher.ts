// Follows a digest directory tree and says which digest files changed (or "rescan everything") shortly after anything in it changes.
//
// Why not `fs.watch(dir, { recursive: true })`: on Linux, Node 20 emulates it in JS with one watch per *file*, and
// a watch on a file follows its inode. After an atomic save (write a temp file, rename it over the digest — sed -i,
// JetBrains safe write, gedit, Sublime atomic_save, rsync, git checkout) the watch sits on the old, deleted inode,
// and later saves were only seen by the 30 s rescan. Here every *directory* gets its own non-recursive watch
// (inotify on the directory): it reports creates, writes, renames into and out of, and deletions of its entries,
// whatever inode they have, so no save style escapes it. New sub-directories get a watch as soon as they appear.
//
// Why not a library (measured with `bench/watcher-bench.ts`, time from a save to the first event; README "Digest
// format"): chokidar 4.0.3 saw every save style too but waits ~100 ms on deletes and moves out (its rename
// handling re-stats before it reports), and @parcel/watcher 2.6.0 reports everything after ~50 ms and is a native
// addon (a prebuilt binary per platform, an install script). This per-directory watch reported every style within
// 1.5–5.7 ms with no dependency; Node's recursive watch missed 5 of 5 saves after the first atomic one. chokidar
// 5+ needs Node 22.
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../logger.js";
import { isDigestFileName } from "./digest-files.js";

/** More named files than this in one burst (a bulk copy, a checkout): one rescan instead. */
const MAX_NAMED = 256;

export interface DirWatcherOptions {
  /** The tree's root (`DIGEST_DIR`). */
  dir: string;
  /**
   * Called once per burst of events, after `debounceMs` of quiet (or `maxWaitMs` after the burst began), with the
   * digest files the events named (created, written, touched, renamed in or out, removed), or `undefined` when
   * the whole tree must be rescanned: an event without a name, a directory created, moved or gone, a broken watch.
   */
  onChange: (files: ReadonlySet<string> | undefined) => void;
  /** Quiet time after the last event. Editors write in bursts (temp file, rename, chmod). */
  debounceMs: number;
  /** Longest wait from the first event of a burst: a bulk copy of many files must not postpone the rescan forever. */
  maxWaitMs: number;
  logger: Logger;
}

export interface DirWatcher {
  /** Makes the watched set exactly `dirs` (the directories a rescan found): watches new ones, drops gone ones. */
  sync(dirs: readonly string[]): void;
  /** Stops every watch and any pending call. Idempotent. */
  close(): void;
}

/**
 * Watches `dir` and every non-hidden directory below it; the watches never keep the process alive.
 *
 * @example
 * const watcher = watchDigestDir({ dir, onChange: (files) => void refresh(files), debounceMs: 150, maxWaitMs: 500, logger });
 * watcher.sync((await listDigestTree(dir)).dirs);
 * watcher.close();
 */
export function watchDigestDir(options: DirWatcherOptions): DirWatcher {
  const { dir, onChange, debounceMs, maxWaitMs, logger } = options;
  const watches = new Map<string, fs.FSWatcher>();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let burstStart = 0;
  let warned = false;
  /** The files named in this burst; `undefined` once the burst needs a rescan. */
  let named: Set<string> | undefined = new Set();

  const fire = (): void => {
    timer = undefined;
    burstStart = 0;
    const files = named;
    named = new Set();
    if (!closed) onChange(files);
  };

  /** `file` changed, or (without one) something a rescan must find. */
  const schedule = (file?: string): void => {
    if (closed) return;
    if (file === undefined || (named && named.size >= MAX_NAMED)) named = undefined;
    else named?.add(file);
    const now = Date.now();
    if (burstStart === 0) burstStart = now;
    clearTimeout(timer);
    timer = setTimeout(fire, Math.max(0, Math.min(debounceMs, burstStart + maxWaitMs - now)));
    timer.unref();
  };

  const unwatch = (at: string): void => {
    for (const [watched, w] of watches) {
      if (watched === at || watched.startsWith(at + path.sep)) {
        w.close();
        watches.delete(watched);
      }
    }
  };

  /** Watches `at` and, when `deep`, every directory below it that exists right now (a copied-in folder). */
  const watch = (at: string, deep: boolean): void => {
    if (closed || watches.has(at)) return;
    let w: fs.FSWatcher;
    try {
      w = fs.watch(at, { persistent: false }, (_event, name) => onEvent(at, name === null ? undefined : String(name)));
    } catch (err) {
      if (!warned) logger.warn({ dir: at, err }, "cannot watch a digest directory; relying on periodic rescans");
      warned = true;
      return;
    }
    // The directory went away (or the watch broke): drop it; the next rescan's sync() sets it up again if needed.
    w.on("error", () => {
      unwatch(at);
      schedule();
    });
    watches.set(at, w);
    if (!deep) return;
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(at, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith(".")) watch(path.join(at, e.name), true);
  };

  const onEvent = (at: string, name: string | undefined): void => {
    // No name (the kernel's queue overflowed, or a platform that gives none): only a rescan can tell.
    if (name === undefined) return schedule();
    // Hidden entries are neither digests nor watched folders; an editor's `.x.md.swp` or rsync's `.x.md.AbC123`
    // becomes a digest by a rename, whose event names the digest.
    if (name.startsWith(".")) return;
    const full = path.join(at, name);
    let isDir = false;
    try {
      isDir = fs.statSync(full).isDirectory();
    } catch {
      // Gone: a file removed, renamed away, or a directory moved out (whose digests a rescan drops).
      if (watches.has(full)) {
        unwatch(full);
        return schedule();
      }
    }
    // A directory created (or moved in) later: watch it and everything already in it before the rescan lists it.
    if (isDir) {
      watch(full, true);
      return schedule();
    }
    if (isDigestFileName(name)) schedule(full);
  };

  watch(dir, true);

  return {
    sync(dirs) {
      if (closed) return;
      const wanted = new Set(dirs);
      for (const at of [...watches.keys()]) if (!wanted.has(at)) unwatch(at);
      for (const at of dirs) watch(at, false);
    },
    close() {
      closed = true;
      clearTimeout(timer);
      for (const w of watches.values()) w.close();
      watches.clear();
    },
  };
}
