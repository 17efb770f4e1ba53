// The story search service: builds or loads the index, follows the archive's changes, and answers searches with filters.
import type MiniSearch from "minisearch";
import type { DigestArchive, ArchiveChange } from "../archive.js";
import type { Logger } from "../logger.js";
import { parseStoryId } from "../model.js";
import type { SearchHit, SearchOptions, StorySearch } from "../search.js";
import { matchSection } from "../section-match.js";
import { createIndex, digestToDocs, queryOptions, type StoryDoc } from "./index-options.js";
import { digestsKey, loadSavedIndex, saveIndex } from "./saved-index.js";
import { SubstringScanner } from "./substring-scan.js";
import { tokenize } from "./tokenize.js";

/** Options of `createStorySearch`. */
export interface StorySearchOptions {
  /** The archive to index; the index follows its `onChange` events. */
  archive: DigestArchive;
  /** Where `search-index.json` is saved and loaded. Default: none (in-memory only, always built). */
  dataDir?: string;
  logger: Logger;
  /** Stories indexed between two yields to the event loop while building. Default 400 (~10–20 ms of work). */
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
  stats(): { source: IndexSource; documents: number; buildMs?: number };
  /** Writes the index to DATA_DIR now if it changed since the last save. */
  flush(): Promise<void>;
  /** Stops following the archive, cancels a build, saves pending changes. Idempotent. */
  close(): Promise<void>;
}

/** Score differences below this (relative) count as ties, which are then broken by recency. */
const TIE_EPSILON = 1e-9;

const compareHits = (a: SearchHit, b: SearchHit): number => {
  const scale = Math.max(Math.abs(a.score), Math.abs(b.score), 1e-12);
  if (Math.abs(a.score - b.score) > TIE_EPSILON * scale) return b.score - a.score;
  if (a.date !== b.date) return a.date < b.date ? 1 : -1;
  const pa = parseStoryId(a.id);
  const pb = parseStoryId(b.id);
  if (pa && pb) return pa.sectionIndex - pb.sectionIndex || pa.storyIndex - pb.storyIndex;
  return a.id.localeCompare(b.id);
};

/**
 * Creates the search over every story of the archive.
 *
 * Start: if `dataDir` holds a saved index for exactly the current digests (content hashes + schema version),
 * it is loaded before this resolves. Otherwise this resolves at once and the index is built in the
 * background in chunks that yield to the event loop; meanwhile `search` answers with a substring scan
 * (correct, slower, no typo tolerance), and `ready` resolves when the index takes over. The built index is
 * saved; after archive changes it is saved again (debounced).
 *
 * @example
 * const search = await createStorySearch({ archive, dataDir: config.DATA_DIR, logger });
 * search.search("glm-5", { limit: 5 }); // [{ id: "20260218-1-3", title: "GLM‑5 技术报告…", score: 12.3, … }]
 * await search.close();
 */
export async function createStorySearch(options: StorySearchOptions): Promise<SearchService> {
  const { archive, dataDir } = options;
  const logger = options.logger.child({ module: "search" });
  const chunkSize = options.chunkSize ?? 400;
  const saveDelayMs = options.saveDelayMs ?? 5000;

  let index: MiniSearch<StoryDoc> | undefined;
  let source: IndexSource = "pending";
  let buildMs: number | undefined;
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
        const file = await saveIndex(dataDir, digestsKey(archive.all()), snapshot);
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
  const key = dataDir ? digestsKey(archive.all()) : "";
  const loaded = dataDir ? await loadSavedIndex(dataDir, key) : { reason: "missing" as const };
  if (loaded.index) {
    for (const digest of archive.all()) idsByDate.set(digest.date, digestToDocs(digest).map((d) => d.id));
    takeOver(loaded.index, "saved");
    if (pending.length > 0) scheduleSave();
    logger.info({ stories: loaded.index.documentCount }, "search index loaded from the saved file");
    ready = Promise.resolve();
  } else {
    if (dataDir) logger.info({ reason: loaded.reason, detail: loaded.detail }, "building the search index");
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
        if (wanted === undefined || parseStoryId(hit.id)?.sectionIndex !== wanted) return false;
      }
      return true;
    };
    const filtered = opts.date !== undefined || opts.from !== undefined || opts.to !== undefined || opts.section !== undefined;
    let hits: SearchHit[];
    if (index) {
      if (tokenize(query).length === 0) return [];
      const base = { ...queryOptions(opts.prefix === true), filter: filtered ? (r: { id: string; date?: unknown }) => keep({ id: r.id, date: String(r.date) }) : undefined };
      // All terms first; when nothing has them all (a phrase spelt differently), any term, ranked by BM25.
      let results = index.search(query, { ...base, combineWith: "AND" });
      if (results.length === 0) results = index.search(query, { ...base, combineWith: "OR" });
      hits = results.map((r) => ({
        id: String(r.id),
        date: String(r.date),
        section: String(r.section),
        title: String(r.title),
        score: r.score,
      }));
    } else {
      hits = (scanner ?? new SubstringScanner()).scan(archive.all(), query, filtered ? keep : undefined);
    }
    hits.sort(compareHits);
    return opts.limit !== undefined ? hits.slice(0, Math.max(0, opts.limit)) : hits;
  };

  return {
    search,
    ready,
    stats: () => ({ source, documents: index?.documentCount ?? 0, ...(buildMs !== undefined ? { buildMs } : {}) }),
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
