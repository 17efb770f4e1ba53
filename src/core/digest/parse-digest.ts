// The digest parser: publisher Markdown → validated `Digest`, with file:line errors and collected warnings.
import type { Heading, Yaml } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { frontmatterFromMarkdown } from "mdast-util-frontmatter";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { frontmatter } from "micromark-extension-frontmatter";
import { gfm } from "micromark-extension-gfm";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { dateFromFileName, findDateInText } from "./digest-date.js";
import { collectDefinitions, foldWhitespace, plainText } from "./digest-links.js";
import { buildStory, type Context, isIgnorable, lineOf, type StoryDraft, warnAboutHeadingLinks } from "./digest-story.js";
import { type Digest, DigestSchema, makeStoryId, type Section } from "./model.js";

/** A problem that does not stop the digest from loading (a dropped link, an empty body). */
export interface DigestWarning {
  file: string;
  /** 1-based line in the file. */
  line: number;
  message: string;
}

/**
 * The file cannot be a digest. The message is `file:line: what is wrong`, ready for a terminal or a log.
 *
 * @example
 * try { parseDigest(text, "data/digests/2026-02-18.md"); }
 * catch (err) { if (err instanceof DigestParseError) console.error(err.message); } // "…md:12: story heading has no title"
 */
export class DigestParseError extends Error {
  override readonly name = "DigestParseError";
  constructor(
    readonly file: string,
    readonly line: number,
    /** What is wrong, without the `file:line:` prefix. */
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

export interface ParsedDigest {
  digest: Digest;
  warnings: DigestWarning[];
  /** The line the date was read from (front matter, H1), or 1 when it came from the file name. */
  dateLine: number;
}

interface SectionDraft {
  heading: Heading;
  title: string;
  stories: StoryDraft[];
}


/**
 * Parses one digest file. Sections and stories are headings at two consecutive levels (`####`/`#####` in the
 * seed, `##`/`###` elsewhere); a single leading H1 is the title. The date comes from front matter `date:`,
 * else a date in the H1, else the file name `YYYY-MM-DD.md`.
 *
 * @param source the file's Markdown text
 * @param file the path shown in errors and warnings (its base name may supply the date)
 * @throws DigestParseError when the text cannot be a digest
 *
 * @example
 * const { digest, warnings } = parseDigest(fs.readFileSync(path, "utf8"), path);
 * digest.sections[0]?.stories[0]?.id; // "20260218-1-1"
 */
export function parseDigest(source: string, file: string): ParsedDigest {
  // Line endings are normalised so body slices never carry "\r"; line numbers stay the same.
  const text = source.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const tree = fromMarkdown(text, {
    extensions: [gfm(), frontmatter(["yaml"])],
    mdastExtensions: [gfmFromMarkdown(), frontmatterFromMarkdown(["yaml"])],
  });
  const ctx: Context = { file, source: text, defs: collectDefinitions(tree), warnings: [] };
  const fail = (line: number, reason: string): never => {
    throw new DigestParseError(file, line, reason);
  };

  const yamlNode = tree.children.find((n): n is Yaml => n.type === "yaml");
  const meta = yamlNode ? readFrontMatter(yamlNode, fail) : {};
  const headings = tree.children.filter((n): n is Heading => n.type === "heading");
  const h1s = headings.filter((h) => h.depth === 1);
  // One H1 ahead of every other heading is the digest's title; several H1s are sections.
  const titleHeading = h1s.length === 1 && headings[0] === h1s[0] ? h1s[0] : undefined;
  const title = meta.title ?? (titleHeading ? plainText(titleHeading) || undefined : undefined);
  const { date, line: dateLine } = resolveDate(meta, titleHeading, file, fail, ctx);
  if (titleHeading) warnAboutHeadingLinks(titleHeading, ctx);

  const structural = headings.filter((h) => h !== titleHeading);
  if (structural.length === 0) {
    fail(1, 'no sections found: expected section headings (e.g. "## Section") with story headings one level below ("### Story")');
  }
  const sectionDepth = Math.min(...structural.map((h) => h.depth));
  const storyDepth = sectionDepth + 1;

  const drafts: SectionDraft[] = [];
  for (const node of tree.children) {
    if (node === titleHeading || node.type === "yaml") continue;
    const section = drafts[drafts.length - 1];
    const story = section?.stories[section.stories.length - 1];
    if (node.type === "heading" && node.depth === sectionDepth) {
      const sectionTitle = plainText(node);
      if (!sectionTitle) fail(lineOf(node), "section heading has no title");
      warnAboutHeadingLinks(node, ctx);
      drafts.push({ heading: node, title: sectionTitle, stories: [] });
    } else if (node.type === "heading" && node.depth === storyDepth) {
      const storyTitle = plainText(node);
      if (!storyTitle) fail(lineOf(node), "story heading has no title");
      if (!section) fail(lineOf(node), `story "${storyTitle}" comes before the first section heading`);
      section?.stories.push({ heading: node, title: storyTitle, nodes: [] });
    } else if (story) {
      story.nodes.push(node);
    } else if (section && !isIgnorable(node)) {
      ctx.warnings.push({
        file,
        line: lineOf(node),
        message: `text before the first story of section "${section.title}" is ignored`,
      });
    }
  }

  // The same title twice is almost always a paste that went wrong; both stories load, the publisher is told.
  const titleLines = new Map<string, number>();
  for (const story of drafts.flatMap((d) => d.stories)) {
    const first = titleLines.get(story.title);
    if (first === undefined) titleLines.set(story.title, lineOf(story.heading));
    else ctx.warnings.push({ file, line: lineOf(story.heading), message: `story title "${story.title}" repeats the story at line ${first}` });
  }

  const sections: Section[] = drafts.map((draft, sectionIndex) => {
    if (draft.stories.length === 0) {
      fail(
        lineOf(draft.heading),
        `section "${draft.title}" has no stories: add story headings one level below it ("${"#".repeat(storyDepth)} Story")`,
      );
    }
    return {
      title: draft.title,
      stories: draft.stories.map((s, storyIndex) => buildStory(s, makeStoryId(date, sectionIndex, storyIndex), ctx)),
    };
  });

  const result = DigestSchema.safeParse({ date, ...(title ? { title } : {}), sections });
  if (!result.success) {
    // Unreachable for anything the steps above accept; kept so an invalid Digest can never leave this module.
    const issue = result.error.issues[0];
    fail(1, `invalid digest: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "unknown problem"}`);
  }
  return { digest: result.data as Digest, warnings: ctx.warnings, dateLine };
}

interface FrontMatter {
  date?: { value: unknown; line: number };
  title?: string;
}

function readFrontMatter(node: Yaml, fail: (line: number, reason: string) => never): FrontMatter {
  const firstLine = lineOf(node) + 1; // the line after the opening `---`
  let data: unknown;
  try {
    data = parseYaml(node.value);
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const at = err.linePos?.[0]?.line ?? 1;
      // yaml's own "at line N" counts from the front matter, not the file; the file line replaces it.
      const what = (err.message.split("\n")[0] ?? "").replace(/\s*at line \d+, column \d+:?\s*$/, "");
      fail(firstLine + at - 1, `front matter is not valid YAML: ${what}`);
    }
    throw err;
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) fail(firstLine, "front matter must be `key: value` lines");
  const record = data as Record<string, unknown>;
  const out: FrontMatter = {};
  if (typeof record.title === "string" && record.title.trim()) out.title = foldWhitespace(record.title);
  if (record.date !== undefined && record.date !== null) {
    const index = node.value.split("\n").findIndex((l) => /^date\s*:/.test(l));
    out.date = { value: record.date, line: firstLine + Math.max(index, 0) };
  }
  return out;
}

function resolveDate(
  meta: FrontMatter,
  titleHeading: Heading | undefined,
  file: string,
  fail: (line: number, reason: string) => never,
  ctx: Context,
): { date: string; line: number } {
  const fromName = dateFromFileName(file);
  if (meta.date) {
    const raw = meta.date.value instanceof Date ? meta.date.value.toISOString().slice(0, 10) : String(meta.date.value);
    const found = findDateInText(raw);
    if (found.kind !== "valid") {
      fail(meta.date.line, `front matter date "${raw}" is not a calendar date (expected YYYY-MM-DD)`);
    }
    const date = (found as { date: string }).date;
    if (fromName.kind === "valid" && fromName.date !== date) {
      ctx.warnings.push({ file, line: meta.date.line, message: `date ${date} differs from the file name's ${fromName.date}` });
    }
    return { date, line: meta.date.line };
  }
  if (titleHeading) {
    const found = findDateInText(plainText(titleHeading));
    if (found.kind === "valid") {
      if (fromName.kind === "valid" && fromName.date !== found.date) {
        ctx.warnings.push({ file, line: lineOf(titleHeading), message: `date ${found.date} differs from the file name's ${fromName.date}` });
      }
      return { date: found.date, line: lineOf(titleHeading) };
    }
    if (found.kind === "invalid") fail(lineOf(titleHeading), `title date "${found.text}" is not a calendar date`);
  }
  if (fromName.kind === "valid") return { date: fromName.date, line: 1 };
  if (fromName.kind === "invalid") fail(1, `file name "${fromName.text}" is not a calendar date`);
  return fail(
    1,
    'no date found: add front matter "date: YYYY-MM-DD", put the date in the H1 title, or name the file YYYY-MM-DD.md',
  );
}
