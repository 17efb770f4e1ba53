// The digest data model: zod schemas are the single source of truth, TypeScript types are inferred from them.
import { z } from "zod";

/** A calendar day as `YYYY-MM-DD`, the key of a digest. */
export const IsoDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date as YYYY-MM-DD");

/** Story ids go into Telegram start payloads (≤ 64 chars of `A-Za-z0-9_-`). */
export const StoryIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "story ids are 1-64 chars of A-Za-z0-9_-");

/** A link of a story; only http(s) URLs ever get this far. */
export const LinkSchema = z.object({
  label: z.string(),
  url: z.string().regex(/^https?:\/\//i, "only http(s) links are kept"),
});

export const StorySchema = z.object({
  /**
   * Stable id: `YYYYMMDD-<slug>-<hash>` (e.g. `20260218-glm-5-dsa-rl-agent-k3f9a`), kept across revisions by the
   * archive (see `story-ids.ts`). Straight from the parser it is the position id `YYYYMMDD-<section>-<story>`.
   */
  id: StoryIdSchema,
  /** Title without Markdown markers (no `**`). */
  title: z.string().min(1),
  /** Body as Markdown source (paragraphs joined by a blank line), without the links line. */
  body: z.string(),
  /** Body as plain text: no Markdown syntax, whitespace folded, paragraphs joined by "\n\n". */
  text: z.string(),
  links: z.array(LinkSchema),
});

export const SectionSchema = z.object({
  title: z.string().min(1),
  stories: z.array(StorySchema).min(1),
});

export const DigestSchema = z.object({
  date: IsoDateSchema,
  title: z.string().optional(),
  sections: z.array(SectionSchema).min(1),
});

export type Link = z.infer<typeof LinkSchema>;
export type Story = z.infer<typeof StorySchema>;
export type Section = z.infer<typeof SectionSchema>;
export type Digest = z.infer<typeof DigestSchema>;

/** A story together with where it sits, as returned by look-ups by id. */
export interface StoryRef {
  digest: Digest;
  section: Section;
  /** 0-based position of the section in the digest. */
  sectionIndex: number;
  story: Story;
}

/**
 * A position id (`20260218-1-3`: date, 1-based section, 1-based story), the id scheme before stable ids. The parser
 * still numbers stories this way; the archive replaces them with stable ids (`story-ids.ts`) and maps position ids
 * already delivered in posts to the story that held the position when first seen. Up to 5 digits per position.
 */
export const STORY_POSITION_ID = /^(\d{4})(\d{2})(\d{2})-(\d{1,5})-(\d{1,5})$/;

/** Builds a position id from the digest date and 0-based positions (the parser's ids, before stable ids). */
export function makeStoryId(date: string, sectionIndex: number, storyIndex: number): string {
  return `${date.replaceAll("-", "")}-${sectionIndex + 1}-${storyIndex + 1}`;
}

/** Reads a position id back into its parts; `undefined` when it is not a position id (a stable id, or not ours). */
export function parseStoryId(id: string): { date: string; sectionIndex: number; storyIndex: number } | undefined {
  const m = STORY_POSITION_ID.exec(id.trim());
  if (!m) return undefined;
  return { date: `${m[1]}-${m[2]}-${m[3]}`, sectionIndex: Number(m[4]) - 1, storyIndex: Number(m[5]) - 1 };
}

/** The key of a 0-based position in a date's position map: `"<section>-<story>"`, 1-based like position ids. */
export function positionKey(sectionIndex: number, storyIndex: number): string {
  return `${sectionIndex + 1}-${storyIndex + 1}`;
}

/**
 * The digest date of any story id of ours (stable `20260218-glm-5-k3f9a` or position `20260218-1-3`), or
 * `undefined` when the text cannot be a story id (ids are also Telegram start payloads: 1-64 of `A-Za-z0-9_-`).
 *
 * @example
 * storyIdDate("20260218-glm-5-k3f9a"); // "2026-02-18"
 */
export function storyIdDate(id: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-[A-Za-z0-9_-]+$/.exec(id.trim());
  if (!m || id.trim().length > 64) return undefined;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 ? date : undefined;
}
