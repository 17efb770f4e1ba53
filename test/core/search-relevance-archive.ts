// Test double of the archive for search tests and the benchmark: parsed digests in memory, with upsert/remove that emit changes.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ArchiveChange, DigestArchive } from "../../src/core/digest/archive.js";
import { type Digest, parseStoryId, type StoryRef } from "../../src/core/digest/model.js";
import { parseDigest } from "../../src/core/digest/parse-digest.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Files the relevance set is judged on: the sample digest, the parser's dialect fixtures, and search's own fixtures. */
export const RELEVANCE_FILES: string[] = [
  join(ROOT, "test/fixtures/sample/2026-02-18.md"),
  ...["test/fixtures/digests", "test/fixtures/search"].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith(".md"))
      .sort()
      .map((f) => join(ROOT, dir, f)),
  ),
];

/** Parses the relevance files (one digest per date; later files do not replace earlier ones). */
export function loadRelevanceDigests(): Digest[] {
  const byDate = new Map<string, Digest>();
  for (const file of RELEVANCE_FILES) {
    const { digest } = parseDigest(readFileSync(file, "utf8"), file);
    if (!byDate.has(digest.date)) byDate.set(digest.date, digest);
  }
  return [...byDate.values()].sort((a, b) => a.date.localeCompare(b.date));
}

/** An in-memory `DigestArchive` whose contents the test changes by hand. */
export interface MemoryArchive extends DigestArchive {
  upsert(digest: Digest): void;
  remove(date: string): void;
}

export function createMemoryArchive(initial: readonly Digest[] = []): MemoryArchive {
  const digests = new Map<string, Digest>(initial.map((d) => [d.date, d]));
  const listeners = new Set<(change: ArchiveChange) => void>();
  // Kept sorted between changes, like the real archive's view: sorting on every call made `latest()` (every
  // command) cost ~1 ms at 3 years and swamped the command path the benchmark times.
  let order: Digest[] | undefined;
  const ordered = () => (order ??= [...digests.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)));
  const sorted = () => [...ordered()];
  const emit = (change: ArchiveChange) => {
    for (const l of listeners) l(change);
  };
  return {
    dates: () => sorted().map((d) => d.date),
    all: sorted,
    get: (date) => digests.get(date),
    latest: () => ordered().at(-1),
    findStory(id): StoryRef | undefined {
      const at = parseStoryId(id);
      const digest = at && digests.get(at.date);
      const section = digest?.sections[at!.sectionIndex];
      const story = section?.stories[at!.storyIndex];
      return digest && section && story ? { digest, section, sectionIndex: at!.sectionIndex, story } : undefined;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    upsert(digest) {
      const previous = digests.get(digest.date);
      digests.set(digest.date, digest);
      order = undefined;
      emit({ type: "upsert", digest, ...(previous ? { previous } : {}), file: `${digest.date}.md` });
    },
    remove(date) {
      if (!digests.delete(date)) return;
      order = undefined;
      emit({ type: "remove", date, file: `${date}.md` });
    },
  };
}
