// What the scorer reads per story, as typed arrays by short id (field lengths, date, digest position, section), kept up to date in O(change).
import { parseStoryId } from "../digest/model.js";
import type { MiniSearchInternals } from "./minisearch-internals.js";

/** Stories per block of short ids: the unit of `StoryColumns`' date ranges and of the pruned search's bounds (a power of 2, from 32). */
export const DEFAULT_BLOCK_SIZE = 512;

/**
 * Field lengths, dates, positions and section titles by short id (0 = no such story): a Map lookup per posting was
 * half the cost of a query on a common word. Kept up to date in O(change): stories added since the last query are
 * read from the index (`_nextId` grows), removed ones are zeroed by `forget`; a count that does not add up rebuilds
 * them all. Also: which short ids are live stories (a bitset), and each block's earliest and latest date (bounds:
 * a removed story leaves them as they were, still true of the stories left).
 */
export class StoryColumns {
  /** Length of each scored field by short id, by field id; 0 = absent (a field of length 0 holds no terms). */
  readonly lengths: Uint32Array[] = [];
  /** Story date as the number YYYYMMDD. */
  dates = new Uint32Array(0);
  /** Story position in its digest (section × 1000 + story, 0-based). */
  positions = new Uint32Array(0);
  /** Story section title, interned (`titleIds`). */
  sectionIds = new Uint32Array(0);
  /** Bit `doc` set = a live story. */
  live = new Uint32Array(0);
  /** Per block of `blockSize` short ids: the earliest and latest date of its stories (0xffffffff / 0 when none). */
  blockMinDate = new Uint32Array(0);
  blockMaxDate = new Uint32Array(0);
  /** Section titles seen, numbered from 1 (a few hundred over an archive: digests repeat their sections). */
  readonly titleIds = new Map<string, number>();
  /** Short ids below this have been read. */
  private knownNextId = -1;
  private knownCount = 0;
  /** Called with the new capacity when the arrays grow, for the per-query arrays sized alike. */
  onGrow: (capacity: number) => void = () => undefined;

  constructor(
    private readonly fieldIds: number[],
    readonly blockSize = DEFAULT_BLOCK_SIZE,
  ) {
    if (blockSize < 32 || (blockSize & (blockSize - 1)) !== 0) throw new RangeError(`search: block size must be a power of 2 from 32, got ${blockSize}`);
  }

  get capacity(): number {
    return this.dates.length;
  }

  /** The story with this short id is about to leave the index: it stops counting at once. */
  forget(shortId: number): void {
    if (shortId >= this.knownNextId || this.dates[shortId] === 0) return;
    for (const field of this.fieldIds) this.lengths[field]![shortId] = 0;
    this.dates[shortId] = 0;
    this.live[shortId >>> 5]! &= ~(1 << (shortId & 31));
    this.knownCount--;
  }

  /** Reads the stories added since the last call (or all of them, if the count does not add up). */
  refresh(ix: MiniSearchInternals): void {
    if (this.knownNextId === ix._nextId && this.knownCount === ix._documentCount) return;
    this.grow(ix._nextId + 1);
    if (this.knownNextId >= 0 && this.knownNextId <= ix._nextId) {
      for (let doc = this.knownNextId; doc < ix._nextId; doc++) if (this.readStory(ix, doc)) this.knownCount++;
      this.knownNextId = ix._nextId;
      if (this.knownCount === ix._documentCount) return;
    }
    for (const field of this.fieldIds) this.lengths[field]!.fill(0);
    this.dates.fill(0);
    this.positions.fill(0);
    this.sectionIds.fill(0);
    this.live.fill(0);
    this.blockMinDate.fill(0xffffffff);
    this.blockMaxDate.fill(0);
    this.knownCount = 0;
    ix._fieldLength.forEach((_, doc) => {
      if (this.readStory(ix, doc)) this.knownCount++;
    });
    this.knownNextId = ix._nextId;
  }

  private readStory(ix: MiniSearchInternals, doc: number): boolean {
    const lengths = ix._fieldLength.get(doc);
    const stored = ix._storedFields.get(doc);
    if (!lengths || !stored) return false;
    for (const field of this.fieldIds) this.lengths[field]![doc] = lengths[field] ?? 0;
    const date = Number(String(stored.date).replaceAll("-", ""));
    this.dates[doc] = date;
    const at = parseStoryId(String(stored.id));
    // Stable ids carry no position; a digest's stories are indexed in digest order, so the document number is it.
    this.positions[doc] = at ? at.sectionIndex * 1000 + at.storyIndex : doc;
    this.sectionIds[doc] = this.titleId(String(stored.section));
    this.live[doc >>> 5]! |= 1 << (doc & 31);
    const block = Math.floor(doc / this.blockSize);
    if (date < this.blockMinDate[block]!) this.blockMinDate[block] = date;
    if (date > this.blockMaxDate[block]!) this.blockMaxDate[block] = date;
    return true;
  }

  private titleId(title: string): number {
    let id = this.titleIds.get(title);
    if (id === undefined) {
      id = this.titleIds.size + 1;
      this.titleIds.set(title, id);
    }
    return id;
  }

  private grow(size: number): void {
    if (this.dates.length >= size) return;
    // Whole blocks, so that the bitsets' words and the blocks line up.
    const wanted = Math.max(size, Math.ceil(this.dates.length * 1.5), 1024);
    const capacity = Math.ceil(wanted / this.blockSize) * this.blockSize;
    const bigger = (a: Uint32Array, length = capacity, fill = 0) => {
      const b = new Uint32Array(length);
      if (fill !== 0) b.fill(fill);
      b.set(a);
      return b;
    };
    for (const field of this.fieldIds) this.lengths[field] = bigger(this.lengths[field] ?? new Uint32Array(0));
    this.dates = bigger(this.dates);
    this.positions = bigger(this.positions);
    this.sectionIds = bigger(this.sectionIds);
    this.live = bigger(this.live, capacity / 32);
    this.blockMinDate = bigger(this.blockMinDate, capacity / this.blockSize, 0xffffffff);
    this.blockMaxDate = bigger(this.blockMaxDate, capacity / this.blockSize);
    this.onGrow(capacity);
  }
}
