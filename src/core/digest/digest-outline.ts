// Digest outlines: a digest without its stories (date, title, sections, story ids), and digests whose stories load on first use.
//
// A warm start builds every digest from its outline (one index file for the whole archive) instead of reading a
// parse-cache entry and a story-id file per digest; a digest's stories are read the first time anything looks at
// them (`section.stories`), so callers see plain digests and never know.
import { knowDigestHash } from "./digest-hash.js";
import type { Digest, Section, Story } from "./model.js";
import type { DigestWarning } from "./parse-digest.js";

/** What the archive keeps of a digest across starts so that it need not read its stories at start. */
export interface DigestOutline {
  /** The digest as the archive holds it, each section's `stories` replaced by their ids (`ids`), keys in its order. */
  digest: { date: string; title?: string; sections: { title: string; ids: string[] }[] };
  /** The line the date was read from (see `ParsedDigest.dateLine`). */
  dateLine: number;
  warnings: DigestWarning[];
  /** `digestHash` of the digest with its stories (what the saved search index is keyed on). */
  hash: string;
  /** Stamp of the story-id file the ids came from (`StoryIdStore.stamp`); another file there voids the outline. */
  idsStamp: string;
}

/** Loads the stories of an outlined digest, section by section with their stable ids; throws when it cannot. */
export type StoriesLoader = () => Story[][];

/** Digests built from an outline whose stories are not loaded yet, with how to load them. */
const pending = new WeakMap<Digest, { outline: DigestOutline; fill: () => void }>();

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** True when `value` has the shape of an outline (the index file is ours, but a damaged one must not crash a start). */
export function isOutline(value: unknown): value is DigestOutline {
  if (!isObject(value) || !isObject(value.digest) || typeof value.hash !== "string" || typeof value.idsStamp !== "string") return false;
  if (typeof value.dateLine !== "number" || !Array.isArray(value.warnings)) return false;
  const { date, title, sections } = value.digest;
  if (typeof date !== "string" || (title !== undefined && typeof title !== "string") || !Array.isArray(sections) || sections.length === 0) return false;
  return sections.every(
    (s: unknown) => isObject(s) && typeof s.title === "string" && Array.isArray(s.ids) && s.ids.length > 0 && s.ids.every((id) => typeof id === "string"),
  );
}

/** The outline of `digest` (with its stories loaded), as `outlineDigest` rebuilds it. */
export function outlineOf(digest: Digest, parsed: { dateLine: number; warnings: DigestWarning[] }, hash: string, idsStamp: string): DigestOutline {
  const skeleton: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(digest)) {
    skeleton[key] =
      key === "sections"
        ? digest.sections.map((section) => {
            const out: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(section)) {
              if (k === "stories") out.ids = section.stories.map((s) => s.id);
              else out[k] = v;
            }
            return out;
          })
        : value;
  }
  return { digest: skeleton as DigestOutline["digest"], dateLine: parsed.dateLine, warnings: parsed.warnings, hash, idsStamp };
}

/**
 * A digest made from `outline` whose sections' `stories` are read by `load` on first access (all sections at once)
 * and then stay; until then its hash, sections and story ids are known without loading. A failing `load` throws
 * to the reader and is tried again at the next access.
 */
export function outlineDigest(outline: DigestOutline, load: StoriesLoader): Digest {
  const sections: Record<string, unknown>[] = [];
  const digest: Record<string, unknown> = {};
  const fill = (): void => {
    const stories = load();
    sections.forEach((section, i) => {
      Object.defineProperty(section, "stories", { value: stories[i], writable: true, enumerable: true, configurable: true });
    });
    pending.delete(digest as Digest);
  };
  for (const [key, value] of Object.entries(outline.digest)) {
    if (key !== "sections") {
      digest[key] = value;
      continue;
    }
    for (const outlined of outline.digest.sections) {
      const section: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(outlined)) {
        // Where `stories` was in the digest's section, so the loaded digest serialises (and hashes) the same.
        if (k === "ids") Object.defineProperty(section, "stories", LAZY_STORIES);
        else section[k] = v;
      }
      fills.set(section, fill);
      sections.push(section);
    }
    digest.sections = sections as unknown as Section[];
  }
  pending.set(digest as Digest, { outline, fill });
  knowDigestHash(digest as Digest, outline.hash);
  return digest as Digest;
}

/**
 * Lets go of the stories of `digest` (loaded, with the stable ids `outline` was made of) in place, so that every
 * holder of the object (the archive's snapshot, the search index) holds it as a warm start does: outlined, its
 * stories read again by `load` on first access. After a cold start this is ~70 MiB of heap at 3 years.
 */
export function unloadStories(digest: Digest, outline: DigestOutline, load: StoriesLoader): void {
  if (pending.has(digest)) return;
  const sections = digest.sections as unknown as Record<string, unknown>[];
  const fill = (): void => {
    const stories = load();
    sections.forEach((section, i) => {
      Object.defineProperty(section, "stories", { value: stories[i], writable: true, enumerable: true, configurable: true });
    });
    pending.delete(digest);
  };
  // Redefined, not deleted: `stories` keeps its place among the section's keys (the digest serialises the same).
  for (const section of sections) {
    Object.defineProperty(section, "stories", LAZY_STORIES);
    fills.set(section, fill);
  }
  pending.set(digest, { outline, fill });
  knowDigestHash(digest, outline.hash);
}

/** How each outlined section loads its digest's stories. */
const fills = new WeakMap<object, () => void>();
/** One accessor for every outlined section (a closure per section costs a warm start ~30k functions). */
const LAZY_STORIES: PropertyDescriptor = {
  get(this: Record<string, unknown>): Story[] {
    (fills.get(this) as () => void)();
    return this.stories as Story[];
  },
  enumerable: true,
  configurable: true,
};

/** True while `digest` is an outline whose stories have not been loaded. */
export function isOutlined(digest: Digest): boolean {
  return pending.has(digest);
}

/** Loads the stories of an outlined digest now (no-op for any other digest); throws when they cannot be loaded. */
export function loadOutlined(digest: Digest): void {
  pending.get(digest)?.fill();
}

/** Story ids by section, without loading an outlined digest's stories. */
export function storyIdsOf(digest: Digest): string[][] {
  const outlined = pending.get(digest);
  if (outlined) return outlined.outline.digest.sections.map((s) => s.ids);
  return digest.sections.map((s) => s.stories.map((story) => story.id));
}

/** How many stories `digest` has, without loading an outlined digest's stories. */
export function countStories(digest: Digest): number {
  return storyIdsOf(digest).reduce((n, ids) => n + ids.length, 0);
}

/**
 * The stories of `parsed` (a parse of the outlined content, with position ids) under the outline's stable ids, or
 * `undefined` when it is not that content (another date, other sections or story counts: a damaged cache entry).
 */
export function storiesUnderOutline(parsed: Digest, outline: DigestOutline): Story[][] | undefined {
  const want = outline.digest;
  if (parsed.date !== want.date || parsed.title !== want.title || parsed.sections.length !== want.sections.length) return undefined;
  const out: Story[][] = [];
  for (let i = 0; i < want.sections.length; i++) {
    const section = parsed.sections[i] as Section;
    const ids = (want.sections[i] as { title: string; ids: string[] }).ids;
    if (section.title !== want.sections[i]!.title || !Array.isArray(section.stories) || section.stories.length !== ids.length) return undefined;
    out.push(section.stories.map((story, j) => ({ ...story, id: ids[j] as string })));
  }
  return out;
}
