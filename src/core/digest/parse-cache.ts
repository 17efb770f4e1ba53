// A cache of parsed digests in DATA_DIR, keyed on each file's path and content, so a start with years of digests
// does not re-parse every file (parsing costs ~20 ms a file; 3 years took ~23 s).
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../logger.js";
import type { ParsedDigest } from "./parse-digest.js";

/** The parser's own sources: any change to them changes the cache's version, so old parses are never reused. */
const PARSER_SOURCES = ["parse-digest", "digest-date", "digest-links", "digest-story", "digest-items", "digest-layout", "model"];

/** Bumped when the file layout below changes. */
const CACHE_FORMAT = 1;

interface CacheFile {
  format: number;
  parser: string;
  entries: Record<string, ParsedDigest>;
}

export interface ParseCache {
  /** The key of one file's content: its path (dates and messages depend on it) and its bytes. */
  keyOf(file: string, source: string): string;
  get(key: string): ParsedDigest | undefined;
  set(key: string, parsed: ParsedDigest): void;
  /** Writes the entries whose keys are in `keep` (and drops the rest) if anything changed. Never throws. */
  save(keep: ReadonlySet<string>): Promise<void>;
}

/** Fingerprint of the parser's code, read next to this module (works from source, as the bot runs under tsx). */
function parserFingerprint(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const hash = createHash("sha256").update(`format ${CACHE_FORMAT}\n`);
  for (const name of PARSER_SOURCES) {
    for (const ext of [".ts", ".js"]) {
      const file = path.join(here, name + ext);
      if (fs.existsSync(file)) hash.update(fs.readFileSync(file));
    }
  }
  return hash.digest("hex");
}

/**
 * Opens (or starts) the cache file. A missing, corrupt or outdated file just means an empty cache.
 *
 * @example
 * const cache = await openParseCache(path.join(config.DATA_DIR, "digest-cache.json"), logger);
 * const archive = await createArchive({ dir: config.DIGEST_DIR, logger, cache });
 */
export async function openParseCache(file: string, logger: Logger): Promise<ParseCache> {
  const parser = parserFingerprint();
  let entries = new Map<string, ParsedDigest>();
  try {
    const data = JSON.parse(await fs.promises.readFile(file, "utf8")) as Partial<CacheFile>;
    if (data.format === CACHE_FORMAT && data.parser === parser && data.entries && typeof data.entries === "object") {
      entries = new Map(Object.entries(data.entries));
    } else {
      logger.info({ file }, "digest cache is from another parser version; parsing every digest once");
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") logger.warn({ file, err }, "digest cache unreadable; parsing every digest once");
  }
  let dirty = false;

  return {
    keyOf: (name, source) => createHash("sha256").update(name).update("\0").update(source).digest("base64url"),
    get: (key) => entries.get(key),
    set(key, parsed) {
      entries.set(key, parsed);
      dirty = true;
    },
    async save(keep) {
      for (const key of entries.keys()) {
        if (!keep.has(key)) {
          entries.delete(key);
          dirty = true;
        }
      }
      if (!dirty) return;
      dirty = false;
      const body: CacheFile = { format: CACHE_FORMAT, parser, entries: Object.fromEntries(entries) };
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
        await fs.promises.writeFile(tmp, JSON.stringify(body), { mode: 0o600 });
        // Rename is atomic: a crash mid-write leaves the old cache, never half a file.
        await fs.promises.rename(tmp, file);
      } catch (err) {
        dirty = true;
        logger.warn({ file, err }, "could not save the digest cache; the next start parses again");
        await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      }
    },
  };
}
