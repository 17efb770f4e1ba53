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
  /** Stable id: `YYYYMMDD-<section>-<story>` with 1-based positions, e.g. `20260218-1-3`. */
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

/** Builds the stable story id from the digest date and 0-based positions. */
export function makeStoryId(date: string, sectionIndex: number, storyIndex: number): string {
  return `${date.replaceAll("-", "")}-${sectionIndex + 1}-${storyIndex + 1}`;
}

/** Reads a story id back into its parts; `undefined` when it is not one of ours. */
export function parseStoryId(id: string): { date: string; sectionIndex: number; storyIndex: number } | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{1,3})-(\d{1,3})$/.exec(id.trim());
  if (!m) return undefined;
  return { date: `${m[1]}-${m[2]}-${m[3]}`, sectionIndex: Number(m[4]) - 1, storyIndex: Number(m[5]) - 1 };
}
