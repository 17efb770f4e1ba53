// The saved search index: one JSON file under DATA_DIR, valid only for the exact digests (content hashes) and schema it was built from.
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import MiniSearch from "minisearch";
import type { Digest } from "../model.js";
import { INDEX_OPTIONS, INDEX_SCHEMA_VERSION, type StoryDoc } from "./index-options.js";

/** File name of the saved index inside DATA_DIR. */
export const SAVED_INDEX_FILE = "search-index.json";

interface SavedIndexFile {
  schema: number;
  key: string;
  savedAt: string;
  documents: number;
  index: unknown;
}

/**
 * Content key of a set of digests: a hash over each digest's date and the hash of its parsed content.
 * Any edited, added or removed digest, or a parser change that alters the parsed form, changes the key.
 */
export function digestsKey(digests: readonly Digest[]): string {
  const outer = createHash("sha256");
  for (const d of [...digests].sort((a, b) => a.date.localeCompare(b.date))) {
    const inner = createHash("sha256").update(JSON.stringify(d)).digest("hex");
    outer.update(`${d.date}\0${inner}\n`);
  }
  return outer.digest("hex");
}

/** Why a saved index was not used; `undefined` when it was. */
export type LoadOutcome =
  | { index: MiniSearch<StoryDoc>; reason?: undefined }
  | { index?: undefined; reason: "missing" | "schema" | "stale" | "unreadable"; detail?: string };

/** Loads the saved index if it exists and matches `key` and the schema version. Never throws. */
export async function loadSavedIndex(dataDir: string, key: string): Promise<LoadOutcome> {
  let raw: string;
  try {
    raw = await readFile(join(dataDir, SAVED_INDEX_FILE), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { reason: "missing" };
    return { reason: "unreadable", detail: String(err) };
  }
  try {
    const saved = JSON.parse(raw) as SavedIndexFile;
    if (saved.schema !== INDEX_SCHEMA_VERSION) return { reason: "schema", detail: `saved ${saved.schema}, need ${INDEX_SCHEMA_VERSION}` };
    if (saved.key !== key) return { reason: "stale" };
    return { index: MiniSearch.loadJS<StoryDoc>(saved.index as Parameters<typeof MiniSearch.loadJS>[0], INDEX_OPTIONS) };
  } catch (err) {
    return { reason: "unreadable", detail: err instanceof Error ? err.message : String(err) };
  }
}

/** Writes the index atomically (temp file + rename), so a crash mid-write leaves the old file intact. */
export async function saveIndex(dataDir: string, key: string, index: MiniSearch<StoryDoc>): Promise<string> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, SAVED_INDEX_FILE);
  const body: SavedIndexFile = {
    schema: INDEX_SCHEMA_VERSION,
    key,
    savedAt: new Date().toISOString(),
    documents: index.documentCount,
    index,
  };
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(body));
  await rename(tmp, file);
  return file;
}
