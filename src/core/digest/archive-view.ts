// The archive's snapshot: which file owns each date, and finding a story by id (stable, old position, or removed).
import { digestHash } from "./digest-hash.js";
import type { Digest, StoryRef } from "./model.js";
import { parseStoryId, positionKey, storyIdDate } from "./model.js";
import type { DateIds } from "./story-ids.js";

/** One immutable snapshot of the archive; a reload builds a new one and swaps the reference. */
export interface View {
  byDate: Map<string, { digest: Digest; file: string }>;
  dates: string[];
}

export const EMPTY_VIEW: View = { byDate: new Map(), dates: [] };

/** A file whose date another file already holds. */
export interface DuplicateDate {
  file: string;
  date: string;
  owner: string;
}

/**
 * Which file holds each date. `previous` owners keep their date while they still claim it, so a late copy never
 * steals a date; otherwise the first file (sorted) wins.
 */
export function chooseOwners(
  claims: ReadonlyMap<string, readonly string[]>,
  previous: ReadonlyMap<string, string>,
): { owners: Map<string, string>; duplicates: DuplicateDate[] } {
  const owners = new Map<string, string>();
  const duplicates: DuplicateDate[] = [];
  for (const [date, claimants] of claims) {
    const current = previous.get(date);
    const owner = current && claimants.includes(current) ? current : (claimants[0] as string);
    owners.set(date, owner);
    for (const file of claimants) if (file !== owner) duplicates.push({ file, date, owner });
  }
  return { owners, duplicates };
}

/** The answer to "which story is this id": found, a story the digest no longer has, or nothing of ours. */
export type StoryLookup =
  | { kind: "found"; ref: StoryRef }
  | { kind: "removed"; date: string; title: string }
  | { kind: "unknown" };

const refsByDigest = new WeakMap<Digest, Map<string, StoryRef>>();

function refsOf(digest: Digest): Map<string, StoryRef> {
  let refs = refsByDigest.get(digest);
  if (!refs) {
    refs = new Map();
    digest.sections.forEach((section, sectionIndex) => {
      for (const story of section.stories) refs!.set(story.id, { digest, section, sectionIndex, story });
    });
    refsByDigest.set(digest, refs);
  }
  return refs;
}

/**
 * Finds a story by id in `view`. A stable id is looked up directly; a position id (`20260218-1-3`, from posts sent
 * before stable ids) goes through the date's first-seen position map, so it opens the story that held that
 * position then, wherever it is now. An id the date once had but its digest no longer does is `removed`.
 */
export function lookUpStory(view: View, ids: Pick<ReadonlyMap<string, DateIds>, "get">, id: string): StoryLookup {
  const wanted = id.trim();
  const date = storyIdDate(wanted);
  if (!date) return { kind: "unknown" };
  const digest = view.byDate.get(date)?.digest;
  const record = ids.get(date);
  let stable = wanted;
  const position = parseStoryId(wanted);
  if (position) {
    const mapped = record?.positions.get(positionKey(position.sectionIndex, position.storyIndex));
    if (mapped) stable = mapped;
    else {
      // Never recorded (no id store): the position as it is now.
      const section = digest?.sections[position.sectionIndex];
      const story = section?.stories[position.storyIndex];
      if (digest && section && story) return { kind: "found", ref: { digest, section, sectionIndex: position.sectionIndex, story } };
    }
  }
  const ref = digest ? refsOf(digest).get(stable) : undefined;
  if (ref) return { kind: "found", ref };
  const trace = record?.stories.get(stable);
  if (trace) return { kind: "removed", date, title: trace.title };
  return { kind: "unknown" };
}

/** True when two assignments are the same (so an unchanged date is not written again at every start). */
export function sameIds(a: DateIds | undefined, b: DateIds): boolean {
  if (a === b) return true;
  if (!a || a.stories.size !== b.stories.size || a.positions.size !== b.positions.size) return false;
  return JSON.stringify([...a.stories, ...a.positions]) === JSON.stringify([...b.stories, ...b.positions]);
}

/**
 * `held`, when `next` (a re-read of the same file, its ids assigned) is the very digest readers hold: a save whose
 * bytes changed but not what they parse to (line endings, a BOM, a bad save undone) then shows as no change.
 * Outlined digests know their hash, so comparing loads none of their stories.
 */
export const heldIfSame = (held: Digest | undefined, next: Digest): Digest | undefined =>
  held !== undefined && digestHash(held) === digestHash(next) ? held : undefined;
