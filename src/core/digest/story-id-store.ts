// Where story id assignments live between starts: one small JSON file per digest date under DATA_DIR/story-ids/.
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../logger.js";
import { type DataDirWrites, DATA_DIR_RETRY_MS } from "../data-dir-writes.js";
import { removeLeftoverTemps, tempPathOf } from "../temp-files.js";
import type { DateIds, StoryTrace } from "./story-ids.js";

/**
 * Keeps each date's id assignments (see `assignStoryIds`). An interface so the assignments can later move into the
 * database.
 */
export interface StoryIdStore {
  /** The assignments of `date`, or `undefined` when the date was never seen. */
  load(date: string): Promise<DateIds | undefined>;
  /** Records the assignments of `date`; written asynchronously (see `flush`). */
  save(date: string, ids: DateIds): void;
  /** Resolves once everything saved so far is on disk (or has failed and been logged). Never throws. */
  flush(): Promise<void>;
  /** `load`, read at once (for a look-up by id of a date whose assignments a warm start did not need to read). */
  loadNow(date: string): DateIds | undefined;
  /**
   * What the date's file is now (`mtimeMs:size:ino:ctimeMs`), without reading it; `undefined` when there is none. An outline
   * made with the ids of one version is void for another (the file deleted, rewritten, or damaged). A stat at once:
   * it is asked for every date at start, when a thousand stats through the thread pool cost 20× their CPU.
   */
  stamp(date: string): string | undefined;
  /**
   * The `stamp` of the file once `ids` are what it holds (pending writes done); `undefined` when they are not (a
   * write failed, newer ids were saved meanwhile, a read-only or in-memory store).
   */
  savedStamp(date: string, ids: DateIds): Promise<string | undefined>;
  /**
   * Lets go of the in-memory `ids` of `date` when its file holds them (`load` reads them again): the archive's
   * outlined digests need them only for a look-up by an old id or an edit. Kept otherwise (not yet written, a
   * failed write, a read-only or in-memory store).
   */
  forget(date: string, ids: DateIds): void;
}

/** The folder under DATA_DIR holding the id files. */
export const STORY_IDS_DIR = "story-ids";

/** Bumped when the file layout changes; a file of another format is ignored (ids are then derived afresh). */
const STORE_FORMAT = 1;

interface StoredDate {
  format: number;
  date: string;
  stories: Record<string, StoryTrace>;
  positions: Record<string, string>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isTrace = (v: unknown): v is StoryTrace =>
  isObject(v) && typeof v.title === "string" && typeof v.text === "string" && Array.isArray(v.links) && v.links.every((l) => typeof l === "string");
// A hand-edited or damaged file must not stop the archive from loading (a null trace threw in assignStoryIds).
const isStories = (v: unknown): v is Record<string, StoryTrace> => isObject(v) && Object.values(v).every(isTrace);
const isPositions = (v: unknown): v is Record<string, string> => isObject(v) && Object.values(v).every((id) => typeof id === "string");

/** Keeps assignments in memory only: for one-shot commands and tests. Ids are still derived from content. */
export function createMemoryStoryIdStore(): StoryIdStore {
  const dates = new Map<string, DateIds>();
  return {
    load: async (date) => dates.get(date),
    loadNow: (date) => dates.get(date),
    save: (date, ids) => void dates.set(date, ids),
    flush: async () => undefined,
    // Nothing survives the process: no outline may rely on these ids.
    stamp: () => undefined,
    savedStamp: async () => undefined,
    forget: () => undefined,
  };
}

export interface FileStoryIdStoreOptions {
  /** The folder of the files (`DATA_DIR/story-ids`); created on first write, mode 0700. */
  dir: string;
  logger: Logger;
  /** Read the files but never write them: for the CLI next to a running bot, which owns the files. */
  readOnly?: boolean;
  /** Told of failed and working writes (one error for a full DATA_DIR); with it, a failed date is written again later. */
  writes?: DataDirWrites;
}

/**
 * One file per date (`2026-02-18.json`, mode 0600), replaced atomically (temp file + rename), so a change costs the
 * write of that one date — never the whole archive's assignments — and a crash leaves the previous version.
 *
 * @example
 * const ids = openStoryIdStore({ dir: path.join(config.DATA_DIR, "story-ids"), logger });
 * const archive = await createArchive({ dir: config.DIGEST_DIR, logger, ids });
 */
export function openStoryIdStore(options: FileStoryIdStoreOptions): StoryIdStore {
  const { dir, logger, readOnly = false, writes } = options;
  const memory = new Map<string, DateIds | undefined>();
  const pending = new Map<string, DateIds>();
  /** Dates whose last write failed (their file holds older ids, or none). */
  const failed = new Set<string>();
  /** Assignments a file held when read or was written with: only these may be let go of (see `forget`). */
  const onDisk = new WeakSet<DateIds>();
  let writing: Promise<void> = Promise.resolve();
  let madeDir = false;

  const fileOf = (date: string): string => path.join(dir, `${date}.json`);

  async function write(date: string, ids: DateIds): Promise<void> {
    const body: StoredDate = {
      format: STORE_FORMAT,
      date,
      stories: Object.fromEntries(ids.stories),
      positions: Object.fromEntries(ids.positions),
    };
    const file = fileOf(date);
    const tmp = tempPathOf(file);
    try {
      if (!madeDir) {
        await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
        // Once per process: what writes killed mid-way (`kill -9`) left would stay for good, one per date and pid.
        await removeLeftoverTemps(dir, await fs.promises.readdir(dir).catch(() => [] as string[]));
      }
      madeDir = true;
      await fs.promises.writeFile(tmp, JSON.stringify(body), { mode: 0o600 }).catch(async (err: NodeJS.ErrnoException) => {
        // The folder was deleted while running (a cleanup of DATA_DIR): make it again rather than lose every later id.
        if (err.code !== "ENOENT") throw err;
        await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
        await fs.promises.writeFile(tmp, JSON.stringify(body), { mode: 0o600 });
      });
      await fs.promises.rename(tmp, file);
      onDisk.add(ids);
      failed.delete(date);
      writes?.succeeded();
    } catch (err) {
      failed.add(date);
      if (writes) writes.failed(file, err);
      else logger.warn({ file, err }, `could not save the story ids of ${date}; they are derived again from the digest at the next start`);
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      retryLater();
    }
  }

  /**
   * Ids a full or read-only DATA_DIR refused are written again a little later, until a write works: readers have
   * seen them (a typo-fixed story kept its id), and a restart that derived them afresh would change them.
   */
  let retry: NodeJS.Timeout | undefined;
  function retryLater(): void {
    if (!writes || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      for (const date of failed) {
        const ids = memory.get(date);
        if (ids && !pending.has(date)) pending.set(date, ids);
      }
      if (pending.size > 0) drain();
    }, DATA_DIR_RETRY_MS);
    retry.unref();
  }

  /** Writes what is pending, one file at a time, so there is never more than one write in flight per store. */
  function drain(): void {
    writing = writing.then(async () => {
      while (pending.size > 0) {
        const [date, ids] = pending.entries().next().value as [string, DateIds];
        pending.delete(date);
        await write(date, ids);
      }
    });
  }

  /** The assignments in a file's text; `undefined` (with a warning) for a file that is not valid. */
  function decode(date: string, text: string): DateIds | undefined {
    try {
      const data = JSON.parse(text) as Partial<StoredDate>;
      if (data.format === STORE_FORMAT && data.date === date && isStories(data.stories) && isPositions(data.positions)) {
        const ids: DateIds = { stories: new Map(Object.entries(data.stories)), positions: new Map(Object.entries(data.positions)) };
        onDisk.add(ids);
        return ids;
      }
      logger.warn({ file: fileOf(date) }, `story ids of ${date} are in an unknown format; deriving them afresh`);
    } catch (err) {
      logger.warn({ file: fileOf(date), err }, `story ids of ${date} unreadable; deriving them afresh`);
    }
    return undefined;
  }
  const unreadable = (date: string, err: unknown): undefined => {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") logger.warn({ file: fileOf(date), err }, `story ids of ${date} unreadable; deriving them afresh`);
    return undefined;
  };
  // The ctime too: a file rewritten in place with its size and mtime put back (cp -p, touch -r, rsync -t --inplace)
  // keeps the other three, and an outline made with its old ids would be served for the new ones.
  const stampOf = (st: fs.Stats): string => `${st.mtimeMs}:${st.size}:${st.ino}:${st.ctimeMs}`;

  return {
    async load(date) {
      if (memory.has(date)) return memory.get(date);
      const text = await fs.promises.readFile(fileOf(date), "utf8").catch((err: unknown) => unreadable(date, err));
      const ids = text === undefined ? undefined : decode(date, text);
      // A save may have happened while the file was being read.
      if (!memory.has(date)) memory.set(date, ids);
      return memory.get(date);
    },
    loadNow(date) {
      if (memory.has(date)) return memory.get(date);
      let text: string | undefined;
      try {
        text = fs.readFileSync(fileOf(date), "utf8");
      } catch (err) {
        unreadable(date, err);
      }
      memory.set(date, text === undefined ? undefined : decode(date, text));
      return memory.get(date);
    },
    stamp(date) {
      const st = fs.statSync(fileOf(date), { throwIfNoEntry: false });
      return st?.isFile() ? stampOf(st) : undefined;
    },
    async savedStamp(date, ids) {
      if (readOnly) return undefined;
      await this.flush();
      if (memory.get(date) !== ids || pending.has(date) || failed.has(date)) return undefined;
      const st = await fs.promises.stat(fileOf(date)).catch(() => undefined);
      // Saved again while the stat ran: the stamp may be of the newer file.
      if (!st?.isFile() || memory.get(date) !== ids || pending.has(date) || failed.has(date)) return undefined;
      return stampOf(st);
    },
    forget(date, ids) {
      // Not ids saved since, nor ids the file does not hold yet or ever: a write pending, under way or failed, a
      // read-only store's. `load` would give other ids, or none.
      if (memory.get(date) === ids && onDisk.has(ids) && !pending.has(date)) memory.delete(date);
    },
    save(date, ids) {
      memory.set(date, ids);
      if (readOnly) return;
      const idle = pending.size === 0;
      pending.set(date, ids);
      if (idle) drain();
    },
    async flush() {
      await writing;
      if (pending.size > 0) {
        drain();
        await writing;
      }
    },
  };
}
