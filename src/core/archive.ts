// The digest archive: every digest under DIGEST_DIR, parsed, validated, hot-reloaded, and looked up by date or story id.
import type { Digest, StoryRef } from "./model.js";

/** What changed in the archive; search and delivery follow these events. */
export type ArchiveChange =
  | { type: "upsert"; digest: Digest; previous?: Digest; file: string }
  | { type: "remove"; date: string; file: string };

/**
 * Read side of the archive. Readers always see whole digests: a reload swaps a digest in one step.
 * (Implementation: see `createArchive` below — contract fixed here so search, commands and delivery can build on it.)
 */
export interface DigestArchive {
  /** Dates of all loaded digests, ascending. */
  dates(): string[];
  /** All digests, ascending by date. */
  all(): Digest[];
  get(date: string): Digest | undefined;
  latest(): Digest | undefined;
  /** A story by its id (`20260218-1-3`). */
  findStory(id: string): StoryRef | undefined;
  /** Subscribe to changes; returns an unsubscribe function. */
  onChange(listener: (change: ArchiveChange) => void): () => void;
}
