// A cache of parsed digests in DATA_DIR/digest-cache/: unchanged digests are not read, hashed or parsed again at start.
//
// Entries are keyed on the file's content (and base name, which can supply the date), not its path, so moving
// DIGEST_DIR re-parses nothing; an index remembers each path's stat stamp and key, so at start an unchanged
// file is only stat'ed. Each entry is its own small file written once, and the index is small: a change costs
// one entry write, never a rewrite of the whole archive (the old single-file cache stalled the bot 0.6–2 s).
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../logger.js";
import { type DigestOutline, isOutline } from "./digest-outline.js";
import type { ParsedDigest } from "./parse-digest.js";
import { parserFingerprint } from "./parser-fingerprint.js";
import { removeLeftoverTemps, tempPathOf } from "../temp-files.js";
import type { DataDirWrites } from "../data-dir-writes.js";

/** Bumped when the layout below changes. */
const CACHE_FORMAT = 2;
/** Quiet time before the index is written after a change (a rescan records many files at once; an editor saves again and again). */
const INDEX_WRITE_DELAY_MS = 5000;
/**
 * Longest the index waits while changes keep coming. The index is megabytes at 3 years, all of it written each time:
 * written 0.2 s after every edit of a publisher saving again and again, its text was ~2 MiB of garbage per edit, which V8
 * let pile up to ~150 MiB of RSS before collecting it. An index a crash left behind is only older: the next start
 * reads and hashes the files it does not vouch for (their entries are still found by content), it parses nothing.
 */
const INDEX_WRITE_MAX_WAIT_MS = 30_000;

/**
 * What a stat says about a file version: unchanged size, mtime, inode and ctime mean unchanged content. The inode
 * catches a file replaced by a rename, or swapped with another, with its times kept (`touch -r`, `rsync -t`, tar);
 * the ctime catches an edit in place with its mtime put back (`touch -r`), since no tool can set the ctime. A
 * changed stamp only costs a read and a hash: the parse is keyed on content, so the same bytes are not parsed again.
 */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
  ctimeMs: number;
}

interface IndexFile {
  format: number;
  parser: string;
  files: Record<string, FileStamp & { key: string }>;
  /** By key: the archive's outline of that content (see `digest-outline.ts`), so a warm start reads no entry. */
  outlines?: Record<string, DigestOutline>;
}

export interface ParseCache {
  /** The key `file` had when it last had this stamp; `undefined` when it changed or is unknown. */
  knownKey(file: string, stamp: FileStamp): string | undefined;
  /** The key of a file's content: its bytes and base name (a file named `YYYY-MM-DD.md` can supply the date). */
  keyOf(file: string, source: string): string;
  /** The cached parse, with warnings naming `file`; `undefined` when not cached (or unreadable). */
  get(key: string, file: string): Promise<ParsedDigest | undefined>;
  /** `get`, read at once: for the stories of an outlined digest, loaded when first looked at. */
  getNow(key: string, file: string): ParsedDigest | undefined;
  /** The outline recorded for a key whose parse is cached; `undefined` when there is none. */
  outline(key: string): DigestOutline | undefined;
  /** Records the archive's outline of a cached key (written with the index, in the background). */
  setOutline(key: string, outline: DigestOutline): void;
  /** Caches a parse (written in the background); `json`, when given, is its JSON text (made by the parser's worker). */
  set(key: string, parsed: ParsedDigest, json?: string): void;
  /** Records which key `file` has at `stamp`, so the next start needs only a stat. */
  remember(file: string, stamp: FileStamp, key: string): void;
  /** Forgets every file not in `files`, and deletes the entries no remembered file uses. */
  retain(files: ReadonlySet<string>): void;
  /** Resolves once every parse cached so far is written (the index is written when due). Never throws. */
  written(): Promise<void>;
  /** Resolves once every pending write is done. Never throws (failures are logged; the next start parses again). */
  flush(): Promise<void>;
}

// An index written before inodes or ctimes were recorded has none: its files are read and hashed once (not parsed).
const sameStamp = (a: FileStamp, b: FileStamp): boolean =>
  a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.ctimeMs === b.ctimeMs;

/** A digest file's content key (its parse depends on its base name and its bytes); the archive's, with or without a cache. */
export const hashDigestSource = (file: string, source: string): string =>
  createHash("sha256").update(path.basename(file)).update("\0").update(source).digest("base64url");

/** The entry may come from the same content at another path (a moved folder): warnings name this file. */
function named(parsed: ParsedDigest, file: string): ParsedDigest {
  return { ...parsed, warnings: parsed.warnings.map((w) => ({ ...w, file })) };
}

/** Outlines are immutable once recorded: their JSON is kept with them. */
const outlineTexts = new WeakMap<DigestOutline, string>();
function outlineJson(outline: DigestOutline): string {
  let text = outlineTexts.get(outline);
  if (text === undefined) {
    text = JSON.stringify(outline);
    outlineTexts.set(outline, text);
  }
  return text;
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = tempPathOf(file);
  try {
    await fs.promises.writeFile(tmp, text, { mode: 0o600 });
    // Rename is atomic: a crash mid-write leaves the old file, never half a file.
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Opens (or starts) the cache folder. A missing, corrupt or outdated index just means an empty cache.
 *
 * @example
 * const cache = await openParseCache(path.join(config.DATA_DIR, "digest-cache"), logger);
 * const archive = await createArchive({ dir: config.DIGEST_DIR, logger, cache });
 */
export async function openParseCache(dir: string, logger: Logger, writes?: DataDirWrites): Promise<ParseCache> {
  // Any change to the code whose output is cached changes this, so old parses and outlines are never reused.
  const parser = parserFingerprint(CACHE_FORMAT);
  const indexFile = path.join(dir, "index.json");
  const entriesDir = path.join(dir, "entries");
  let files = new Map<string, FileStamp & { key: string }>();
  const stored = new Set<string>();
  const outlines = new Map<string, DigestOutline>();
  let usable = false;
  try {
    const data = JSON.parse(await fs.promises.readFile(indexFile, "utf8")) as Partial<IndexFile>;
    if (data.format === CACHE_FORMAT && data.parser === parser && data.files && typeof data.files === "object") {
      usable = true;
      files = new Map(Object.entries(data.files));
      const names = await fs.promises.readdir(entriesDir).catch(() => [] as string[]);
      for (const name of names) {
        if (name.endsWith(".json")) stored.add(name.slice(0, -5));
      }
      await removeLeftoverTemps(entriesDir, names);
      if (data.outlines && typeof data.outlines === "object") {
        for (const [key, outline] of Object.entries(data.outlines)) if (stored.has(key) && isOutline(outline)) outlines.set(key, outline);
      }
    } else {
      logger.info({ dir }, "digest cache is from another parser version; parsing every digest once");
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") logger.warn({ dir, err }, "digest cache unreadable; parsing every digest once");
  }
  if (!usable) {
    // Without a usable index nothing vouches for the entries (their parser version is unknown) and nothing would
    // ever refer to those of digests gone since: every digest is parsed once anyway, so they all go.
    await fs.promises.rm(entriesDir, { recursive: true, force: true }).catch(() => undefined);
  }
  await removeLeftoverTemps(dir, await fs.promises.readdir(dir).catch(() => [] as string[]));
  // The single-file cache of earlier versions: superseded, and it can be tens of MB.
  await fs.promises.rm(`${dir}.json`, { force: true }).catch(() => undefined);

  let chain: Promise<void> = Promise.resolve();
  let indexTimer: NodeJS.Timeout | undefined;
  let indexDirty = false;
  let ready = false;
  /** Runs `step` after the writes before it; `failed` runs when it could not be done. */
  const enqueue = (step: () => Promise<void>, failed?: () => void): void => {
    chain = chain.then(async () => {
      try {
        if (!ready) {
          await fs.promises.mkdir(entriesDir, { recursive: true, mode: 0o700 });
          ready = true;
        }
        await step().catch(async (err: NodeJS.ErrnoException) => {
          // The folder was deleted while running (a cleanup of DATA_DIR): make it again rather than fail every write.
          if (err.code !== "ENOENT") throw err;
          await fs.promises.mkdir(entriesDir, { recursive: true, mode: 0o700 });
          await step();
        });
        writes?.succeeded();
      } catch (err) {
        if (writes) writes.failed(dir, err);
        else logger.warn({ dir, err }, "could not update the digest cache; the next start parses those digests again");
        failed?.();
      }
    });
  };
  const writeIndex = (): void => {
    indexTimer = undefined;
    if (!indexDirty) return;
    indexDirty = false;
    // Serialised when the write runs, so it holds every change made until then. Outlines are most of the file
    // (megabytes at 3 years) and rarely change: each is serialised once and the text reused at every write.
    enqueue(() => {
      const head = JSON.stringify({ format: CACHE_FORMAT, parser, files: Object.fromEntries(files) } satisfies IndexFile);
      const parts = [...outlines].map(([key, outline]) => `${JSON.stringify(key)}:${outlineJson(outline)}`);
      return writeAtomic(indexFile, `${head.slice(0, -1)},"outlines":{${parts.join(",")}}}`);
    }, () => {
      // Written again later (a full disk may have room by then): until then the next start reads and hashes more.
      if (writes) touchIndex();
    });
  };
  /** When the first change not yet written came (the max wait counts from it). */
  let dirtySince = 0;
  const touchIndex = (): void => {
    if (!indexDirty) dirtySince = Date.now();
    indexDirty = true;
    clearTimeout(indexTimer);
    const wait = Math.min(INDEX_WRITE_DELAY_MS, Math.max(0, dirtySince + INDEX_WRITE_MAX_WAIT_MS - Date.now()));
    indexTimer = setTimeout(writeIndex, wait);
    indexTimer.unref();
  };

  return {
    knownKey(file, stamp) {
      const known = files.get(file);
      return known && sameStamp(known, stamp) && stored.has(known.key) ? known.key : undefined;
    },
    keyOf: hashDigestSource,
    async get(key, file) {
      if (!stored.has(key)) return undefined;
      try {
        return named(JSON.parse(await fs.promises.readFile(path.join(entriesDir, `${key}.json`), "utf8")) as ParsedDigest, file);
      } catch {
        stored.delete(key);
        outlines.delete(key);
        return undefined;
      }
    },
    getNow(key, file) {
      if (!stored.has(key)) return undefined;
      try {
        return named(JSON.parse(fs.readFileSync(path.join(entriesDir, `${key}.json`), "utf8")) as ParsedDigest, file);
      } catch {
        // Not forgotten: the archive parses the file again and stores the entry anew (`set` needs it unknown).
        stored.delete(key);
        return undefined;
      }
    },
    outline: (key) => (stored.has(key) ? outlines.get(key) : undefined),
    setOutline(key, outline) {
      if (!stored.has(key) || outlines.get(key) === outline) return;
      outlines.set(key, outline);
      touchIndex();
    },
    set(key, parsed, json) {
      if (stored.has(key)) return;
      stored.add(key);
      const text = json ?? JSON.stringify(parsed);
      // An entry the disk refused is not there to read back: no outline may rely on it (the archive lets go of the
      // stories of an outlined digest, and a reader would find neither this entry nor, once edited, the file's content).
      enqueue(() => writeAtomic(path.join(entriesDir, `${key}.json`), text), () => {
        stored.delete(key);
        if (outlines.delete(key)) touchIndex();
      });
    },
    remember(file, stamp, key) {
      const known = files.get(file);
      if (known && known.key === key && sameStamp(known, stamp)) return;
      files.set(file, { size: stamp.size, mtimeMs: stamp.mtimeMs, ino: stamp.ino, ctimeMs: stamp.ctimeMs, key });
      touchIndex();
    },
    retain(keep) {
      let changed = false;
      for (const file of [...files.keys()]) {
        if (!keep.has(file)) {
          files.delete(file);
          changed = true;
        }
      }
      const used = new Set([...files.values()].map((f) => f.key));
      for (const key of [...stored]) {
        if (used.has(key)) continue;
        stored.delete(key);
        if (outlines.delete(key)) changed = true;
        enqueue(() => fs.promises.rm(path.join(entriesDir, `${key}.json`), { force: true }));
      }
      if (changed) touchIndex();
    },
    written: () => chain,
    async flush() {
      if (indexTimer) {
        clearTimeout(indexTimer);
        writeIndex();
      }
      await chain;
    },
  };
}
