// Saving the archive's digest outlines for the next start, once the story ids they carry are on disk.
import { digestHash } from "./digest-hash.js";
import { type DigestOutline, outlineOf } from "./digest-outline.js";
import type { FileEntry } from "./archive-files.js";
import type { Digest } from "./model.js";
import type { ParseCache } from "./parse-cache.js";
import type { StoryIdStore } from "./story-id-store.js";
import { assignStoryIds, type DateIds } from "./story-ids.js";
import { sameIds } from "./archive-view.js";

/** One date to outline: its file's entry, the parse and the digest with stable ids the archive holds, its ids. */
export interface OutlineItem {
  date: string;
  entry: FileEntry;
  parsed: Digest;
  digest: Digest;
  ids: DateIds;
  /** False once the archive holds another version of the date (the outline would be of an old one). */
  current(): boolean;
}

const storyIdsIn = (digest: Digest): string[][] => digest.sections.map((s) => s.stories.map((story) => story.id));

/**
 * Records each item's outline in the parse cache (written with its index). A date gets none when its id file does
 * not hold exactly its ids (a write failed, a read-only store) or when assigning ids again from that file would
 * not give the same ids: the next start must see exactly what it would without the outline. Returns the outlines saved.
 */
export async function saveOutlines(items: readonly OutlineItem[], cache: ParseCache, store: StoryIdStore): Promise<{ item: OutlineItem; outline: DigestOutline }[]> {
  const saved: { item: OutlineItem; outline: DigestOutline }[] = [];
  for (const item of items) {
    const { entry } = item;
    if (entry.key === undefined || !entry.good || !item.current()) continue;
    const stamp = await store.savedStamp(item.date, item.ids).catch(() => undefined);
    if (stamp === undefined || !item.current()) continue;
    const again = assignStoryIds(item.parsed, item.ids);
    if (!sameIds(item.ids, again.ids) || JSON.stringify(storyIdsIn(again.digest)) !== JSON.stringify(storyIdsIn(item.digest))) continue;
    const outline = outlineOf(item.digest, entry.good, digestHash(item.digest), stamp);
    cache.setOutline(entry.key, outline);
    saved.push({ item, outline });
  }
  return saved;
}
