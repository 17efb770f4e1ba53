// The saved search index: one binary file under DATA_DIR with per-digest content hashes, so a start loads it and re-indexes only what changed.
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import MiniSearch from "minisearch";
import type { Digest } from "../digest/model.js";
import { eachPosting, LazyPostings } from "./lazy-postings.js";
import { INDEX_OPTIONS, INDEX_SCHEMA_VERSION, type StoryDoc } from "./index-options.js";
import { internalsOf } from "./minisearch-internals.js";

/** File name of the saved index inside DATA_DIR. */
export const SAVED_INDEX_FILE = "search-index.bin";
/** First bytes of the file; anything else is not ours. */
const MAGIC = "DBSI";

/**
 * Layout: `DBSI`, u32 length + header JSON (schema, per-date hashes, MiniSearch's metadata in its own
 * `toJSON` shape minus the postings), u32 length + JSON array of terms, padding to 4 bytes, then the postings
 * as little-endian u32s: per term `fieldCount, (fieldId, docCount, (shortId, freq)*)*`.
 * MiniSearch's JSON form was 40 MB for 34k stories and its parse peaked at ~700 MB RSS; this loads the
 * metadata with `MiniSearch.loadJS` (same options) and points each term's postings into the typed array
 * (`LazyPostings`), which become real Maps only when MiniSearch touches them.
 */
interface Header {
  schema: number;
  savedAt: string;
  /** Content hash of each indexed digest, by date. */
  digests: Record<string, string>;
  meta: {
    documentCount: number;
    nextId: number;
    documentIds: Record<string, unknown>;
    fieldIds: Record<string, number>;
    fieldLength: Record<string, unknown>;
    averageFieldLength: number[];
    storedFields: Record<string, unknown>;
    dirtCount: number;
    serializationVersion: 2;
  };
}


/** Content hash of one parsed digest: any edit, or a parser change that alters the parsed form, changes it. */
export function digestHash(digest: Digest): string {
  let hash = hashes.get(digest);
  if (hash === undefined) {
    hash = createHash("sha256").update(JSON.stringify(digest)).digest("base64url");
    hashes.set(digest, hash);
  }
  return hash;
}

/** Digests are immutable once loaded (a reload swaps in a new object), so their hashes can be kept. */
const hashes = new WeakMap<Digest, string>();

export interface LoadedIndex {
  index: MiniSearch<StoryDoc>;
  /** Hash of each digest in the saved index, by date. */
  digests: Map<string, string>;
  /** Story ids in the saved index, by date. */
  idsByDate: Map<string, string[]>;
}

/** Why a saved index was not used; `index` is set when it was. */
export type LoadOutcome = ({ reason?: undefined } & LoadedIndex) | { index?: undefined; reason: "missing" | "schema" | "unreadable"; detail?: string };

/** Loads the saved index if it exists and has the current schema version. Never throws. */
export async function loadSavedIndex(dataDir: string): Promise<LoadOutcome> {
  let buf: Buffer;
  try {
    buf = await readFile(join(dataDir, SAVED_INDEX_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { reason: "missing" };
    return { reason: "unreadable", detail: String(err) };
  }
  try {
    if (buf.toString("latin1", 0, 4) !== MAGIC) return { reason: "unreadable", detail: "not a digest-bot search index" };
    let at = 4;
    const chunk = () => {
      const length = buf.readUInt32LE(at);
      const text = buf.toString("utf8", at + 4, at + 4 + length);
      at += 4 + length;
      return text;
    };
    const header = JSON.parse(chunk()) as Header;
    if (header.schema !== INDEX_SCHEMA_VERSION) return { reason: "schema", detail: `saved ${header.schema}, need ${INDEX_SCHEMA_VERSION}` };
    const terms = JSON.parse(chunk()) as string[];
    at = (at + 3) & ~3;
    const count = buf.readUInt32LE(at);
    at += 4;
    const bytes = buf.subarray(at, at + count * 4);
    // A typed-array view needs 4-byte alignment in the underlying ArrayBuffer; copy if the Buffer is not.
    const data = bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, count) : new Uint32Array(Uint8Array.from(bytes).buffer);
    if (data.length !== count) throw new Error("postings are cut short");
    const index = MiniSearch.loadJS<StoryDoc>({ ...header.meta, index: [] } as unknown as Parameters<typeof MiniSearch.loadJS>[0], INDEX_OPTIONS);
    const target = internalsOf(index)._index;
    let p = 0;
    for (const term of terms) {
      const fields = new Map<number, Map<number, number>>();
      for (let f = data[p++]!; f > 0; f--) {
        const fieldId = data[p++]!;
        const n = data[p++]!;
        fields.set(fieldId, new LazyPostings(data, p, n));
        p += 2 * n;
      }
      target.set(term, fields);
    }
    if (p !== count) throw new Error("postings do not match the terms");
    const idsByDate = new Map<string, string[]>();
    for (const stored of Object.values(header.meta.storedFields) as { id: string; date: string }[]) {
      const ids = idsByDate.get(stored.date) ?? [];
      ids.push(stored.id);
      idsByDate.set(stored.date, ids);
    }
    return { index, digests: new Map(Object.entries(header.digests)), idsByDate };
  } catch (err) {
    return { reason: "unreadable", detail: err instanceof Error ? err.message : String(err) };
  }
}

/** Writes the index atomically (temp file + rename), so a crash mid-write leaves the old file intact. */
export async function saveIndex(dataDir: string, digests: readonly Digest[], index: MiniSearch<StoryDoc>): Promise<string> {
  const ix = internalsOf(index);
  const terms: string[] = [];
  let words = 0;
  for (const [term, fields] of ix._index) {
    terms.push(term);
    words += 1;
    for (const postings of fields.values()) words += 2 + 2 * postings.size;
  }
  const data = new Uint32Array(words);
  let p = 0;
  for (const [, fields] of ix._index) {
    data[p++] = fields.size;
    for (const [fieldId, postings] of fields) {
      data[p++] = fieldId;
      data[p++] = postings.size;
      eachPosting(postings, (doc, freq) => {
        data[p++] = doc;
        data[p++] = freq;
      });
    }
  }
  const header: Header = {
    schema: INDEX_SCHEMA_VERSION,
    savedAt: new Date().toISOString(),
    digests: Object.fromEntries(digests.map((d) => [d.date, digestHash(d)])),
    meta: {
      documentCount: ix._documentCount,
      nextId: ix._nextId,
      documentIds: Object.fromEntries(ix._documentIds),
      fieldIds: ix._fieldIds,
      fieldLength: Object.fromEntries(ix._fieldLength),
      averageFieldLength: ix._avgFieldLength,
      storedFields: Object.fromEntries(ix._storedFields),
      dirtCount: ix._dirtCount,
      serializationVersion: 2,
    },
  };
  const lengthPrefixed = (text: string) => {
    const body = Buffer.from(text, "utf8");
    const len = Buffer.alloc(4);
    len.writeUInt32LE(body.length);
    return [len, body];
  };
  const parts = [Buffer.from(MAGIC, "latin1"), ...lengthPrefixed(JSON.stringify(header)), ...lengthPrefixed(JSON.stringify(terms))];
  const used = parts.reduce((n, b) => n + b.length, 0);
  const count = Buffer.alloc(4);
  count.writeUInt32LE(data.length);
  parts.push(Buffer.alloc(((used + 3) & ~3) - used), count, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, SAVED_INDEX_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, parts, { mode: 0o600 });
  await rename(tmp, file);
  return file;
}
