// Stable story ids: a story keeps its id across revisions of its digest (insertions, removals, reordering, typo fixes).
//
// Scheme: `YYYYMMDD-<slug>-<hash>`, e.g. `20260218-glm-5-dsa-rl-agent-k3f9a`. The slug is the title's Latin words and
// numbers (at most 24 characters, readable in a deep link), the hash 5 base-36 characters of the normalised title,
// so the same content always gets the same id (two processes, or a fresh start, agree). A revision carries ids over
// from the previous one by matching stories: the same title first, then near-identical title, body or links (a
// typo fix, a reworded title over the same body). A story that matches nothing gets a fresh id (`-2`, `-3` … when
// another story of the day already has it). Positions a story held when first seen (`1-3`) stay mapped to its id,
// so position ids from posts delivered before this scheme (`20260218-1-3`) keep opening the same story.
import { createHash } from "node:crypto";
import type { Digest, Story } from "./model.js";
import { positionKey, STORY_POSITION_ID } from "./model.js";

/** What is remembered of a story to recognise it in the next revision (kept short: it is persisted). */
export interface StoryTrace {
  title: string;
  /** The first {@link TRACE_TEXT_CHARS} characters of its plain-text body. */
  text: string;
  /** Its link URLs. */
  links: string[];
  /** True once a revision no longer has it: its id then answers "removed from the digest". */
  removed?: boolean;
}

/** The id assignments of one date: every id ever given (current and removed) and the first-seen positions. */
export interface DateIds {
  /** By id, in the order first assigned. */
  stories: Map<string, StoryTrace>;
  /** `"<section>-<story>"` (1-based) → the id of the story that held that position when it was first seen. */
  positions: Map<string, string>;
}

/** How much body text a trace keeps: enough to recognise a story whose title was rewritten. */
export const TRACE_TEXT_CHARS = 160;
/** Longest slug part of an id; the whole id stays well under Telegram's 64-character start payload. */
export const ID_SLUG_MAX = 24;

/** Title or text folded for comparison: NFKC, lower case, every dash as `-`, whitespace folded. */
export function normalizeForMatch(s: string): string {
  return s
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g, "-")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * The id a story gets when it matches nothing in the previous revision: derived from its date and title only.
 *
 * @example
 * freshStoryId("2026-02-18", "GLM‑5 技术报告：国产大模型强调 DSA、异步 RL 与 Agent 训练"); // "20260218-glm-5-dsa-rl-agent-…"
 */
export function freshStoryId(date: string, title: string): string {
  const norm = normalizeForMatch(title);
  let slug = "";
  for (const word of norm.match(/[a-z0-9]+/g) ?? []) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > ID_SLUG_MAX) break;
    slug = next;
  }
  const n = createHash("sha256").update(norm).digest().readUInt32BE(0);
  let hash = (n % 36 ** 5).toString(36).padStart(5, "0");
  const id = `${date.replaceAll("-", "")}-${slug ? `${slug}-` : ""}${hash}`;
  // A digits-only slug and hash could read as a position id (`20260218-5-12345`); a letter keeps them apart.
  if (STORY_POSITION_ID.test(id)) hash = `s${hash}`;
  return `${date.replaceAll("-", "")}-${slug ? `${slug}-` : ""}${hash}`;
}

function bigrams(s: string): Map<string, number> {
  const grams = new Map<string, number>();
  const chars = [...s.replace(/\s+/g, "")];
  for (let i = 0; i + 1 < chars.length; i++) {
    const g = chars[i]! + chars[i + 1]!;
    grams.set(g, (grams.get(g) ?? 0) + 1);
  }
  return grams;
}

/** Dice coefficient over character bigrams: 1 for equal strings, near 1 for a typo fix, 0 for unrelated text. */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const ga = bigrams(a);
  const gb = bigrams(b);
  let total = 0;
  let shared = 0;
  for (const n of ga.values()) total += n;
  for (const [g, n] of gb) {
    total += n;
    shared += Math.min(n, ga.get(g) ?? 0);
  }
  return total === 0 ? 0 : (2 * shared) / total;
}

function linkOverlap(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const sa = new Set(a);
  const shared = b.filter((u) => sa.has(u)).length;
  return shared / (sa.size + new Set(b).size - shared);
}

/** The trace a story leaves for the next revision. */
export function traceOf(story: Story): StoryTrace {
  return { title: story.title, text: story.text.slice(0, TRACE_TEXT_CHARS), links: story.links.map((l) => l.url) };
}

/**
 * How surely `next` is `before` revised, or `undefined` when it is another story. A near-identical title suffices
 * (a typo fix); a reworded title needs the body, or the body and links, to be nearly the same.
 */
export function matchScore(before: StoryTrace, next: StoryTrace): number | undefined {
  const title = similarity(normalizeForMatch(before.title), normalizeForMatch(next.title));
  const text = before.text || next.text ? similarity(normalizeForMatch(before.text), normalizeForMatch(next.text)) : 0;
  const links = linkOverlap(before.links, next.links);
  const same = title >= 0.75 || (text >= 0.8 && (title >= 0.3 || links >= 0.5)) || (links >= 0.99 && text >= 0.5);
  return same ? title + text + links : undefined;
}

/** The outcome of giving one revision its ids. */
export interface AssignedIds {
  /** The digest with stable ids (a new object; the input is not changed). */
  digest: Digest;
  /** The date's assignments after this revision (a new object). */
  ids: DateIds;
}

/**
 * Gives the stories of `digest` (as parsed, with position ids) their stable ids, carrying over the ids of `previous`
 * (the date's assignments so far; `undefined` the first time the date is seen).
 *
 * @example
 * const first = assignStoryIds(parsed, undefined);
 * const next = assignStoryIds(parsedRevision, first.ids); // a story that moved keeps its id
 */
export function assignStoryIds(digest: Digest, previous: DateIds | undefined): AssignedIds {
  return (previous && unchangedRevision(digest, previous)) ?? assignAfresh(digest, previous);
}

/**
 * The common case at every start: the digest is the revision the assignments were last made for (each current
 * story, in order, is the previous one with the same trace, and no position is new). The ids and the assignments
 * are then those of last time, found without any matching, and `previous` itself is returned (nothing to save).
 */
function unchangedRevision(digest: Digest, previous: DateIds): AssignedIds | undefined {
  const current = new Map<string, string>();
  for (const [at, id] of previous.positions) current.set(at, id);
  const used = new Set<string>();
  const titles = new Set<string>();
  const sections = [];
  for (let s = 0; s < digest.sections.length; s++) {
    const section = digest.sections[s] as Digest["sections"][number];
    const stories = [];
    for (let t = 0; t < section.stories.length; t++) {
      const story = section.stories[t] as Story;
      const id = current.get(positionKey(s, t));
      const trace = id === undefined ? undefined : previous.stories.get(id);
      // Two stories of one title are matched by order of assignment; leave that to the full matching.
      if (id === undefined || !trace || trace.removed || used.has(id) || titles.has(story.title) || !sameTrace(trace, story)) return undefined;
      used.add(id);
      titles.add(story.title);
      stories.push({ ...story, id });
    }
    sections.push({ ...section, stories });
  }
  // Every story not removed must still be there (else it is removed now), and only those.
  for (const [id, trace] of previous.stories) if (!trace.removed && !used.has(id)) return undefined;
  return { digest: { ...digest, sections }, ids: previous };
}

function sameTrace(trace: StoryTrace, story: Story): boolean {
  if (trace.title !== story.title || trace.links.length !== story.links.length) return false;
  if (trace.text !== story.text.slice(0, TRACE_TEXT_CHARS)) return false;
  return story.links.every((l, i) => l.url === trace.links[i]);
}

function assignAfresh(digest: Digest, previous: DateIds | undefined): AssignedIds {
  const before = [...(previous?.stories ?? new Map<string, StoryTrace>())].filter(([, t]) => !t.removed);
  const flat = digest.sections.flatMap((section, s) => section.stories.map((story, t) => ({ story, s, t, trace: traceOf(story) })));
  const ids: (string | undefined)[] = flat.map(() => undefined);
  const taken = new Set<string>();

  // 1. The same title (most revisions touch bodies or links, or move stories around).
  const byTitle = new Map<string, string[]>();
  for (const [id, trace] of before) {
    const key = normalizeForMatch(trace.title);
    byTitle.set(key, [...(byTitle.get(key) ?? []), id]);
  }
  flat.forEach((item, i) => {
    const candidates = byTitle.get(normalizeForMatch(item.story.title));
    const id = candidates?.find((c) => !taken.has(c));
    if (id) {
      ids[i] = id;
      taken.add(id);
    }
  });

  // 2. Near-identical stories, best pairs first.
  const pairs: { i: number; id: string; score: number }[] = [];
  flat.forEach((item, i) => {
    if (ids[i]) return;
    for (const [id, trace] of before) {
      if (taken.has(id)) continue;
      const score = matchScore(trace, item.trace);
      if (score !== undefined) pairs.push({ i, id, score });
    }
  });
  pairs.sort((a, b) => b.score - a.score || a.i - b.i);
  for (const { i, id } of pairs) {
    if (ids[i] || taken.has(id)) continue;
    ids[i] = id;
    taken.add(id);
  }

  // 3. New stories: an id from their content; a removed story that comes back gets its old id again.
  flat.forEach((item, i) => {
    if (ids[i]) return;
    const base = freshStoryId(digest.date, item.story.title);
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    ids[i] = id;
    taken.add(id);
  });

  const stories = new Map<string, StoryTrace>();
  for (const [id, trace] of previous?.stories ?? []) stories.set(id, taken.has(id) ? trace : { ...trace, removed: true });
  const positions = new Map(previous?.positions ?? []);
  flat.forEach((item, i) => {
    const id = ids[i] as string;
    stories.set(id, item.trace);
    const at = positionKey(item.s, item.t);
    if (!positions.has(at)) positions.set(at, id);
  });

  let k = 0;
  const sections = digest.sections.map((section) => ({
    ...section,
    stories: section.stories.map((story) => ({ ...story, id: ids[k++] as string })),
  }));
  return { digest: { ...digest, sections }, ids: { stories, positions } };
}
