// The digest archive: every digest under DIGEST_DIR, parsed, validated, hot-reloaded, and looked up by date or story id.
import type { Logger } from "../logger.js";
import { type FileEntry, outlineEntry, type ReadDeps, readDigestFile } from "./archive-files.js";
import { createReloadQueue, readNamedFiles, type ReloadRequest } from "./archive-reload.js";
import { chooseOwners, EMPTY_VIEW, heldIfSame, lookUpStory, sameIds, type StoryLookup, type View } from "./archive-view.js";
import { type ChangeSummary, summarizeChange } from "./change-summary.js";
import { createInlineParser, type DigestParser } from "./digest-parser.js";
import { listDigestTree } from "./digest-files.js";
import { saveOutlines } from "./archive-outlines.js";
import { isOutlined, loadOutlined } from "./digest-outline.js";
import { type DirWatcher, watchDigestDir } from "./dir-watcher.js";
import type { Digest, StoryRef } from "./model.js";
import type { ParseCache } from "./parse-cache.js";
import type { DigestWarning } from "./parse-digest.js";
import { createMemoryStoryIdStore, type StoryIdStore } from "./story-id-store.js";
import { assignStoryIds, type DateIds } from "./story-ids.js";

export { ARCHIVE_MAX_FILE_BYTES } from "./archive-files.js";
export type { StoryLookup } from "./archive-view.js";
export type { ChangeSummary } from "./change-summary.js";

/**
 * What changed in the archive; search and delivery follow these events, the console prints `summary.text`.
 * `summary` is always set by the archive (optional only so code replaying changes need not invent one).
 */
export type ArchiveChange =
  | { type: "upsert"; digest: Digest; previous?: Digest; file: string; summary?: ChangeSummary }
  | { type: "remove"; date: string; file: string; summary?: ChangeSummary };

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
  /** A story by its id (stable `20260218-glm-5-k3f9a`, or an old position id `20260218-1-3`). */
  findStory(id: string): StoryRef | undefined;
  /** Like `findStory`, but tells a story removed from its digest apart from an id that never existed. */
  lookUpStory?(id: string): StoryLookup;
  /** Subscribe to changes; returns an unsubscribe function. */
  onChange(listener: (change: ArchiveChange) => void): () => void;
}

/** Quiet time after the last file-system event before the directory is rescanned (editors write in bursts). */
export const ARCHIVE_DEBOUNCE_MS = 150;
/** Longest a burst of events (a bulk copy) can postpone the rescan; with parsing, a change shows within ~1 s. */
export const ARCHIVE_MAX_WAIT_MS = 500;
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
  /** Runs the parser; the archive closes it on `close()`. Default: inline (the bot passes `createWorkerParser()`). */
  parser?: DigestParser;
  /** Keeps story id assignments across starts (see `openStoryIdStore`). Default: in memory. */
  ids?: StoryIdStore;
}

/** A file that could not be loaded (or could not take its date); the message is `file:line: what is wrong`. */
export interface ArchiveProblem {
  file: string;
  message: string;
}

/** The archive as the app owns it: the read side plus problems, warnings, manual reload and shutdown. */
export interface Archive extends DigestArchive {
  lookUpStory(id: string): StoryLookup;
  /** Files currently not loaded (or held at their last good version), with why. Empty when all is well. */
  problems(): ArchiveProblem[];
  /** Warnings (dropped links, empty bodies) of the digests currently loaded. */
  warnings(): DigestWarning[];
  /** Rescans the directory now, as the watcher does after a change; resolves once changes are applied. */
  reload(): Promise<void>;
  /** Stops watching and parsing, and waits for pending cache and id writes. Idempotent; digests stay readable. */
  close(): Promise<void>;
}

/** Longest stretch of id work before the archive lets other work (commands) run. */
const YIELD_AFTER_MS = 20;
/** How many digest files are stat'ed and read at once. */
const FILES_AT_ONCE = 8;
/** How many id files are read at once at start. */
const ID_LOADS_AT_ONCE = 32;

/**
 * Loads every digest under `dir`, then follows the directory: a new or edited file is parsed off to the side and
 * swapped in whole; a file that turns bad keeps its last good version (and is listed in `problems()`); a removed
 * file emits a `remove` change. A bad file never stops the others from loading. Stories get stable ids
 * (`story-ids.ts`), and each change is logged as one line (`2026-02-19 revised: 1 story changed, 1 added`).
 *
 * @example
 * const archive = await createArchive({ dir: config.DIGEST_DIR, logger });
 * archive.onChange((c) => logger.info(c.type === "upsert" ? c.summary?.text : `removed ${c.date}`));
 * archive.latest()?.date; // "2026-02-18"
 * await archive.close();
 */
export async function createArchive(options: ArchiveOptions): Promise<Archive> {
  const log = options.logger.child({ module: "archive" });
  const dir = options.dir;
  const parser = options.parser ?? createInlineParser();
  const store = options.ids ?? createMemoryStoryIdStore();
  const files = new Map<string, FileEntry>();
  const listeners = new Set<(change: ArchiveChange) => void>();
  /** Which file holds each date; kept across rescans so a late duplicate never steals a date. */
  let owners = new Map<string, string>();
  /** Per date: the parse last given ids, and the digest with stable ids made from it. */
  const stable = new Map<string, { parsed: Digest; digest: Digest }>();
  const ids = new Map<string, DateIds>();
  const forgotten = new Set<string>(); // dates whose ids were let go of once outlined (read again from their file)
  let dirProblem: string | undefined;
  let duplicates: ArchiveProblem[] = [];
  let view: View = EMPTY_VIEW;
  let started = false;
  let closed = false;
  let watcher: DirWatcher | undefined;
  let poll: NodeJS.Timeout | undefined;
  /** Outlines being recorded for the next start (they wait for the id files to be written). */
  let recording: Promise<void> = Promise.resolve();

  /** Loads an outlined digest's stories before its cache entry may go (its file changed or went away). */
  const settle = (entry: FileEntry | undefined): void => {
    const digest = entry?.good?.digest;
    if (!digest || !isOutlined(digest)) return;
    try {
      loadOutlined(digest);
    } catch (err) {
      log.warn({ err }, "could not load the stories of a digest's previous version");
    }
  };

  const emit = (change: ArchiveChange & { summary: ChangeSummary }): void => {
    // At start every digest is "loaded": one line for the lot, not one per file; while running, one per change.
    if (started) log.info({ date: change.summary.date, file: change.file }, change.summary.text);
    else log.debug({ date: change.summary.date, file: change.file }, change.summary.text);
    for (const listener of [...listeners]) {
      try {
        listener(change);
      } catch (err) {
        log.error({ err }, "archive change listener failed");
      }
    }
  };

  async function rescan(): Promise<void> {
    let tree;
    try {
      tree = await listDigestTree(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const message = code === "ENOENT" ? `${dir}: digest directory not found (create it or set DIGEST_DIR)` : `${dir}: cannot read the digest directory (${code ?? String(err)})`;
      if (message !== dirProblem) log.error({ dir }, message);
      dirProblem = message;
      return;
    }
    dirProblem = undefined;
    watcher?.sync(tree.dirs);
    const present = new Set(tree.files);
    const deps = readDeps();
    // Stats and cache reads overlap (a start with years of digests is mostly waiting on them); parses still run
    // one at a time in the parser.
    let at = 0;
    const step = async (): Promise<void> => {
      while (at < tree.files.length && !closed) {
        const file = tree.files[at++] as string;
        const before = files.get(file);
        const next = await readDigestFile(file, before, deps);
        if (next !== before) settle(before);
        if (next === "gone") present.delete(file);
        else files.set(file, next);
      }
    };
    await Promise.all(Array.from({ length: FILES_AT_ONCE }, step));
    if (closed) return;
    for (const file of [...files.keys()]) {
      if (present.has(file)) continue;
      settle(files.get(file));
      files.delete(file);
    }
    options.cache?.retain(present);
    if (closed) return;
    await applyView();
  }

  // Outlines only at start: later, the archive's own ids may be newer than any id file.
  const readDeps = (): ReadDeps => ({ parser, log, ...(options.cache ? { cache: options.cache } : {}), ...(options.timeZone ? { timeZone: options.timeZone } : {}), ...(!started ? { outlines: store, statNow: true } : {}) });

  /** Re-reads only the files the watcher named (an edit costs one stat, not one per digest), then applies the view. */
  async function refresh(named: ReadonlySet<string>): Promise<void> {
    // The folder was missing or unreadable: only a rescan finds out whether it is back.
    if (dirProblem !== undefined) return rescan();
    const dropped = await readNamedFiles(named, files, readDeps(), settle, () => closed);
    if (closed) return;
    if (dropped) options.cache?.retain(new Set(files.keys()));
    await applyView();
  }

  /** Picks each date's file, gives changed digests their ids, swaps the snapshot in, and tells listeners. */
  async function applyView(): Promise<void> {
    const claims = new Map<string, string[]>();
    // Sorted, so which of two same-date files wins does not depend on which was read first.
    for (const [file, entry] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!entry.good) continue;
      const date = entry.good.digest.date;
      claims.set(date, [...(claims.get(date) ?? []), file]);
    }
    const chosen = chooseOwners(claims, owners);
    owners = chosen.owners;
    const nextDuplicates = chosen.duplicates.map(({ file, date, owner }) => ({
      file,
      message: `${file}:${files.get(file)?.good?.dateLine ?? 1}: date ${date} is already used by ${owner}; each digest needs its own date, so this file is not loaded`,
    }));
    const known = new Set(duplicates.map((d) => d.message));
    for (const d of nextDuplicates) if (!known.has(d.message)) log.error({ file: d.file }, d.message);
    duplicates = nextDuplicates;
    const changedDates = [...owners].filter(([date, file]) => stable.get(date)?.parsed !== files.get(file)?.good?.digest).map(([date]) => date);
    const outlined = (date: string): boolean => files.get(owners.get(date) as string)?.outlined === true;
    for (let i = 0; i < changedDates.length; i += ID_LOADS_AT_ONCE) {
      await Promise.all(
        changedDates.slice(i, i + ID_LOADS_AT_ONCE).map(async (date) => {
          // An outlined digest has its ids; the date's assignments are read only if an id look-up needs them.
          if (ids.has(date) || outlined(date)) return;
          const loaded = await store.load(date);
          if (loaded && !ids.has(date)) ids.set(date, loaded);
        }),
      );
    }
    // Ids for the changed digests, computed aside (yielding now and then: at a cold start this is every story of
    // the archive) and committed together with the new snapshot, so readers never see ids and digests disagree.
    const assigned = new Map<string, { parsed: Digest; digest: Digest; ids?: DateIds; save: boolean }>();
    let slice = performance.now();
    for (const date of changedDates) {
      const parsed = (files.get(owners.get(date) as string)?.good as { digest: Digest }).digest;
      if (outlined(date) && !ids.has(date)) {
        assigned.set(date, { parsed, digest: parsed, save: false });
        continue;
      }
      const before = ids.get(date);
      const next = assignStoryIds(parsed, before);
      const save = !sameIds(before, next.ids);
      // Unchanged ids and digest stay the very objects held (`savedStamp` knows ids by identity; readers see no change).
      const held = !save && view.byDate.get(date)?.file === owners.get(date) ? heldIfSame(stable.get(date)?.digest, next.digest) : undefined;
      assigned.set(date, held ? { parsed, digest: held, save } : { parsed, digest: next.digest, ids: save || !before ? next.ids : before, save });
      if (performance.now() - slice > YIELD_AFTER_MS) {
        await new Promise((r) => setImmediate(r));
        slice = performance.now();
      }
    }
    if (closed) return;
    const byDate = new Map<string, { digest: Digest; file: string }>();
    for (const [date, file] of owners) {
      const fresh = assigned.get(date);
      if (fresh) {
        stable.set(date, { parsed: fresh.parsed, digest: fresh.digest });
        if (fresh.ids) ids.set(date, fresh.ids);
        if (fresh.save && fresh.ids) store.save(date, fresh.ids);
      }
      byDate.set(date, { digest: (stable.get(date) as { digest: Digest }).digest, file });
    }
    for (const date of [...stable.keys()]) if (!owners.has(date)) stable.delete(date);

    // A held digest (same content, new file entry) too: its outline in flight was of the old entry, now dropped.
    recordOutlines([...assigned].filter(([date, a]) => a.ids !== undefined || (ids.has(date) && !isOutlined(a.digest))).map(([date]) => date));
    const previous = view;
    view = { byDate, dates: [...byDate.keys()].sort() };
    for (const date of view.dates) {
      const { digest, file } = byDate.get(date) as { digest: Digest; file: string };
      const before = previous.byDate.get(date);
      if (before?.digest === digest) continue;
      const summary = summarizeChange(before?.digest, digest);
      emit(before ? { type: "upsert", digest, previous: before.digest, file, summary } : { type: "upsert", digest, file, summary });
    }
    for (const [date, { digest, file }] of previous.byDate) {
      if (!byDate.has(date)) emit({ type: "remove", date, file, summary: summarizeChange(digest, undefined) });
    }
  }

  /** Records the outlines of `dates` for the next start (in the background: they wait for the id files). */
  function recordOutlines(dates: string[]): void {
    const cache = options.cache;
    if (!cache || dates.length === 0) return;
    const items = dates.map((date) => {
      const held = stable.get(date) as { parsed: Digest; digest: Digest };
      return { date, entry: files.get(owners.get(date) as string) as FileEntry, ...held, ids: ids.get(date) as DateIds, current: () => stable.get(date) === held };
    });
    recording = recording.then(async () => {
      const saved = await saveOutlines(items, cache, store);
      if (saved.length === 0) return;
      await cache.written(); // their stories are read back from the cache entries: those must be on disk first
      const deps = { parser, log, cache, outlines: store, ...(options.timeZone ? { timeZone: options.timeZone } : {}) };
      for (const { item, outline } of saved) {
        const file = owners.get(item.date);
        // Only the version outlined, still held (the digests stay readable after `close`, DATA_DIR or not).
        if (closed || file === undefined || !item.current() || files.get(file) !== item.entry || item.entry.good?.digest !== item.parsed) continue;
        if (cache.outline(item.entry.key as string) !== outline) continue;
        outlineEntry(file, item.entry, item.digest, outline, deps);
        stable.set(item.date, { parsed: item.digest, digest: item.digest });
        // Its ids (with the title and text of each story) are read again from the id file if a look-up or an edit needs them.
        if (ids.get(item.date) !== item.ids || !ids.delete(item.date)) continue;
        store.forget(item.date, item.ids);
        forgotten.add(item.date);
      }
    });
  }

  /** Runs one rescan (or refresh of named files) at a time; a request meanwhile queues one more. */
  const reloads = createReloadQueue({ rescan, refresh, isClosed: () => closed, log });
  const reload = (named?: ReloadRequest): Promise<void> => reloads.request(named);

  const watching = options.watch ?? true;
  if (watching) {
    // Watching starts before the first scan, so a file saved while the archive loads is not missed.
    watcher = watchDigestDir({
      dir,
      onChange: (named) => void reload(named),
      debounceMs: options.debounceMs ?? ARCHIVE_DEBOUNCE_MS,
      maxWaitMs: Math.max(options.debounceMs ?? ARCHIVE_DEBOUNCE_MS, ARCHIVE_MAX_WAIT_MS),
      logger: log,
    });
  }
  await reload();
  started = true;
  const count = view.dates.length;
  log.info({ dir, digests: count, problems: duplicates.length + [...files.values()].filter((e) => e.problem).length }, `loaded ${count} digest(s) from ${dir}`);
  // A warm start parses nothing, so no parser worker is started: the first edit starts one (~0.2 s of CPU).
  const pollMs = options.pollMs ?? ARCHIVE_POLL_MS;
  if (watching && pollMs > 0) {
    poll = setInterval(() => void reload(), pollMs);
    poll.unref();
  }

  /** A date's id assignments; an outlined digest's are read when an id look-up first needs them. */
  const idsFor = {
    get(date: string): DateIds | undefined {
      const file = view.byDate.get(date)?.file;
      // Also once let go of and its file deleted since: an old id still reads "removed from the digest", as before.
      if (!ids.has(date) && ((file !== undefined && files.get(file)?.outlined) || forgotten.has(date))) {
        const loaded = store.loadNow(date);
        if (loaded || file !== undefined) ids.set(date, loaded as DateIds);
      }
      return ids.get(date);
    },
  };

  return {
    dates: () => [...view.dates],
    all: () => view.dates.map((d) => (view.byDate.get(d) as { digest: Digest }).digest),
    get: (date) => view.byDate.get(date)?.digest,
    latest: () => {
      const last = view.dates[view.dates.length - 1];
      return last === undefined ? undefined : view.byDate.get(last)?.digest;
    },
    findStory: (id) => {
      const found = lookUpStory(view, idsFor, id);
      return found.kind === "found" ? found.ref : undefined;
    },
    lookUpStory: (id) => lookUpStory(view, idsFor, id),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    problems: () => [
      ...(dirProblem ? [{ file: dir, message: dirProblem }] : []),
      ...[...files]
        .flatMap(([file, e]) => (e.problem ? [{ file, message: e.problem }] : []))
        .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
      ...duplicates,
    ],
    warnings: () => view.dates.flatMap((d) => files.get(view.byDate.get(d)?.file ?? "")?.good?.warnings ?? []),
    reload: () => reload(),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      watcher?.close();
      watcher = undefined;
      listeners.clear();
      await reloads.idle();
      await recording;
      await Promise.all([parser.close(), options.cache?.flush(), store.flush()]);
    },
  };
}
