// The story search service: builds or loads the index, follows the archive's changes, and answers searches with filters.
import type MiniSearch from "minisearch";
import type { DigestArchive, ArchiveChange } from "../digest/archive.js";
import type { Logger } from "../logger.js";
import type { Digest } from "../digest/model.js";
import type { SearchHit, SearchOptions, StorySearch } from "../search.js";
import { matchSection } from "../section-match.js";
import { createIndex, digestToDocs, type StoryDoc } from "./index-options.js";
import { internalsOf } from "./minisearch-internals.js";
import { digestHash, loadSavedIndex, saveIndex } from "./saved-index.js";
import { SubstringScanner } from "./substring-scan.js";
import { StoryScorer } from "./scorer.js";

/** Options of `createStorySearch`. */
export interface StorySearchOptions {
  /** The archive to index; the index follows its `onChange` events. */
  archive: DigestArchive;
  /** Where `search-index.json` is saved and loaded. Default: none (in-memory only, always built). */
  dataDir?: string;
  logger: Logger;
  /** Stories indexed between two yields to the event loop while building. Default 100 (~40 ms of work on a busy 2-core machine). */
  chunkSize?: number;
  /** Delay before saving the index after archive changes, so a burst of edits is written once. Default 5000 ms. */
  saveDelayMs?: number;
}

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
  /** Writes the index to DATA_DIR now if it changed since the last save. */
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

  let index: MiniSearch<StoryDoc> | undefined;
  let scorer: StoryScorer | undefined;
  let source: IndexSource = "pending";
  let buildMs: number | undefined;
  let reindexed = 0;
  let closed = false;
  let dirty = false;
  let saveTimer: NodeJS.Timeout | undefined;
  let saving: Promise<void> = Promise.resolve();
  /** Story ids indexed per date, so an upsert discards exactly the old version's stories. */
  const idsByDate = new Map<string, string[]>();
  /** Changes that arrive while the index is loading or building; applied in order once it is ready. */
  const pending: ArchiveChange[] = [];
  let scanner: SubstringScanner | undefined = new SubstringScanner();

  const applyChange = (target: MiniSearch<StoryDoc>, change: ArchiveChange): void => {
    const date = change.type === "upsert" ? change.digest.date : change.date;
    for (const id of idsByDate.get(date) ?? []) if (target.has(id)) target.discard(id);
    idsByDate.delete(date);
    if (change.type === "upsert") {
      const docs = digestToDocs(change.digest);
      target.addAll(docs);
      idsByDate.set(date, docs.map((d) => d.id));
    }
  };

  const save = (): Promise<void> => {
    if (!dataDir || !index) return saving;
    const snapshot = index;
    dirty = false;
    saving = saving.then(async () => {
      const started = performance.now();
      try {
        const file = await saveIndex(dataDir, archive.all(), snapshot);
        logger.debug({ file, ms: Math.round(performance.now() - started) }, "search index saved");
      } catch (err) {
        dirty = true;
        logger.warn({ err, dataDir }, "could not save the search index; it will be rebuilt at the next start");
      }
    });
    return saving;
  };

  const scheduleSave = (): void => {
    dirty = true;
    if (!dataDir || closed) return;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => void save(), saveDelayMs);
    saveTimer.unref();
  };

  const unsubscribe = archive.onChange((change) => {
    if (closed) return;
    if (!index) {
      pending.push(change);
      return;
    }
    applyChange(index, change);
    logger.debug({ change: change.type, file: change.file }, "search index updated");
    scheduleSave();
  });

  const takeOver = (built: MiniSearch<StoryDoc>, from: IndexSource): void => {
    for (const change of pending.splice(0)) applyChange(built, change);
    index = built;
    scorer = new StoryScorer(built);
    source = from;
    scanner = undefined;
  };

  const build = async (): Promise<void> => {
    const started = performance.now();
    const target = createIndex();
    const docs: StoryDoc[] = [];
    for (const digest of archive.all()) {
      const list = digestToDocs(digest);
      idsByDate.set(digest.date, list.map((d) => d.id));
      docs.push(...list);
    }
    for (let i = 0; i < docs.length; i += chunkSize) {
      if (closed) return;
      target.addAll(docs.slice(i, i + chunkSize));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (closed) return;
    buildMs = Math.round(performance.now() - started);
    takeOver(target, "built");
    logger.info({ stories: docs.length, ms: buildMs }, "search index built");
    dirty = true;
    await save();
  };

  let ready: Promise<void>;
  const loaded = dataDir ? await loadSavedIndex(dataDir) : { reason: "missing" as const };
  const current = archive.all();
  const changes = loaded.index ? catchUp(current, loaded.digests) : [];
  if (loaded.index && changes.length <= Math.max(MAX_CATCH_UP, current.length * 0.1)) {
    for (const [date, ids] of loaded.idsByDate) idsByDate.set(date, ids);
    pending.unshift(...changes);
    if (pending.length > 0) scheduleSave();
    takeOver(loaded.index, "saved");
    reindexed = changes.length;
    logger.info({ stories: loaded.index.documentCount, reindexed }, "search index loaded from the saved file");
    ready = Promise.resolve();
  } else {
    const reason = loaded.index ? `${changes.length} digests changed` : loaded.reason;
    if (dataDir) logger.info({ reason, detail: loaded.index ? undefined : loaded.detail }, "building the search index");
    ready = build().catch((err: unknown) => {
      logger.error({ err }, "building the search index failed; searches use the substring scan");
    });
  }

  const search = (query: string, opts: SearchOptions = {}): SearchHit[] => {
    const sectionByDate = new Map<string, number | undefined>();
    const keep = (hit: { id: string; date: string }): boolean => {
      if (opts.date !== undefined && hit.date !== opts.date) return false;
      if (opts.from !== undefined && hit.date < opts.from) return false;
      if (opts.to !== undefined && hit.date > opts.to) return false;
      if (opts.section !== undefined) {
        if (!sectionByDate.has(hit.date)) {
          const digest = archive.get(hit.date);
          sectionByDate.set(hit.date, digest ? matchSection(digest, opts.section) : undefined);
        }
        const wanted = sectionByDate.get(hit.date);
        // Stable ids carry no position: the archive says which section the story is in now.
        if (wanted === undefined || archive.findStory(hit.id)?.sectionIndex !== wanted) return false;
      }
      return true;
    };
    const filtered = opts.date !== undefined || opts.from !== undefined || opts.to !== undefined || opts.section !== undefined;
    if (scorer) {
      // Dates are filtered inside the scorer's postings loop (cheap); the section rule needs the digest.
      const from = [opts.date, opts.from].filter((d) => d !== undefined).sort().at(-1);
      const to = [opts.date, opts.to].filter((d) => d !== undefined).sort().at(0);
      return scorer.search(query, {
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        prefix: opts.prefix === true,
        ...(opts.section !== undefined ? { keep } : {}),
      });
    }
    // Still building: a substring scan over the newest digests, same filters, ranked by counts then recency.
    const hits = (scanner ?? new SubstringScanner()).scan(archive.all().slice(-FALLBACK_DIGESTS), query, filtered ? keep : undefined);
    hits.sort((a, b) => b.score - a.score || (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
    return opts.limit !== undefined ? hits.slice(0, Math.max(0, opts.limit)) : hits;
  };

  return {
    search,
    ready,
    stats: () => ({ source, documents: index?.documentCount ?? 0, reindexed, ...(buildMs !== undefined ? { buildMs } : {}) }),
    flush: async () => {
      clearTimeout(saveTimer);
      if (dirty) await save();
      await saving;
    },
    close: async () => {
      if (closed) return;
      clearTimeout(saveTimer);
      unsubscribe();
      closed = true;
      if (dirty) await save();
      await saving;
    },
  };
}
