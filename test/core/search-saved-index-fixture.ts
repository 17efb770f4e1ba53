// Test helpers of the search property tests: an index built, saved and loaded back, and one set of archive edits applied to it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSyntheticDigests } from "../../bench/synthetic-archive.js";
import type { Digest } from "../../src/core/digest/model.js";
import { createIndex, digestToDocs } from "../../src/core/search/index-options.js";
import { LiveIndex } from "../../src/core/search/live-index.js";
import { loadSavedIndex, saveIndex } from "../../src/core/search/saved-index.js";

/** The sample digest the synthetic archives are made from (a fixture, never the user's digests folder). */
export const SAMPLE = join(resolve(dirname(fileURLToPath(import.meta.url)), "../.."), "test/fixtures/sample/2026-02-18.md");

/** `digests` indexed, saved and loaded back from the file (postings lazy, as after a warm start); the file is gone once loaded. */
export async function builtAndLoaded(digests: readonly Digest[]) {
  const dir = mkdtempSync(join(tmpdir(), "digest-search-fixture-"));
  try {
    const built = createIndex();
    built.addAll(digests.flatMap(digestToDocs));
    await saveIndex(dir, digests, built);
    const loaded = await loadSavedIndex(dir);
    if (!loaded.index) throw new Error(`not loaded: ${loaded.reason}`);
    return { built, loaded: loaded.index };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A live index over `digests` loaded back from a saved file, as the service runs after a warm start. */
export async function loadedLiveIndex(digests: readonly Digest[]): Promise<LiveIndex> {
  const live = new LiveIndex((await builtAndLoaded(digests)).loaded);
  for (const d of digests) live.adopt(d.date, d, "");
  return live;
}

/**
 * Applies to `live` an edited digest (every text changed: new short ids, its old stories dead, postings added since
 * the save), a removed one and a new day (`seed`); returns the archive's digests after them.
 */
export function editLiveIndex(live: LiveIndex, digests: readonly Digest[], at: { edit: number; remove: number; seed: number }): Digest[] {
  const current = new Map(digests.map((d) => [d.date, d]));
  const edited = structuredClone(digests[at.edit]!);
  for (const s of edited.sections.flatMap((x) => x.stories)) s.text = `${s.text} 修订 ${s.title}`;
  live.apply({ type: "upsert", digest: edited, file: edited.date });
  current.set(edited.date, edited);
  live.apply({ type: "remove", date: digests[at.remove]!.date, file: digests[at.remove]!.date });
  current.delete(digests[at.remove]!.date);
  const [next] = generateSyntheticDigests({ samplePath: SAMPLE, days: 1, endDate: "2026-02-18", seed: at.seed });
  live.apply({ type: "upsert", digest: next!, file: next!.date });
  current.set(next!.date, next!);
  return [...current.values()];
}
