// Reading one digest file for the archive: stat first, then the parse cache, then the parser; every failure stays local.
import fs from "node:fs";
import type { Logger } from "../logger.js";
import { type DigestParser, takeParseJson } from "./digest-parser.js";
import type { ParseCache } from "./parse-cache.js";
import type { ParsedDigest } from "./parse-digest.js";

/** Largest digest file the archive parses; a bigger file is reported, since parsing it would stall the bot. */
export const ARCHIVE_MAX_FILE_BYTES = 2 * 1024 * 1024;

/** What the archive knows about one file: its last good parse and the version (mtime/size) last read. */
export interface FileEntry {
  good?: ParsedDigest;
  /** `mtimeMs:size` of the version last read; "" when it could not be read. */
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
}

const keep = (entry: FileEntry | undefined): Pick<FileEntry, "good"> => (entry?.good ? { good: entry.good } : {});

/**
 * The next state of one file. Unchanged size and mtime → the entry as it was (nothing read). A version known to
 * the parse cache → its cached parse (nothing read or hashed at start). Otherwise the file is read, hashed, and
 * parsed (in the parser's worker) unless the cache has that content. Any failure — unreadable, too big, not a
 * digest, the parser crashing or timing out — is logged once and recorded as the entry's problem; the last good
 * version stays. `"gone"` when the file disappeared meanwhile.
 */
export async function readDigestFile(file: string, entry: FileEntry | undefined, deps: ReadDeps): Promise<FileEntry | "gone"> {
  const { cache, log } = deps;
  const fail = (seen: string, problem: string): FileEntry => {
    const keeping = entry?.good ? `; keeping the last good version (${entry.good.digest.date})` : "; file skipped";
    if (entry?.problem !== problem) log.error({ file }, `${problem}${keeping}`);
    return { ...keep(entry), seen, problem };
  };
  let seen = "";
  try {
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return "gone"; // removed between listing and reading
      throw err;
    }
    seen = `${stat.mtimeMs}:${stat.size}`;
    if (entry && entry.seen === seen) return entry;
    if (stat.size > ARCHIVE_MAX_FILE_BYTES) {
      return fail(seen, `${file}:1: file is ${stat.size} bytes, more than a digest may have (${ARCHIVE_MAX_FILE_BYTES}); not loaded`);
    }
    const stamp = { size: stat.size, mtimeMs: stat.mtimeMs };
    const known = cache?.knownKey(file, stamp);
    const fromStat = known === undefined ? undefined : await cache?.get(known, file);
    if (fromStat) return accept(fromStat, seen, deps, file);

    let source: string;
    try {
      source = await fs.promises.readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return "gone";
      throw err;
    }
    const key = cache?.keyOf(file, source);
    const cached = key === undefined ? undefined : await cache?.get(key, file);
    if (cached) {
      cache?.remember(file, stamp, key as string);
      return accept(cached, seen, deps, file);
    }
    const outcome = await deps.parser.parse(source, file, { mtime: stat.mtime, ...(deps.timeZone ? { timeZone: deps.timeZone } : {}) });
    if (!outcome.ok) return fail(seen, outcome.message);
    // Taken even without a cache: the worker's JSON text must not live as long as the parse.
    const json = takeParseJson(outcome.parsed);
    if (key !== undefined) {
      cache?.set(key, outcome.parsed, json);
      cache?.remember(file, stamp, key);
    }
    return accept(outcome.parsed, seen, deps, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(seen, code ? `${file}:1: cannot read the file (${code})` : `${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function accept(parsed: ParsedDigest, seen: string, deps: ReadDeps, file: string): FileEntry {
  for (const w of parsed.warnings) deps.log.warn({ file, line: w.line }, `${w.file}:${w.line}: ${w.message}`);
  return { good: parsed, seen };
}
