// The saved search index: one binary file under DATA_DIR with per-digest content hashes, checked against its own documents at load.
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import MiniSearch from "minisearch";
import { digestHash } from "../digest/digest-hash.js";
import type { Digest } from "../digest/model.js";
import { LazyPostings } from "./lazy-postings.js";
import { INDEX_OPTIONS, INDEX_SCHEMA_VERSION, type StoryDoc } from "./index-options.js";
import { packPostings, runNow, type PackedPostings } from "./index-codec.js";
import { type FieldTermData, internalsOf, type MiniSearchInternals } from "./minisearch-internals.js";
import { IndexFileWriter } from "./index-file-writer.js";
import { fillLazyTermTree } from "./lazy-term-tree.js";
import { removeLeftoverTemps, tempPathOf } from "../temp-files.js";

export { digestHash };

/** File name of the saved index inside DATA_DIR. */
export const SAVED_INDEX_FILE = "search-index.bin";
/** First bytes of the file; anything else is not ours. */
const MAGIC = "DBSI";

/**
 * Layout: `DBSI`, then three u32-length-prefixed UTF-8 JSON chunks — the header, the documents
 * (`[shortId, fieldLengths, storedFields]` each), the terms — padding to 4 bytes, a u32 word count and the postings
 * as little-endian u32s: per term `fieldCount, (fieldId, docCount, (shortId, freq)*)*`, short ids ascending.
 * Loading points each term's postings into that typed array (`LazyPostings`) instead of building ~3.6 M Map
 * entries (0.75 s and ~150 MB at 3 years).
 */
interface Header {
  schema: number;
  savedAt: string;
  /** Content hash of each indexed digest, by date. */
  digests: Record<string, string>;
  documentCount: number;
  nextId: number;
  fieldIds: Record<string, number>;
  averageFieldLength: number[];
}

type SavedDoc = [shortId: number, fieldLengths: number[], stored: Record<string, unknown>];

export interface LoadedIndex {
  index: MiniSearch<StoryDoc>;
  /** Hash of each digest in the saved index, by date. */
  digests: Map<string, string>;
  /** Story ids in the saved index, by date. */
  idsByDate: Map<string, string[]>;
  /** What was repaired while loading (statistics recomputed from the documents), if anything. */
  repaired?: string;
}

/** Why a saved index was not used; `index` is set when it was. */
export type LoadOutcome =
  | ({ reason?: undefined } & LoadedIndex)
  | { index?: undefined; reason: "missing" | "schema" | "unreadable" | "inconsistent"; detail?: string };

class Inconsistent extends Error {}

/**
 * Loads the saved index if it exists, has the current schema and agrees with itself: every posting names a stored
 * story, each story's postings per field number exactly its recorded field length, the story count and the digest
 * hashes match the stories. Average field lengths are recomputed from the stories (repaired when they differ).
 * Anything else is refused (`inconsistent`, rebuilt by the caller). Never throws.
 */
export async function loadSavedIndex(dataDir: string): Promise<LoadOutcome> {
  let buf: Buffer;
  try {
    buf = await readFile(join(dataDir, SAVED_INDEX_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { reason: "missing" };
    return { reason: "unreadable", detail: String(err) };
  }
  try {
    return decode(buf);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { reason: err instanceof Inconsistent ? "inconsistent" : "unreadable", detail };
  }
}

function decode(buf: Buffer): LoadOutcome {
  if (buf.length < 8 || buf.toString("latin1", 0, 4) !== MAGIC) return { reason: "unreadable", detail: "not a digest-bot search index" };
  let at = 4;
  const chunk = () => {
    if (at + 4 > buf.length) throw new Error("the file is cut short");
    const length = buf.readUInt32LE(at);
    if (at + 4 + length > buf.length) throw new Error("the file is cut short");
    const text = buf.toString("utf8", at + 4, at + 4 + length);
    at += 4 + length;
    return text;
  };
  const header = JSON.parse(chunk()) as Header;
  if (header.schema !== INDEX_SCHEMA_VERSION) return { reason: "schema", detail: `saved ${header.schema}, need ${INDEX_SCHEMA_VERSION}` };
  const docs = JSON.parse(chunk()) as SavedDoc[];
  const terms = JSON.parse(chunk()) as string[];
  at = (at + 3) & ~3;
  if (at + 4 > buf.length) throw new Error("the file is cut short");
  const count = buf.readUInt32LE(at);
  at += 4;
  if (at + count * 4 !== buf.length) throw new Error("postings are cut short or followed by garbage");
  const bytes = buf.subarray(at, at + count * 4);
  // A typed-array view needs 4-byte alignment in the underlying ArrayBuffer; copy if the Buffer is not.
  const data = bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, count) : new Uint32Array(Uint8Array.from(bytes).buffer);

  const fieldCount = Object.keys(header.fieldIds).length;
  const index = MiniSearch.loadJS<StoryDoc>(
    {
      documentCount: docs.length,
      nextId: header.nextId,
      documentIds: {},
      fieldIds: header.fieldIds,
      fieldLength: {},
      averageFieldLength: averageLengths(docs, fieldCount),
      storedFields: {},
      dirtCount: 0,
      index: [],
      serializationVersion: 2,
    } as unknown as Parameters<typeof MiniSearch.loadJS>[0],
    INDEX_OPTIONS,
  );
  const ix = internalsOf(index);
  // The maps are filled here rather than by `loadJS` from objects keyed by short id (twice the work), in the
  // ascending short-id order `loadJS` gives them.
  for (let i = 1; i < docs.length; i++) {
    if (!(docs[i]![0] > docs[i - 1]![0])) {
      docs.sort((x, y) => x[0] - y[0]);
      break;
    }
  }
  const live = new Uint8Array(header.nextId + 1);
  const idsByDate = new Map<string, string[]>();
  for (const [shortId, fl, stored] of docs) {
    if (!Number.isInteger(shortId) || shortId < 0 || shortId >= header.nextId || live[shortId]) throw new Inconsistent(`story ${shortId} is out of range or listed twice`);
    const id = String(stored.id);
    if (ix._idToShortId.has(id)) throw new Inconsistent(`story id ${id} is listed twice`);
    live[shortId] = 1;
    ix._documentIds.set(shortId, id);
    ix._idToShortId.set(id, shortId);
    ix._fieldLength.set(shortId, fl);
    ix._storedFields.set(shortId, stored);
    const date = String(stored.date);
    const ids = idsByDate.get(date);
    if (ids) ids.push(id);
    else idsByDate.set(date, [id]);
  }
  if (docs.length !== header.documentCount) throw new Inconsistent(`the header counts ${header.documentCount} stories, the file holds ${docs.length}`);
  const dates = Object.keys(header.digests);
  if (dates.length !== idsByDate.size || dates.some((d) => !idsByDate.has(d))) throw new Inconsistent("the digest hashes do not match the stories' dates");

  // Every posting must belong to a stored story, and a story's postings in a field must number its field length.
  const counted = Array.from({ length: fieldCount }, () => new Uint32Array(header.nextId + 1));
  // Where each term's postings start: its value (field → postings) is made when the tree first reaches the term.
  const termStart = new Uint32Array(terms.length);
  let p = 0;
  for (let t = 0; t < terms.length; t++) {
    termStart[t] = p;
    const nFields = data[p++]!;
    if (nFields === 0 || nFields > fieldCount) throw new Inconsistent(`term ${JSON.stringify(terms[t])} has ${nFields} fields`);
    for (let f = nFields; f > 0; f--) {
      const fieldId = data[p++]!;
      const n = data[p++]!;
      if (fieldId >= fieldCount || n === 0 || p + 2 * n > count) throw new Inconsistent("a term's postings are malformed");
      let last = -1;
      const seen = counted[fieldId]!;
      for (let i = p, end = p + 2 * n; i < end; i += 2) {
        const doc = data[i]!;
        if (doc <= last) throw new Inconsistent("a term's postings are not in story order");
        if (!live[doc]) throw new Inconsistent(`a posting names story ${doc}, which is not in the index (discarded but not removed)`);
        if (data[i + 1] === 0) throw new Inconsistent("a posting has frequency 0");
        seen[doc]!++;
        last = doc;
      }
      p += 2 * n;
    }
  }
  const valueOf = (t: number): FieldTermData => {
    const fields: FieldTermData = new Map();
    let at = termStart[t]!;
    for (let f = data[at++]!; f > 0; f--) {
      const fieldId = data[at++]!;
      const n = data[at++]!;
      fields.set(fieldId, new LazyPostings(data, at, n));
      at += 2 * n;
    }
    return fields;
  };
  // Terms come in the order the saved tree iterated them: each node of the tree is built from them when a query
  // (or a save) first reads it (one by one, all at once, if they are not in that order).
  const tree = (ix._index as unknown as { _tree?: unknown })._tree;
  if (!(tree instanceof Map) || !fillLazyTermTree(tree as Map<string, unknown>, terms, valueOf)) {
    for (let t = 0; t < terms.length; t++) ix._index.set(terms[t]!, valueOf(t));
  }
  if (p !== count) throw new Inconsistent("postings do not match the terms");
  for (const [shortId, fl] of docs) {
    for (let f = 0; f < fieldCount; f++) {
      if ((fl[f] ?? 0) !== counted[f]![shortId]) {
        throw new Inconsistent(`story ${String(ix._documentIds.get(shortId))} has ${counted[f]![shortId]} terms in field ${f}, its recorded length is ${fl[f] ?? 0}`);
      }
    }
  }
  const repaired = ix._avgFieldLength.some((avg, f) => !close(avg, header.averageFieldLength[f] ?? NaN))
    ? "average field lengths recomputed from the stories"
    : undefined;
  return { index, digests: new Map(Object.entries(header.digests)), idsByDate, ...(repaired ? { repaired } : {}) };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));

function averageLengths(docs: SavedDoc[], fieldCount: number): number[] {
  const sums = new Array<number>(fieldCount).fill(0);
  for (const [, fl] of docs) for (let f = 0; f < fieldCount; f++) sums[f]! += fl[f] ?? 0;
  return sums.map((s) => (docs.length === 0 ? 0 : s / docs.length));
}

/**
 * The documents part of the file, captured in steps: each story's `[shortId, fieldLengths, stored]`, the objects
 * the index holds (MiniSearch replaces them, never changes them, so they stay as captured). They become JSON only
 * as they are written, a few hundred at a time: JSON of all of them in the snapshot was ~20 MiB of strings at
 * 3 years that lived until written, long enough to reach the old generation, whose pages V8 kept (RSS growing
 * with each save).
 */
export function* documentsOf(ix: MiniSearchInternals): Generator<void, SavedDoc[]> {
  const docs: SavedDoc[] = [];
  for (const [shortId, stored] of ix._storedFields) {
    docs.push([shortId, ix._fieldLength.get(shortId) ?? [], stored]);
    if (docs.length % 5000 === 0) yield;
  }
  return docs;
}

/** What `writeSavedIndex` writes: captured from the index at one moment (it may change while the file is written). */
export interface IndexSnapshot {
  digests: Record<string, string>;
  documentCount: number;
  nextId: number;
  fieldIds: Record<string, number>;
  averageFieldLength: number[];
  /** The documents (`documentsOf`); the terms are `postings.terms`. */
  documents: readonly SavedDoc[];
  postings: PackedPostings;
}

/** Writes a snapshot atomically (temp file + rename), so a crash mid-write leaves the old file intact. */
export async function writeSavedIndex(dataDir: string, snap: IndexSnapshot): Promise<string> {
  const header: Header = {
    schema: INDEX_SCHEMA_VERSION,
    savedAt: new Date().toISOString(),
    digests: snap.digests,
    documentCount: snap.documentCount,
    nextId: snap.nextId,
    fieldIds: snap.fieldIds,
    averageFieldLength: snap.averageFieldLength,
  };
  // The documents and terms are tens of MB of JSON at 10 years: each piece is made JSON just before it is written,
  // a few MB per event-loop turn, never all at once (encoding them in one go was the longest stall of a save),
  // through one reused buffer (`IndexFileWriter`). A chunk's length is written as a placeholder and filled in
  // once its bytes are counted.
  const chunk = async (w: IndexFileWriter, body: () => Promise<void>) => {
    const at = w.position;
    await w.bytes(new Uint8Array(4));
    await body();
    await w.patchUInt32(at, w.position - at - 4);
  };
  /** A JSON array, encoded `batch` items at a time (small strings that die young). */
  const jsonArray = (w: IndexFileWriter, items: readonly unknown[], batch: number) => async () => {
    await w.text("[");
    for (let i = 0; i < items.length; i += batch) {
      if (i > 0) await w.text(",");
      await w.text(JSON.stringify(items.slice(i, i + batch)).slice(1, -1));
    }
    await w.text("]");
  };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, SAVED_INDEX_FILE);
  const tmp = tempPathOf(file);
  await removeLeftovers(dataDir);
  const handle = await open(tmp, "w", 0o600);
  const w = new IndexFileWriter(handle);
  try {
    try {
      await w.text(MAGIC);
      await chunk(w, () => w.text(JSON.stringify(header)));
      await chunk(w, jsonArray(w, snap.documents, 200));
      await chunk(w, jsonArray(w, snap.postings.terms, 2000));
      const count = Buffer.alloc(4);
      count.writeUInt32LE(snap.postings.pieces.reduce((n, piece) => n + (piece instanceof Uint32Array ? piece.length : piece.words), 0));
      await w.bytes(new Uint8Array(((w.position + 3) & ~3) - w.position));
      await w.bytes(count);
      for (const d of snap.postings.pieces) {
        if (d instanceof Uint32Array) await w.bytes(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
        else await w.words(d.words, (out, at) => d.encode(out, at));
      }
      await w.flush();
    } finally {
      w.release();
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    // A save the disk refused (ENOSPC mid-write): left there, the part written held the space, and every start that
    // failed so (another pid) left one more.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  return file;
}

/**
 * Removes the temp files of saves whose process is gone (killed mid-save: `kill -9`, the OOM killer): each held
 * up to a whole index (~12 MiB a year of digests) for good, the next process having another pid. A file another
 * process may still be writing (this container's, or another's sharing DATA_DIR) is left alone (`isLeftoverTemp`).
 */
async function removeLeftovers(dataDir: string): Promise<void> {
  const names = await readdir(dataDir).catch(() => [] as string[]);
  await removeLeftoverTemps(dataDir, names.filter((name) => name.startsWith(`${SAVED_INDEX_FILE}.`)));
}

/**
 * Saves `index` (covering exactly `digests`) at once, without compacting it: for tools and tests. The running
 * service saves through `LiveIndex#snapshot`, in slices.
 *
 * @example
 * await saveIndex(dataDir, archive.all(), index); // DATA_DIR/search-index.bin
 */
export async function saveIndex(dataDir: string, digests: readonly Digest[], index: MiniSearch<StoryDoc>): Promise<string> {
  const ix = internalsOf(index);
  const postings = runNow(packPostings(ix));
  return writeSavedIndex(dataDir, {
    digests: Object.fromEntries(digests.map((d) => [d.date, digestHash(d)])),
    documentCount: ix._documentCount,
    nextId: ix._nextId,
    fieldIds: ix._fieldIds,
    averageFieldLength: [...ix._avgFieldLength],
    documents: runNow(documentsOf(ix)),
    postings,
  });
}
