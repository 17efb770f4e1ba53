// The index as it follows the archive: exact removal of a digest's old stories, compaction and snapshots in event-loop-friendly steps.
import type MiniSearch from "minisearch";
import type { ArchiveChange } from "../digest/archive.js";
import { storyIdsOf } from "../digest/digest-outline.js";
import type { Digest } from "../digest/model.js";
import { attachPacked, PackArena, packPostings, runInSlices, runNow } from "./index-codec.js";
import { digestToDocs, type StoryDoc } from "./index-options.js";
import { LazyPostings } from "./lazy-postings.js";
import { internalsOf } from "./minisearch-internals.js";
import { digestHash, documentsOf, type IndexSnapshot } from "./saved-index.js";
import { StoryScorer } from "./scorer.js";

/**
 * A MiniSearch index plus what it takes to keep it equal to a fresh build over the same digests, whatever the
 * history: each date's indexed digest is kept (the same object the archive holds, so no extra memory), and
 * replacing or removing it `remove`s exactly its old stories — postings, document frequencies, field lengths — in
 * time proportional to that digest. A date whose indexed content is unknown (loaded from the saved file, changed
 * while the bot was down) is discarded and its postings purged by one pass over the postings (`purge`).
 */
export class LiveIndex {
  readonly scorer: StoryScorer;
  /** The digest whose stories are in the index, by date; `undefined` content = known only by its saved ids. */
  private readonly indexed = new Map<string, Digest | undefined>();
  private readonly hashes = new Map<string, string>();
  private readonly savedIds = new Map<string, string[]>();
  private needsPurge = false;
  /** Stories added or removed since the postings were last packed (their overlays hold memory until then). */
  private changedSincePack = 0;
  /** Where the saves that do not compact pack the changed terms (reused: see `PackArena`). */
  private readonly arena = new PackArena();

  constructor(readonly index: MiniSearch<StoryDoc>) {
    this.scorer = new StoryScorer(index);
  }

  /** Registers a date whose stories are already in the index (built, or loaded with this content hash). */
  adopt(date: string, digest: Digest | undefined, hash: string, ids: string[] = []): void {
    this.indexed.set(date, digest);
    this.hashes.set(date, hash);
    if (!digest) this.savedIds.set(date, ids);
  }

  /** Applies one archive change at once; cost proportional to the old and the new version of that digest. */
  apply(change: ArchiveChange): void {
    runNow(this.applySteps(change));
  }

  /**
   * Applies one archive change story by story, yielding after each (a story is ~1 ms of MiniSearch work), so the
   * caller can spread a big digest over event-loop turns. Until it returns, searches see the digest partly replaced.
   */
  *applySteps(change: ArchiveChange): Generator<void, void> {
    const date = change.type === "upsert" ? change.digest.date : change.date;
    yield* this.drop(date);
    if (change.type === "upsert") {
      for (const doc of digestToDocs(change.digest)) {
        this.index.add(doc);
        this.changedSincePack++;
        yield;
      }
      this.adopt(date, change.digest, digestHash(change.digest));
    }
  }

  /** Purges discarded stories' postings if a change discarded any (call after a batch of changes). */
  purgeIfNeeded(): void {
    if (this.needsPurge) this.purge();
  }

  private *drop(date: string): Generator<void, void> {
    if (!this.indexed.has(date)) return;
    const ix = internalsOf(this.index);
    const old = this.indexed.get(date);
    let docs: StoryDoc[] | undefined;
    try {
      docs = old && digestToDocs(old);
    } catch {
      // An outlined digest whose stories can no longer be loaded: its stories go by id, as a saved date's do.
      this.savedIds.set(date, storyIdsOf(old as Digest).flat());
    }
    if (docs) {
      for (const doc of docs) {
        const shortId = ix._idToShortId.get(doc.id);
        if (shortId === undefined) continue;
        this.scorer.forget(shortId);
        this.index.remove(doc);
        this.changedSincePack++;
        yield;
      }
    } else {
      for (const id of this.savedIds.get(date) ?? []) {
        const shortId = ix._idToShortId.get(id);
        if (shortId === undefined) continue;
        this.scorer.forget(shortId);
        this.index.discard(id);
        this.needsPurge = true;
      }
      this.savedIds.delete(date);
    }
    this.indexed.delete(date);
    this.hashes.delete(date);
  }

  /**
   * Removes the postings of discarded stories (O(postings), once, after catching up at start), and terms left
   * with none, so document frequencies, prefix and typo expansions are those of a fresh build.
   */
  purge(): void {
    const ix = internalsOf(this.index);
    const live = new Uint8Array(ix._nextId + 1);
    for (const doc of ix._documentIds.keys()) live[doc] = 1;
    const emptyTerms: string[] = [];
    for (const [term, fields] of ix._index) {
      for (const [fieldId, postings] of fields) {
        const dead: number[] = [];
        if (postings instanceof LazyPostings) postings.eachPosting((doc) => void (live[doc] ? 0 : dead.push(doc)));
        else for (const doc of postings.keys()) if (!live[doc]) dead.push(doc);
        for (const doc of dead) postings.delete(doc);
        if (postings.size === 0) fields.delete(fieldId);
      }
      if (fields.size === 0) emptyTerms.push(term);
    }
    for (const term of emptyTerms) ix._index.delete(term);
    ix._dirtCount = 0;
    this.needsPurge = false;
  }

  /**
   * Captures what the saved file needs, in slices that yield to the event loop, and compacts the postings when
   * edits since the last compaction amount to 1% of the stories (at least 500) or `compact` asks for it.
   * The caller must not apply changes until this resolves, and must be done with the snapshot (written it) before
   * taking the next one: the postings of a snapshot that does not compact live in storage the next one reuses.
   */
  async snapshot(sliceMs: number, compact = false): Promise<IndexSnapshot> {
    const ix = internalsOf(this.index);
    const pack = compact || this.changedSincePack >= Math.max(500, ix._documentCount / 100);
    const postings = await runInSlices(packPostings(ix, { copy: pack, arena: this.arena }), sliceMs);
    const documents = await runInSlices(documentsOf(ix), sliceMs);
    if (pack) {
      await runInSlices(attachPacked(postings), sliceMs);
      this.changedSincePack = 0;
    }
    return {
      digests: Object.fromEntries(this.hashes),
      documentCount: ix._documentCount,
      nextId: ix._nextId,
      fieldIds: ix._fieldIds,
      averageFieldLength: [...ix._avgFieldLength],
      documents,
      postings,
    };
  }
}
