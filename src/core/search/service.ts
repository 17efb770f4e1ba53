// The story search service: builds or loads the index, follows the archive's changes, and answers searches with filters.
import type { DigestArchive, ArchiveChange } from "../digest/archive.js";
import type { Logger } from "../logger.js";
import type { DataDirWrites } from "../data-dir-writes.js";
import type { Digest } from "../digest/model.js";
import type { SearchHit, SearchOptions, SearchPage, StorySearch } from "../search.js";
import { matchSection } from "../section-match.js";
import { createIndex, digestToDocs } from "./index-options.js";
import { LiveIndex } from "./live-index.js";
import { runNow } from "./index-codec.js";
import { SectionFilters } from "./section-filter.js";
import { internalsOf } from "./minisearch-internals.js";
import { digestHash, type LoadedIndex, loadSavedIndex, writeSavedIndex } from "./saved-index.js";
import { SubstringScanner } from "./substring-scan.js";

/** Options of `createStorySearch`. */
export interface StorySearchOptions {
  /** The archive to index; the index follows its `onChange` events. */
  archive: DigestArchive;
  /** Where `search-index.bin` is saved and loaded. Default: none (in-memory only, always built). */
  dataDir?: string;
  logger: Logger;
  /** Stories indexed between two yields to the event loop while building. Default 100 (~40 ms of work on a busy 2-core machine). */
  chunkSize?: number;
  /** Delay before saving (and compacting) the index after archive changes, so a burst of edits is written once. Default 5000 ms. */
  saveDelayMs?: number;
  /** Longest stretch of index work (applying a change, saving, compacting) between two yields to the event loop. Default 20 ms. */
  sliceMs?: number;
  /** Told of failed and working saves (one error for a full DATA_DIR); with it, a failed save is tried again later. */
  writes?: DataDirWrites;
}

const MAX_SAVE_RETRY_MS = 5 * 60_000; // the longest wait before a save that DATA_DIR refused is tried again

/** Where the index came from. */
export type IndexSource = "pending" | "saved" | "built";

/** `StorySearch` plus lifecycle. */
export interface SearchService extends StorySearch {
  /** Resolves when the index is usable (loaded or built). Until then `search` answers from a substring scan. */
  readonly ready: Promise<void>;
  stats(): {
    source: IndexSource;
    documents: number;
    /** Digests re-indexed at start because they changed since the index was saved. */
    reindexed: number;
    buildMs?: number;
  };
  /**
   * Resolves when every archive change received so far is applied. A normal digest is applied synchronously when
   * its change arrives; one needing more than `sliceMs` of work continues over the next event-loop turns.
   */
  settled(): Promise<void>;
  /** Writes the index to DATA_DIR (and compacts it) now if it changed since the last save. */
  flush(): Promise<void>;
  /** Stops following the archive, cancels a build, saves pending changes. Idempotent. */
  close(): Promise<void>;
}

/**
 * While the index is built (first start, or after a schema change), searches scan this many newest digests:
 * normalizing 3 years of stories for a scan would block the event loop for seconds.
 */
export const FALLBACK_DIGESTS = 120;

/** Changed digests applied to a loaded index at start; more than this (or 10% of the archive) rebuilds instead. */
const MAX_CATCH_UP = 30;

/** The archive changes that turn the saved index into the current one. */
function catchUp(current: readonly Digest[], saved: ReadonlyMap<string, string>): ArchiveChange[] {
  const changes: ArchiveChange[] = [];
  const dates = new Set<string>();
  for (const digest of current) {
    dates.add(digest.date);
    if (saved.get(digest.date) !== digestHash(digest)) changes.push({ type: "upsert", digest, file: `${digest.date}` });
  }
  for (const date of saved.keys()) if (!dates.has(date)) changes.push({ type: "remove", date, file: `${date}` });
  return changes;
}

/** A live index over a loaded file, its dates adopted with the archive's digests that still have the saved content. */
function liveFromSaved(loaded: LoadedIndex, current: readonly Digest[]): LiveIndex {
  const index = new LiveIndex(loaded.index);
  const byDate = new Map(current.map((d) => [d.date, d]));
  for (const [date, hash] of loaded.digests) {
    const digest = byDate.get(date);
    index.adopt(date, digest && digestHash(digest) === hash ? digest : undefined, hash, loaded.idsByDate.get(date) ?? []);
  }
  return index;
}

/**
 * Creates the search over every story of the archive.
 *
 * Start: if `dataDir` holds a saved index of the current schema, it is loaded before this resolves, and
 * the digests whose content hash differs (edited, added, removed since the save) are re-indexed — unless that
 * is more than 30 digests or 10% of the archive. Otherwise this resolves at once and the index is built in the
 * background in chunks that yield to the event loop; meanwhile `search` answers with a substring scan of the
 * newest 120 digests (correct, slower, no typo tolerance), and `ready` resolves when the index takes over. The built index is
 * saved; after archive changes it is saved again (debounced).
 *
 * @throws MiniSearchInternalsError when the installed minisearch is not the pinned 7.2.0
 * @example
 * const search = await createStorySearch({ archive, dataDir: config.DATA_DIR, logger });
 * search.search("glm-5", { limit: 5 }); // [{ id: "20260218-1-3", title: "GLM‑5 技术报告…", score: 12.3, … }]
 * await search.close();
 */
export async function createStorySearch(options: StorySearchOptions): Promise<SearchService> {
  // The scorer and the saved index read minisearch's private fields: another minisearch fails here, at start.
  internalsOf(createIndex());
  const { archive, dataDir } = options;
  const logger = options.logger.child({ module: "search" });
  const chunkSize = options.chunkSize ?? 100;
  const saveDelayMs = options.saveDelayMs ?? 5000;
  const sliceMs = options.sliceMs ?? 20;
  let failedSaves = 0; // saves in a row that DATA_DIR refused (a full disk): the next try waits longer

  let live: LiveIndex | undefined;
  let source: IndexSource = "pending";
  let buildMs: number | undefined;
  let reindexed = 0;
  let closed = false;
  let dirty = false;
  /** True while a snapshot is taken: changes wait in `pending` so the snapshot is of one moment. */
  let busy = false;
  let saveTimer: NodeJS.Timeout | undefined;
  let saving: Promise<void> = Promise.resolve();
  /** Changes that arrive while the index is loading, building or being snapshotted; applied in order afterwards. */
  const pending: ArchiveChange[] = [];
  let scanner: SubstringScanner | undefined = new SubstringScanner();

  /** Changes applied so far: a saved file still matches the live index when none was applied since its snapshot. */
  let appliedChanges = 0;
  /** The change being applied in slices, if any. */
  let applying: Generator<void, void> | undefined;
  let pumpScheduled = false;
  let idleWaiters: (() => void)[] = [];
  const idle = () => applying === undefined && (pending.length === 0 || !live || busy);

  /**
   * Applies pending changes, at most `sliceMs` of work per event-loop turn: a normal digest is applied within the
   * turn its change arrives (searchable at once); a very big one continues on the next turns instead of stalling.
   */
  const pump = (): void => {
    pumpScheduled = false;
    const until = performance.now() + sliceMs;
    for (;;) {
      if (!applying) {
        if (!live || busy || pending.length === 0) break;
        applying = live.applySteps(pending.shift()!);
      }
      if (applying.next().done) {
        applying = undefined;
        appliedChanges++;
        if (pending.length === 0) live!.purgeIfNeeded();
        scheduleSave();
        continue;
      }
      if (performance.now() >= until) {
        pumpScheduled = true;
        setImmediate(pump);
        return;
      }
    }
    if (idle()) for (const wake of idleWaiters.splice(0)) wake();
  };
  const drain = (): void => {
    if (!pumpScheduled) pump();
  };
  /** Applies everything pending at once (start-up catch-up, before the service is handed out). */
  const drainNow = (): void => {
    if (!live) return;
    if (applying) runNow(applying);
    applying = undefined;
    for (const change of pending.splice(0)) live.apply(change);
    live.purgeIfNeeded();
  };
  const settled = (): Promise<void> => (idle() ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve)));

  /** Set after a build: the first snapshot also packs the postings (a built index holds Maps, ~3× the heap). */
  let compactNext = false;
  const persist = (): Promise<void> => {
    if (!live) return saving;
    const target = live;
    dirty = false;
    saving = saving.then(async () => {
      const started = performance.now();
      // A snapshot is of one moment: let the change in progress finish, then hold the next ones.
      while (applying) await settled();
      busy = true;
      let snapshot;
      const snapshotOf = appliedChanges;
      try {
        snapshot = await target.snapshot(sliceMs, compactNext);
        compactNext = false;
      } finally {
        busy = false;
        // On the next turn: this one ended a slice of the snapshot.
        setImmediate(drain);
      }
      if (!dataDir) return;
      try {
        const file = await writeSavedIndex(dataDir, snapshot);
        logger.debug({ file, ms: Math.round(performance.now() - started) }, "search index saved");
        options.writes?.succeeded();
        failedSaves = 0;
        if (reloadAfterSave) await reloadSaved(target, snapshotOf);
      } catch (err) {
        if (options.writes) {
          options.writes.failed(dataDir, err);
          // Tried again later, so the index is saved once the disk has room (not only at the next change); each try
          // encodes the whole index, so a disk that stays full is tried less and less often (at most every 5 min).
          failedSaves++;
          scheduleSave(Math.min(saveDelayMs * 2 ** (failedSaves - 1), MAX_SAVE_RETRY_MS));
        } else {
          dirty = true;
          logger.warn({ err, dataDir }, "could not save the search index; it will be rebuilt at the next start");
        }
      }
    });
    return saving;
  };

  /**
   * Set after a build: a built index holds ~2.5× the heap of the same index loaded from its file (MiniSearch's Maps
   * per term and story against the loaded form's packed postings), for the life of the process: ~300 MiB more RSS
   * at 3 years after a cold start. Once saved, the file is loaded in its place (one turn of ~0.3 s at 3 years,
   * once), unless a change was applied since the snapshot or is being applied: then at the next save.
   */
  let reloadAfterSave = false;
  const reloadSaved = async (target: LiveIndex, snapshotOf: number): Promise<void> => {
    // A change half applied is applied to `target` (its steps hold it): swapping now would lose it.
    const stillSaved = () => !closed && live === target && appliedChanges === snapshotOf && !applying;
    // Checked before the load too: the file's decoding is one long turn, not to be spent on a file already stale.
    if (!stillSaved()) return;
    const fresh = await loadSavedIndex(dataDir as string);
    if (!fresh.index) {
      // The file just written does not load: keep the built index rather than read it again at every save.
      reloadAfterSave = false;
      logger.warn({ reason: fresh.reason, detail: fresh.detail }, "the saved search index did not load back after the build; keeping the built one");
      return;
    }
    if (!stillSaved()) return;
    reloadAfterSave = false;
    live = liveFromSaved(fresh, archive.all());
    logger.info({ stories: fresh.index.documentCount }, "search index reloaded from its saved file after the build (less memory)");
  };

  function scheduleSave(delayMs = saveDelayMs): void {
    dirty = true;
    if (closed) return;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => void persist(), delayMs);
    saveTimer.unref();
  }

  const sections = new SectionFilters(archive);
  const unsubscribe = archive.onChange((change) => {
    sections.forget();
    if (closed) return;
    pending.push(change);
    drain();
    logger.debug({ change: change.type, file: change.file }, "search index updated");
  });

  const takeOver = (index: LiveIndex, from: IndexSource): void => {
    live = index;
    source = from;
    scanner = undefined;
    if (pending.length > 0) scheduleSave();
    drainNow();
  };

  const build = async (): Promise<void> => {
    // Start answering (from the scan) at once; the build runs on later event-loop turns.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const started = performance.now();
    const index = createIndex();
    const digests = archive.all();
    let batch = [];
    for (const digest of digests) {
      batch.push(...digestToDocs(digest));
      if (batch.length < chunkSize) continue;
      if (closed) return;
      index.addAll(batch);
      batch = [];
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (closed) return;
    index.addAll(batch);
    const built = new LiveIndex(index);
    for (const digest of digests) built.adopt(digest.date, digest, digestHash(digest));
    buildMs = Math.round(performance.now() - started);
    compactNext = true;
    reloadAfterSave = dataDir !== undefined;
    takeOver(built, "built");
    logger.info({ stories: index.documentCount, ms: buildMs }, "search index built");
    // The snapshot also compacts the postings (less heap until the saved file replaces the built index, and for
    // good if a change keeps that from happening).
    await persist();
  };

  let ready: Promise<void>;
  const loaded = dataDir ? await loadSavedIndex(dataDir) : { reason: "missing" as const };
  const current = archive.all();
  const changes = loaded.index ? catchUp(current, loaded.digests) : [];
  if (loaded.index && changes.length <= Math.max(MAX_CATCH_UP, current.length * 0.1)) {
    const index = liveFromSaved(loaded, current);
    if (loaded.repaired) logger.warn({ repaired: loaded.repaired }, "the saved search index was repaired while loading");
    pending.unshift(...changes);
    reindexed = changes.length;
    takeOver(index, "saved");
    logger.info({ stories: loaded.index.documentCount, reindexed }, "search index loaded from the saved file");
    ready = Promise.resolve();
  } else {
    const reason = loaded.index ? `${changes.length} digests changed` : loaded.reason;
    if (dataDir) {
      const detail = loaded.index ? undefined : loaded.detail;
      const line = loaded.reason === "inconsistent" ? "the saved search index disagrees with its stories; rebuilding it" : "building the search index";
      (loaded.reason === "inconsistent" ? logger.warn : logger.info).call(logger, { reason, detail }, line);
    }
    ready = build().catch((err: unknown) => {
      logger.error({ err }, "building the search index failed; searches use the substring scan");
    });
  }

  const searchPage = (query: string, opts: SearchOptions & { offset?: number } = {}): SearchPage => {
    // The section filter is checked for every matching story (the total is exact), so its answer is cached per
    // date and per list of section titles (digests repeat the same sections day after day).
    const sectionByDate = new Map<string, number | undefined>();
    const sectionByTitles = new Map<string, number | undefined>();
    const sectionOf = (date: string): number | undefined => {
      if (!sectionByDate.has(date)) {
        const digest = archive.get(date);
        let wanted: number | undefined;
        if (digest && opts.section !== undefined) {
          const titles = digest.sections.map((sec) => sec.title).join("\u0000");
          if (!sectionByTitles.has(titles)) sectionByTitles.set(titles, matchSection(digest, opts.section));
          wanted = sectionByTitles.get(titles);
        }
        sectionByDate.set(date, wanted);
      }
      return sectionByDate.get(date);
    };
    const offset = Math.max(0, opts.offset ?? 0);
    if (live) {
      // Dates are filtered inside the scorer's postings loop (cheap); the section rule needs the digest.
      const from = [opts.date, opts.from].filter((d) => d !== undefined).sort().at(-1);
      const to = [opts.date, opts.to].filter((d) => d !== undefined).sort().at(0);
      return live.scorer.searchPage(query, {
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        offset,
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        prefix: opts.prefix === true,
        ...(opts.requireAll ? { requireAll: true } : {}),
        ...(opts.section !== undefined ? sections.filter(opts.section) : {}),
      });
    }
    // Still building: a substring scan over the newest digests, same filters, ranked by counts then recency.
    const keep = (hit: { id: string; date: string }): boolean => {
      if (opts.date !== undefined && hit.date !== opts.date) return false;
      if (opts.from !== undefined && hit.date < opts.from) return false;
      if (opts.to !== undefined && hit.date > opts.to) return false;
      if (opts.section !== undefined) {
        const wanted = sectionOf(hit.date);
        // Stable ids carry no position: the archive says which section the story is in now.
        if (wanted === undefined || archive.findStory(hit.id)?.sectionIndex !== wanted) return false;
      }
      return true;
    };
    const filtered = opts.date !== undefined || opts.from !== undefined || opts.to !== undefined || opts.section !== undefined;
    const hits = (scanner ?? new SubstringScanner()).scan(archive.all().slice(-FALLBACK_DIGESTS), query, filtered ? keep : undefined);
    hits.sort((a, b) => b.score - a.score || (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
    const end = opts.limit !== undefined ? offset + Math.max(0, opts.limit) : undefined;
    return { hits: hits.slice(offset, end), total: hits.length };
  };

  return {
    search: (query: string, opts?: SearchOptions): SearchHit[] => searchPage(query, opts).hits,
    searchPage,
    settled,
    ready,
    stats: () => ({ source, documents: live?.index.documentCount ?? 0, reindexed, ...(buildMs !== undefined ? { buildMs } : {}) }),
    flush: async () => {
      clearTimeout(saveTimer);
      if (dirty) await persist();
      await saving;
    },
    close: async () => {
      if (closed) return;
      clearTimeout(saveTimer);
      unsubscribe();
      closed = true;
      if (dirty && dataDir) await persist();
      await saving;
    },
  };
}
