// What one archive change did, in numbers and as the one readable log line the publisher sees.
import { countStories, storyIdsOf } from "./digest-outline.js";
import type { Digest, Story } from "./model.js";

/** A change in words: loaded (new date), revised (same date, new content) or removed. */
export interface ChangeSummary {
  kind: "loaded" | "revised" | "removed";
  date: string;
  /** Sections and stories of the digest now (0 when removed). */
  sections: number;
  stories: number;
  /** Stories (by stable id) whose title, body, links or section changed; added; gone. 0 for "loaded"/"removed". */
  changed: number;
  added: number;
  removed: number;
  /** `loaded 2026-02-19: 7 sections, 29 stories`, `2026-02-19 revised: 2 stories changed, 1 added`, `removed 2026-02-19`. */
  text: string;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

function storiesById(digest: Digest): Map<string, string> {
  const out = new Map<string, string>();
  for (const section of digest.sections) {
    for (const story of section.stories) out.set(story.id, fingerprint(section.title, story));
  }
  return out;
}

const fingerprint = (section: string, story: Story): string => JSON.stringify([section, story.title, story.body, story.links]);

/**
 * Summarises the step from `previous` to `next` of one date (either may be missing).
 *
 * @example
 * summarizeChange(undefined, digest).text;  // "loaded 2026-02-19: 7 sections, 29 stories"
 * summarizeChange(digest, undefined).text;  // "removed 2026-02-19"
 */
export function summarizeChange(previous: Digest | undefined, next: Digest | undefined): ChangeSummary {
  const date = (next ?? previous)?.date ?? "";
  if (!next) return { kind: "removed", date, sections: 0, stories: 0, changed: 0, added: 0, removed: 0, text: `removed ${date}` };
  const sections = next.sections.length;
  // Counted without loading an outlined digest's stories: a warm start summarises every digest.
  const stories = countStories(next);
  const counts = `${plural(sections, "section", "sections")}, ${plural(stories, "story", "stories")}`;
  if (!previous) return { kind: "loaded", date, sections, stories, changed: 0, added: 0, removed: 0, text: `loaded ${date}: ${counts}` };
  let before: Map<string, string>;
  try {
    before = storiesById(previous);
  } catch {
    // An outlined old version whose stories could not be loaded (its cache entry damaged, its file already
    // changed): what was added and removed is still known from its ids; changes in place are not.
    before = new Map(storyIdsOf(previous).flat().map((id) => [id, ""]));
  }
  const after = storiesById(next);
  let changed = 0;
  let added = 0;
  for (const [id, print] of after) {
    const old = before.get(id);
    if (old === undefined) added++;
    else if (old !== print) changed++;
  }
  const removed = [...before.keys()].filter((id) => !after.has(id)).length;
  const parts = [
    ...(changed ? [`${plural(changed, "story", "stories")} changed`] : []),
    ...(added ? [`${added} added`] : []),
    ...(removed ? [`${removed} removed`] : []),
  ];
  const what = parts.length ? parts.join(", ") : "no story changed (order, title or sections only)";
  return { kind: "revised", date, sections, stories, changed, added, removed, text: `${date} revised: ${what}; now ${counts}` };
}
