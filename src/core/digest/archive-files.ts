// Reading one digest file for the archive: stat first, then its outline or the parse cache, then the parser; every failure stays local.
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "../logger.js";
import { type DigestOutline, isOutlined, loadOutlined, outlineDigest, storiesUnderOutline, unloadStories } from "./digest-outline.js";
import { type DigestParser, takeParseJson } from "./digest-parser.js";
import { dateFromFileName, dayInTimeZone } from "./digest-date.js";
import type { Digest, Story } from "./model.js";
import { hashDigestSource, type ParseCache } from "./parse-cache.js";
import { type ParsedDigest, parseDigest } from "./parse-digest.js";
import { assignStoryIds, type DateIds } from "./story-ids.js";

/** Largest digest file the archive parses; a bigger file is reported, since parsing it would stall the bot. */
export const ARCHIVE_MAX_FILE_BYTES = 2 * 1024 * 1024;

/** What the archive keeps of a parse. */
export type GoodParse = Pick<ParsedDigest, "digest" | "warnings" | "dateLine">;

/** What the archive knows about one file: its last good parse and the version (mtime/size) last read. */
export interface FileEntry {
  good?: GoodParse;
  /** The content key of `good` (the parse-cache key with a cache, the same hash without): a save of the same bytes has it too. */
  key?: string;
  /** `good.digest` came from its outline: it has its stable ids already, and its stories load on first use. */
  outlined?: boolean;
  /** `mtimeMs:size:ino:ctimeMs` of the version last read (see `FileStamp`); "" when it could not be read. */
  seen: string;
  /** Why the current version is not loaded (`file:line: …` or `file: …`). */
  problem?: string;
}

export interface ReadDeps {
  parser: DigestParser;
  cache?: ParseCache;
  log: Logger;
  /** Time zone (`POST_TIMEZONE`) for the date of a file that names none: its modification day there. Default UTC. */
  timeZone?: string;
  /**
   * Build digests from their outlines when the story-id file they were made with is still there unchanged
   * (`stamp` of the date's file). Only at start: while running, the archive's own ids may be newer than any file.
   */
  outlines?: { stamp(date: string): string | undefined; loadNow(date: string): DateIds | undefined };
  /** Stat at once rather than through the thread pool (at start, when nothing else waits and stats are most of the work). */
  statNow?: boolean;
}

const keep = (entry: FileEntry | undefined): Pick<FileEntry, "good" | "key" | "outlined"> =>
  entry?.good ? { good: entry.good, ...(entry.key !== undefined ? { key: entry.key } : {}), ...(entry.outlined ? { outlined: true } : {}) } : {};

/**
 * What of `entry` can be kept once its file turned bad: an outlined last good version only if its stories can still
 * be loaded (its cache entry gone and its file changed, nothing holds them: kept, it would throw at every reader).
 */
function keepable(entry: FileEntry | undefined, log: Logger): Pick<FileEntry, "good" | "key" | "outlined"> {
  const digest = entry?.good?.digest;
  if (digest && isOutlined(digest)) {
    try {
      loadOutlined(digest);
    } catch (err) {
      log.warn({ err }, "the last good version's stories cannot be loaded any more; it is not kept");
      return {};
    }
  }
  return keep(entry);
}

/**
 * The next state of one file. An unchanged stat stamp (size, mtime, inode, ctime) → the entry as it was (nothing read). A version known to
 * the parse cache → its cached parse (nothing read or hashed at start). Otherwise the file is read and hashed; the
 * content `entry` holds already (touched, saved with no edit) → `entry` itself, its stamp updated, so the archive
 * sees no change. Else it is parsed (in the parser's worker) unless the cache has that content. Any failure —
 * unreadable, too big, not a digest, the parser crashing or timing out — is logged once and recorded as the entry's
 * problem; the last good version stays. `"gone"` when the file disappeared meanwhile.
 */
export async function readDigestFile(file: string, entry: FileEntry | undefined, deps: ReadDeps): Promise<FileEntry | "gone"> {
  const { cache, log } = deps;
  const fail = (seen: string, problem: string): FileEntry => {
    const kept = keepable(entry, log);
    const keeping = kept.good ? `; keeping the last good version (${kept.good.digest.date})` : "; file skipped";
    if (entry?.problem !== problem) log.error({ file }, `${problem}${keeping}`);
    return { ...kept, seen, problem };
  };
  let seen = "";
  try {
    let stat: fs.Stats;
    try {
      stat = deps.statNow ? fs.statSync(file) : await fs.promises.stat(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return "gone"; // removed between listing and reading
      throw err;
    }
    seen = `${stat.mtimeMs}:${stat.size}:${stat.ino}:${stat.ctimeMs}`;
    if (entry && entry.seen === seen) return entry;
    if (stat.size > ARCHIVE_MAX_FILE_BYTES) {
      return fail(seen, `${file}:1: file is ${stat.size} bytes, more than a digest may have (${ARCHIVE_MAX_FILE_BYTES}); not loaded`);
    }
    const stamp = { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, ctimeMs: stat.ctimeMs };
    // A stat cannot vouch for a file dated by its folders or mtime: POST_TIMEZONE may have changed since.
    const known = datedByName(file) ? cache?.knownKey(file, stamp) : undefined;
    const outlinedStat = known === undefined ? undefined : fromOutline(file, known, seen, deps);
    if (outlinedStat) return outlinedStat;
    if (known !== undefined && isHeld(entry, known)) return keepUnchanged(entry, seen, file, log);
    const fromStat = known === undefined ? undefined : await cache?.get(known, file);
    if (fromStat) return accept(fromStat, seen, deps, file, known);

    let source: string;
    try {
      source = await fs.promises.readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return "gone";
      throw err;
    }
    const key = contentKey(cache, file, source, stat.mtime, deps);
    // Touched, or saved (in place or by a rename over it) with no edit: nothing to parse, log, index or revise. Not
    // remembered in the cache either: that rewrites its whole index (megabytes) for one read and hash at the next start.
    if (isHeld(entry, key)) return keepUnchanged(entry, seen, file, log);
    // The same content elsewhere (a moved folder) or back as it was: only read and hashed, never parsed.
    const outlined = fromOutline(file, key, seen, deps);
    if (outlined) {
      cache?.remember(file, stamp, key);
      return outlined;
    }
    const cached = await cache?.get(key, file);
    if (cached) {
      cache?.remember(file, stamp, key);
      return accept(cached, seen, deps, file, key);
    }
    const outcome = await deps.parser.parse(source, file, { mtime: stat.mtime, ...(deps.timeZone ? { timeZone: deps.timeZone } : {}) });
    if (!outcome.ok) return fail(seen, outcome.message);
    // Taken even without a cache: the worker's JSON text must not live as long as the parse.
    const json = takeParseJson(outcome.parsed);
    cache?.set(key, outcome.parsed, json);
    cache?.remember(file, stamp, key);
    return accept(outcome.parsed, seen, deps, file, key);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(seen, code ? `${file}:1: cannot read the file (${code})` : `${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The stories of `parsed` (the outlined content) with ids assigned from the date's id file as a start without the
 * outline assigns them, when the outline's story ids disagree with the parse (a damaged or older index) but its
 * date, title and sections, which readers have already seen, are the parse's.
 */
function storiesAsAtColdStart(parsed: Digest, outline: DigestOutline, deps: ReadDeps): Story[][] | undefined {
  const want = outline.digest;
  if (parsed.date !== want.date || parsed.title !== want.title || parsed.sections.length !== want.sections.length) return undefined;
  if (parsed.sections.some((section, i) => section.title !== want.sections[i]?.title)) return undefined;
  deps.log.warn({ date: want.date }, `the saved outline of ${want.date} does not match its digest; its story ids are assigned again`);
  return assignStoryIds(parsed, deps.outlines?.loadNow(want.date)).digest.sections.map((section) => section.stories);
}

/** True when the file's name is its date (`2026-02-18.md`): then its parse depends on nothing but its name and bytes. */
const datedByName = (file: string): boolean => dateFromFileName(file).kind !== "none";

/**
 * The cache key of `source` at `file`. Without a date in its name, a digest with no date inside is dated by its
 * path's folders, or by its modification day in `POST_TIMEZONE`: those are part of its key then, so a touched or
 * moved file, or another zone, is parsed again rather than served under its old date.
 */
function contentKey(cache: ParseCache | undefined, file: string, source: string, mtime: Date, deps: ReadDeps): string {
  const keyOf = cache ? (f: string, s: string) => cache.keyOf(f, s) : hashDigestSource;
  if (datedByName(file)) return keyOf(file, source);
  const zone = deps.timeZone ?? "UTC";
  return keyOf(file, `${path.dirname(file)}\0${dayInTimeZone(mtime, zone)}\0${zone}\0${source}`);
}

/** True when `entry` holds a good parse of the content `key` names and nothing is wrong with the file. */
const isHeld = (entry: FileEntry | undefined, key: string): entry is FileEntry => entry?.good !== undefined && entry.problem === undefined && entry.key === key;

/**
 * `entry`, the very same object (the archive sees no change: no event, no log, no new ids), now vouching for the
 * file's new stat stamp: the next event finds its stamp unchanged, and a real edit after it is read as usual.
 */
function keepUnchanged(entry: FileEntry, seen: string, file: string, log: Logger): FileEntry {
  entry.seen = seen;
  log.debug({ file }, `${file}: saved with its content unchanged; nothing to reload`);
  return entry;
}

function accept(parsed: GoodParse, seen: string, deps: ReadDeps, file: string, key: string | undefined, outlined = false): FileEntry {
  for (const w of parsed.warnings) deps.log.warn({ file, line: w.line }, `${w.file}:${w.line}: ${w.message}`);
  const good = { digest: parsed.digest, warnings: parsed.warnings, dateLine: parsed.dateLine };
  return { good, seen, ...(key !== undefined ? { key } : {}), ...(outlined ? { outlined } : {}) };
}

/** The entry of `file` built from the outline of `key`, when there is one and its story-id file is as it was. */
function fromOutline(file: string, key: string, seen: string, deps: ReadDeps): FileEntry | undefined {
  const { cache, outlines } = deps;
  const outline = outlines && cache?.outline(key);
  if (!outline || outlines.stamp(outline.digest.date) !== outline.idsStamp) return undefined;
  const digest = outlineDigest(outline, () => loadStories(file, key, outline, cache as ParseCache, deps));
  return accept({ digest, warnings: outline.warnings.map((w) => ({ ...w, file })), dateLine: outline.dateLine }, seen, deps, file, key, true);
}

/**
 * Makes `entry` (of `file`, whose outline was just saved) hold `digest`, the archive's digest of it with its stable
 * ids, as a warm start does: outlined, its stories let go and read from the parse cache when first looked at. A
 * cold start would otherwise keep every story of the archive parsed for the life of the process.
 */
export function outlineEntry(file: string, entry: FileEntry, digest: Digest, outline: DigestOutline, deps: ReadDeps): void {
  const { key, good } = entry;
  const cache = deps.cache;
  if (key === undefined || !good || !cache) return;
  unloadStories(digest, outline, () => loadStories(file, key, outline, cache, deps));
  entry.good = { ...good, digest };
  entry.outlined = true;
}

/**
 * The stories of an outlined digest: from its parse-cache entry; when that is gone or damaged, from parsing the
 * file again (on this thread: a reader is waiting) as long as it still has the outlined content.
 */
function loadStories(file: string, key: string, outline: DigestOutline, cache: ParseCache, deps: ReadDeps) {
  const cached = cache.getNow(key, file);
  const stories = cached && storiesUnderOutline(cached.digest, outline);
  if (stories) return stories;
  deps.log.warn({ file }, `${file}: its cached parse is missing or damaged; parsing the file again`);
  let source: string;
  let mtime: Date;
  try {
    source = fs.readFileSync(file, "utf8");
    mtime = fs.statSync(file).mtime;
  } catch (err) {
    throw new Error(`${file}: cannot read the file to load its stories (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (contentKey(cache, file, source, mtime, deps) !== key) throw new Error(`${file}: changed since it was loaded; its new version is loaded at the next rescan`);
  const parsed = parseDigest(source, file, { mtime, ...(deps.timeZone ? { timeZone: deps.timeZone } : {}) });
  const fresh = storiesUnderOutline(parsed.digest, outline) ?? storiesAsAtColdStart(parsed.digest, outline, deps);
  if (!fresh) throw new Error(`${file}: does not parse as it did when its outline was saved`);
  cache.set(key, parsed);
  return fresh;
}
