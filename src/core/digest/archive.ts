// The digest archive: every digest under DIGEST_DIR, parsed, validated, hot-reloaded, and looked up by date or story id.
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../logger.js";
import { type Digest, parseStoryId, type StoryRef } from "./model.js";
import type { ParseCache } from "./parse-cache.js";
import { DigestParseError, type DigestWarning, parseDigest } from "./parse-digest.js";

/** What changed in the archive; search and delivery follow these events. */
export type ArchiveChange =
  | { type: "upsert"; digest: Digest; previous?: Digest; file: string }
  | { type: "remove"; date: string; file: string };

/**
 * Read side of the archive. Readers always see whole digests: a reload swaps a digest in one step.
 * (Implementation: see `createArchive` below — contract fixed here so search, commands and delivery can build on it.)
 */
export interface DigestArchive {
  /** Dates of all loaded digests, ascending. */
  dates(): string[];
  /** All digests, ascending by date. */
  all(): Digest[];
  get(date: string): Digest | undefined;
  latest(): Digest | undefined;
  /** A story by its id (`20260218-1-3`). */
  findStory(id: string): StoryRef | undefined;
  /** Subscribe to changes; returns an unsubscribe function. */
  onChange(listener: (change: ArchiveChange) => void): () => void;
}

// ---------------------------------------------------------------------------------------------------------------
// Implementation


/** Quiet time after the last file-system event before the directory is rescanned (editors write in bursts). */
export const ARCHIVE_DEBOUNCE_MS = 150;
/** Largest digest file the archive parses; a bigger file is reported, since parsing it would stall the bot. */
export const ARCHIVE_MAX_FILE_BYTES = 2 * 1024 * 1024;
/** Safety-net rescan interval, for file systems where watch events get lost (network mounts, some containers). */
export const ARCHIVE_POLL_MS = 30_000;

export interface ArchiveOptions {
  /** Directory holding the digests (`DIGEST_DIR`); every `*.md` under it is loaded, sub-directories included. */
  dir: string;
  /** Logger; the archive logs under `{ module: "archive" }`. */
  logger: Logger;
  /** Follow changes in `dir` (new, changed, removed files). Default `true`. The watcher never keeps the process alive. */
  watch?: boolean;
  /** Debounce for watch events, in ms. Default {@link ARCHIVE_DEBOUNCE_MS}. */
  debounceMs?: number;
  /** Rescan interval while watching, in ms; `0` turns polling off. Default {@link ARCHIVE_POLL_MS}. */
  pollMs?: number;
  /** Reuses parses of unchanged files across starts (see `openParseCache`). Default: none, every file is parsed. */
  cache?: ParseCache;
  /** Time zone (`POST_TIMEZONE`) for the date of a file that names none: its modification day there. Default UTC. */
  timeZone?: string;
}

/** A file that could not be loaded (or could not take its date); the message is `file:line: what is wrong`. */
export interface ArchiveProblem {
  file: string;
  message: string;
}

/** The archive as the app owns it: the read side plus problems, warnings, manual reload and shutdown. */
export interface Archive extends DigestArchive {
  /** Files currently not loaded (or held at their last good version), with why. Empty when all is well. */
  problems(): ArchiveProblem[];
  /** Warnings (dropped links, empty bodies) of the digests currently loaded. */
  warnings(): DigestWarning[];
  /** Rescans the directory now, as the watcher does after a change; resolves once changes are applied. */
  reload(): Promise<void>;
  /** Stops watching. Idempotent; the loaded digests stay readable. */
  close(): Promise<void>;
}

/** What the archive knows about one file: its last good parse and the version (mtime/size) last read. */
interface FileEntry {
  good?: { digest: Digest; warnings: DigestWarning[]; dateLine: number };
  /** Parse-cache key of `good`, when a cache is in use. */
  key?: string;
  seen: string;
  problem?: string;
}

/** One immutable snapshot of the archive; a reload builds a new one and swaps the reference. */
interface View {
  byDate: Map<string, { digest: Digest; file: string }>;
  dates: string[];
}

const EMPTY_VIEW: View = { byDate: new Map(), dates: [] };

/**
 * Loads every digest under `dir`, then follows the directory: a new or edited file is parsed off to the side and
 * swapped in whole; a file that turns bad keeps its last good version (and is listed in `problems()`); a removed
 * file emits a `remove` change. A bad file never stops the others from loading.
 *
 * @example
 * const archive = await createArchive({ dir: config.DIGEST_DIR, logger });
 * archive.onChange((c) => logger.info({ change: c.type }, "digest changed"));
 * archive.latest()?.date; // "2026-02-18"
 * await archive.close();
 */
export async function createArchive(options: ArchiveOptions): Promise<Archive> {
  const log = options.logger.child({ module: "archive" });
  const dir = options.dir;
  const debounceMs = options.debounceMs ?? ARCHIVE_DEBOUNCE_MS;
  const pollMs = options.pollMs ?? ARCHIVE_POLL_MS;
  const files = new Map<string, FileEntry>();
  const listeners = new Set<(change: ArchiveChange) => void>();
  /** Which file holds each date; kept across rescans so a late duplicate never steals a date. */
  const owners = new Map<string, string>();
  let dirProblem: string | undefined;
  let duplicates: ArchiveProblem[] = [];
  let view: View = EMPTY_VIEW;
  let closed = false;
  let watcher: fs.FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const emit = (change: ArchiveChange): void => {
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch (err) {
        log.error({ err }, "archive change listener failed");
      }
    }
  };

  async function listDigestFiles(): Promise<string[] | undefined> {
    try {
      const names = await fs.promises.readdir(dir, { recursive: true });
      return names
        .map(String)
        .filter((name) => /\.(md|markdown)$/i.test(name))
        .filter((name) => !name.split(path.sep).some((part) => part.startsWith(".")))
        .filter((name) => !/^readme\.(md|markdown)$/i.test(path.basename(name)))
        .map((name) => path.join(dir, name))
        .sort();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const message = code === "ENOENT" ? `${dir}: digest directory not found (create it or set DIGEST_DIR)` : `${dir}: cannot read the digest directory (${code ?? String(err)})`;
      if (message !== dirProblem) log.error({ dir }, message);
      dirProblem = message;
      return undefined;
    }
  }

  async function readFile(file: string, entry: FileEntry | undefined): Promise<FileEntry | "gone"> {
    let stat: fs.Stats;
    let source: string;
    try {
      stat = await fs.promises.stat(file);
      const seen = `${stat.mtimeMs}:${stat.size}`;
      if (entry && entry.seen === seen) return entry;
      if (stat.size > ARCHIVE_MAX_FILE_BYTES) {
        const problem = `${file}:1: file is ${stat.size} bytes, more than a digest may have (${ARCHIVE_MAX_FILE_BYTES}); not loaded`;
        log.error({ file }, problem);
        return { ...(entry?.good ? { good: entry.good } : {}), seen, problem };
      }
      source = await fs.promises.readFile(file, "utf8");
      entry = { ...(entry?.good ? { good: entry.good } : {}), ...(entry?.key ? { key: entry.key } : {}), seen };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return "gone"; // removed between listing and reading (an editor's rename dance)
      const problem = `${file}:1: cannot read the file (${code ?? String(err)})`;
      if (entry?.problem !== problem) log.error({ file }, problem);
      return { ...(entry?.good ? { good: entry.good } : {}), seen: "", problem };
    }
    const key = options.cache?.keyOf(file, source);
    const cached = key === undefined ? undefined : options.cache?.get(key);
    try {
      const parsed = cached ?? parseDigest(source, file, { mtime: stat.mtime, ...(options.timeZone ? { timeZone: options.timeZone } : {}) });
      if (key !== undefined && !cached) options.cache?.set(key, parsed);
      for (const w of parsed.warnings) log.warn({ file, line: w.line }, `${w.file}:${w.line}: ${w.message}`);
      return { good: parsed, seen: entry.seen, ...(key !== undefined ? { key } : {}) };
    } catch (err) {
      if (!(err instanceof DigestParseError)) throw err;
      const keeping = entry.good ? `; keeping the last good version (${entry.good.digest.date})` : "; file skipped";
      log.error({ file, line: err.line }, `${err.message}${keeping}`);
      return { ...entry, problem: err.message };
    }
  }

  async function rescan(): Promise<void> {
    const listed = await listDigestFiles();
    if (!listed) return;
    dirProblem = undefined;
    const present = new Set(listed);
    for (const file of listed) {
      const next = await readFile(file, files.get(file));
      if (next === "gone") present.delete(file);
      else files.set(file, next);
    }
    for (const file of [...files.keys()]) if (!present.has(file)) files.delete(file);
    if (!closed) applyView();
    await options.cache?.save(new Set([...files.values()].flatMap((e) => (e.key ? [e.key] : []))));
  }

  /** Builds the next snapshot from the per-file state, swaps it in, and tells listeners what changed. */
  function applyView(): void {
    const claims = new Map<string, string[]>();
    for (const [file, entry] of files) {
      if (!entry.good) continue;
      const date = entry.good.digest.date;
      claims.set(date, [...(claims.get(date) ?? []), file]);
    }
    const byDate = new Map<string, { digest: Digest; file: string }>();
    const nextDuplicates: ArchiveProblem[] = [];
    for (const [date, claimants] of claims) {
      const current = owners.get(date);
      const owner = current && claimants.includes(current) ? current : (claimants[0] as string);
      owners.set(date, owner);
      byDate.set(date, { digest: (files.get(owner)?.good as { digest: Digest }).digest, file: owner });
      for (const other of claimants.filter((f) => f !== owner)) {
        nextDuplicates.push({
          file: other,
          message: `${other}:${files.get(other)?.good?.dateLine ?? 1}: date ${date} is already used by ${owner}; each digest needs its own date, so this file is not loaded`,
        });
      }
    }
    for (const date of [...owners.keys()]) if (!claims.has(date)) owners.delete(date);
    const known = new Set(duplicates.map((d) => d.message));
    for (const d of nextDuplicates) if (!known.has(d.message)) log.error({ file: d.file }, d.message);
    duplicates = nextDuplicates;

    const previous = view;
    view = { byDate, dates: [...byDate.keys()].sort() };
    for (const [date, { digest, file }] of byDate) {
      const before = previous.byDate.get(date);
      if (before?.digest === digest) continue;
      emit(before ? { type: "upsert", digest, previous: before.digest, file } : { type: "upsert", digest, file });
    }
    for (const [date, { file }] of previous.byDate) if (!byDate.has(date)) emit({ type: "remove", date, file });
  }

  /** Runs one rescan at a time; a request during a rescan queues exactly one more. */
  function reload(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await rescan();
        } while (again && !closed);
      } catch (err) {
        log.error({ err }, "digest rescan failed");
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  function schedule(): void {
    if (closed) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => void reload(), debounceMs);
    debounce.unref();
  }

  function startWatching(): void {
    if (watcher || closed) return;
    try {
      watcher = fs.watch(dir, { recursive: true, persistent: false }, schedule);
    } catch {
      try {
        watcher = fs.watch(dir, { persistent: false }, schedule);
      } catch (err) {
        log.warn({ dir, err }, "cannot watch the digest directory; relying on periodic rescans");
        return;
      }
    }
    watcher.on("error", (err) => {
      // The directory went away or the watch broke: drop it and let the next rescan set it up again.
      log.warn({ dir, err }, "digest directory watch failed; will retry");
      watcher?.close();
      watcher = undefined;
    });
  }

  await reload();
  const count = view.dates.length;
  log.info({ dir, digests: count, problems: duplicates.length + [...files.values()].filter((e) => e.problem).length }, `loaded ${count} digest(s) from ${dir}`);
  if (options.watch ?? true) {
    startWatching();
    if (pollMs > 0) {
      poll = setInterval(() => {
        startWatching();
        void reload();
      }, pollMs);
      poll.unref();
    }
  }

  return {
    dates: () => [...view.dates],
    all: () => view.dates.map((d) => (view.byDate.get(d) as { digest: Digest }).digest),
    get: (date) => view.byDate.get(date)?.digest,
    latest: () => {
      const last = view.dates[view.dates.length - 1];
      return last === undefined ? undefined : view.byDate.get(last)?.digest;
    },
    findStory: (id) => findStoryIn(view, id),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    problems: () => [
      ...(dirProblem ? [{ file: dir, message: dirProblem }] : []),
      ...[...files].flatMap(([file, e]) => (e.problem ? [{ file, message: e.problem }] : [])),
      ...duplicates,
    ],
    warnings: () => view.dates.flatMap((d) => files.get(view.byDate.get(d)?.file ?? "")?.good?.warnings ?? []),
    reload,
    async close() {
      closed = true;
      clearTimeout(debounce);
      clearInterval(poll);
      watcher?.close();
      watcher = undefined;
      listeners.clear();
      await running;
    },
  };
}

function findStoryIn(view: View, id: string): StoryRef | undefined {
  const parts = parseStoryId(id);
  if (!parts) return undefined;
  const digest = view.byDate.get(parts.date)?.digest;
  const section = digest?.sections[parts.sectionIndex];
  const story = section?.stories[parts.storyIndex];
  if (!digest || !section || !story) return undefined;
  return { digest, section, sectionIndex: parts.sectionIndex, story };
}
