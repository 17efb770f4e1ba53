// The digest parser: publisher Markdown → validated `Digest`, with file:line errors and collected warnings.
import type { Heading, Root, RootContent, Yaml } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { frontmatterFromMarkdown } from "mdast-util-frontmatter";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { frontmatter } from "micromark-extension-frontmatter";
import { gfm } from "micromark-extension-gfm";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { dateFromFileName, dateFromPath, dayInTimeZone, findAnyDate, findDateInText, writesDayFirst } from "./digest-date.js";
import { collectDefinitions, foldWhitespace, plainText } from "./digest-links.js";
import { cleanTitle } from "./digest-items.js";
import { readFastMarkdown } from "./fast-markdown.js";
import { checkNesting, checkSourceNesting } from "./nesting-checks.js";
import { isStrayHeading, type LeftOut, readLayout, type SectionDraft } from "./digest-layout.js";
import { buildStory, type Context, lineOf, warnAboutHeadingLinks } from "./digest-story.js";
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
  /** How the file was read, for `digest-bot check --explain`. */
  explain: DigestExplanation;
}

/** Where each section and story was found and what was left out: `check --explain` prints it. */
export interface DigestExplanation {
  /** Where the date came from: `front matter`, `Date: line`, `title heading`, `file name`, `folder name`, … */
  dateSource: string;
  sections: { title: string; line: number; stories: { title: string; line: number; kind: string; links: number }[] }[];
  leftOut: LeftOut[];
}

/** Optional inputs of {@link parseDigest}: the file's modification time, used when the file names no date. */
export interface ParseOptions {
  /** The file's modification time; with no date anywhere in the file, its day in `timeZone` is the date. */
  mtime?: Date;
  /** IANA time zone for `mtime` (the bot passes `POST_TIMEZONE`). Default UTC. */
  timeZone?: string;
}

export { MAX_NESTING } from "./nesting-checks.js";
/** Front matter may use YAML aliases, but not enough of them to blow up (an alias bomb). */
const MAX_YAML_ALIASES = 100;

/**
 * Parses one digest file. Sections and stories are found whatever the layout: headings at one or two levels,
 * list items or `N、` paragraphs with a bold or linked lead, table rows with a linked title (see README "Digest
 * format"). The date comes from front matter, a `Date:` line, the title, the file or folder name, a "Generated on"
 * line or, failing all, `options.mtime`.
 *
 * @param source the file's Markdown text
 * @param file the path shown in errors and warnings (its base name may supply the date)
 * @throws DigestParseError when the text cannot be a digest
 *
 * @example
 * const { digest, warnings } = parseDigest(fs.readFileSync(path, "utf8"), path);
 * digest.sections[0]?.stories[0]?.id; // "20260218-1-1"
 */
export function parseDigest(source: string, file: string, options: ParseOptions = {}): ParsedDigest {
  return parseWith(source, file, options, parseMarkdown);
}

/** Thrown inside {@link parseDigestIfPlain} when the text leaves the fast reader's subset, or needs a worker's stack. */
class NotPlain extends Error {}

/**
 * {@link parseDigest} for a text the fast Markdown reader reads whole (the plain subset digests are written in), or
 * `undefined` for any other text, without running the full parser: the full parser's worst cases (autolinks,
 * deep nesting) cost seconds and belong in a worker; the fast reader is one pass over the text.
 *
 * @example
 * const parsed = parseDigestIfPlain(text, file) ?? (await worker.parse(text, file));
 */
export function parseDigestIfPlain(source: string, file: string, options: ParseOptions = {}): ParsedDigest | undefined {
  try {
    return parseWith(source, file, options, (text) => {
      const tree = readFastMarkdown(text);
      if (!tree) throw new NotPlain();
      return tree;
    }, true);
  } catch (err) {
    if (err instanceof NotPlain) return undefined;
    throw err;
  }
}

function parseWith(source: string, file: string, options: ParseOptions, readTree: (text: string) => Root, plainOnly = false): ParsedDigest {
  // Line endings are normalised so body slices never carry "\r"; line numbers stay the same. Lone surrogates and
  // NUL become U+FFFD (same length, so offsets hold) and can never reach a payload.
  let text = scrubText(source.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n"));
  const fail = (line: number, reason: string): never => {
    throw new DigestParseError(file, line, reason);
  };
  checkSourceNesting(text, fail);
  const fenceWarnings: DigestWarning[] = [];
  let tree = readTree(text);
  // A code fence that is never closed swallows the rest of the file, headings and all (a truncated scrape). The
  // fence is blanked out (same length, so lines and offsets hold) and the file read again, with a warning.
  for (let round = 0; round < 50; round++) {
    const last = tree.children[tree.children.length - 1];
    if (last?.type !== "code" || !/^#{1,6} \S/m.test(last.value)) break;
    const start = last.position?.start.offset ?? 0;
    const fence = /^[ \t]*(`{3,}|~{3,})[^\n]*/.exec(text.slice(start));
    if (!fence || text.slice(start).trimEnd().endsWith(fence[1] as string)) break;
    text = text.slice(0, start) + " ".repeat(fence[0].length) + text.slice(start + fence[0].length);
    fenceWarnings.push({ file, line: lineOf(last), message: "code block is never closed and would swallow the rest of the file; read as text instead" });
    tree = readTree(text);
  }
  checkNesting(tree, fail);
  const ctx: Context = { file, source: text, defs: collectDefinitions(tree), warnings: fenceWarnings };

  const yamlNode = tree.children.find((n): n is Yaml => n.type === "yaml");
  const meta = yamlNode ? readFrontMatter(yamlNode, fail, plainOnly) : {};
  const blocks = tree.children.filter((n) => n.type !== "yaml");
  if (blocks.length > 0 && blocks.filter((b) => b.type === "html").length * 2 > blocks.length && !blocks.some((b) => b.type === "heading")) {
    fail(lineOf(blocks[0] as RootContent), "the file is raw HTML, not Markdown: digest-bot reads Markdown headings, lists, paragraphs and links");
  }
  const { titleHeading, repeats } = findTitleHeading(blocks);
  const title = meta.title ?? (titleHeading ? cleanTitle(plainText(titleHeading)) || undefined : undefined);
  const resolved = resolveDate(meta, titleHeading, blocks, text, file, fail, ctx, options);
  if (titleHeading) warnAboutHeadingLinks(titleHeading, ctx);

  const layout = readLayout(
    blocks.filter((b) => b !== titleHeading && !repeats.includes(b)),
    ctx.defs,
    text,
    { ...(titleHeading ? { titleDepth: titleHeading.depth } : {}), ...(meta.storyLevel !== undefined ? { storyLevel: meta.storyLevel } : {}), ...(meta.sections === false ? { sections: false } : {}), ...(title ? { title } : {}) },
    fail,
  );
  if (layout.sections.length === 0) {
    fail(1, 'no sections found: expected section headings (e.g. "## Section") with story headings one level below ("### Story")');
  }
  for (const stray of layout.strays) ctx.warnings.push({ file, line: stray.line, message: stray.why });
  stripFooter(layout.sections, layout.leftOut);
  for (const left of layout.leftOut) ctx.warnings.push({ file, line: left.line, message: `${left.what} left out: ${left.why}` });
  for (const section of layout.sections) if (section.heading) warnAboutHeadingLinks(section.heading, ctx);

  // The same title twice is almost always a paste that went wrong; both stories load, the publisher is told.
  const titleLines = new Map<string, number>();
  for (const story of layout.sections.flatMap((d) => d.stories)) {
    const first = titleLines.get(story.title);
    if (first === undefined) titleLines.set(story.title, story.line);
    else ctx.warnings.push({ file, line: story.line, message: `story title "${story.title}" repeats the story at line ${first}` });
  }

  const date = resolved.date;
  const sections: Section[] = layout.sections.map((draft, sectionIndex) => ({
    title: draft.title,
    stories: draft.stories.map((s, storyIndex) => buildStory(s, makeStoryId(date, sectionIndex, storyIndex), ctx)),
  }));

  const result = DigestSchema.safeParse({ date, ...(title ? { title } : {}), sections });
  if (!result.success) {
    // Unreachable for anything the steps above accept; kept so an invalid Digest can never leave this module.
    const issue = result.error.issues[0];
    fail(1, `invalid digest: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "unknown problem"}`);
  }
  const digest = result.data as Digest;
  const explain: DigestExplanation = {
    dateSource: resolved.source,
    sections: layout.sections.map((draft, i) => ({
      title: draft.title,
      line: draft.line,
      stories: draft.stories.map((s, j) => ({ title: s.title, line: s.line, kind: s.kind, links: digest.sections[i]?.stories[j]?.links.length ?? 0 })),
    })),
    leftOut: layout.leftOut,
  };
  return { digest, warnings: ctx.warnings, dateLine: resolved.line, explain };
}

/** The plain subset digests are written in is read by the fast reader (same tree); anything else by micromark. */
function parseMarkdown(text: string): Root {
  return readFastMarkdown(text) ?? parseFullMarkdown(text);
}

/** The full CommonMark + GFM + front matter parse (exported so tests can compare the fast reader with it). */
export function parseFullMarkdown(text: string): Root {
  return fromMarkdown(text, {
    extensions: [gfm(), frontmatter(["yaml"])],
    mdastExtensions: [gfmFromMarkdown(), frontmatterFromMarkdown(["yaml"])],
  });
}

/** Replaces lone surrogates and NUL (which front-matter escapes or a broken file can carry) with U+FFFD. */
export function scrubText(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g, "\uFFFD");
}

/**
 * The digest's title heading: a leading H1 (a second H1 repeating it is dropped too), or a lone leading heading
 * with a date in it above deeper headings (`## AI Submissions for Wed Mar 20 2024`).
 */
function findTitleHeading(blocks: readonly RootContent[]): { titleHeading?: Heading; repeats: RootContent[] } {
  const headings = blocks.filter((n): n is Heading => n.type === "heading" && !isStrayHeading(n));
  const first = headings[0];
  if (!first) return { repeats: [] };
  const sameDepth = headings.filter((h) => h.depth === first.depth);
  const firstText = cleanTitle(plainText(first));
  if (first.depth === 1) {
    if (sameDepth.length === 1) return { titleHeading: first, repeats: [] };
    // `# Report 2026-02-26` then `# Report`: the second is the same title without its date.
    const second = sameDepth[1] as Heading;
    const secondText = cleanTitle(plainText(second));
    if (sameDepth.length === 2 && secondText && firstText.startsWith(secondText)) return { titleHeading: first, repeats: [second] };
    return { repeats: [] };
  }
  if (sameDepth.length === 1 && headings.length > 1 && findAnyDate(plainText(first)).kind === "valid") return { titleHeading: first, repeats: [] };
  return { repeats: [] };
}

/** Drops a page footer (`[← all issues](…)` after the last `---`) from the last story. */
function stripFooter(sections: SectionDraft[], leftOut: LeftOut[]): void {
  const story = sections[sections.length - 1]?.stories.at(-1);
  if (!story) return;
  const cut = story.nodes.map((n) => n.type).lastIndexOf("thematicBreak");
  if (cut < 0) return;
  const tail = story.nodes.slice(cut + 1);
  const length = tail.reduce((n, b) => n + plainText(b).length, 0);
  if (tail.length === 0 || tail.length > 2 || length > 200) return;
  story.nodes = story.nodes.slice(0, cut);
  leftOut.push({ line: lineOf(tail[0] as RootContent), what: "page footer", why: "it follows the last story after a rule" });
}

interface FrontMatter {
  date?: { value: unknown; line: number };
  title?: string;
  storyLevel?: number;
  sections?: boolean;
}

/**
 * Longest front matter read on the bot's thread, in characters. YAML is read at ~3 µs a character (the rest of a
 * plain digest at a tenth of that): 50 KB of it held the thread 0.1-0.2 s. Digests carry a few lines.
 */
const INLINE_FRONT_MATTER_MAX_CHARS = 4096;

/**
 * `plainOnly` (the bot's thread): a long front matter, or a stack overflow, is left to a worker (its stack is
 * bigger than the bot's; the result must not depend on the thread).
 */
function readFrontMatter(node: Yaml, fail: (line: number, reason: string) => never, plainOnly: boolean): FrontMatter {
  const firstLine = lineOf(node) + 1; // the line after the opening `---`
  if (plainOnly && node.value.length > INLINE_FRONT_MATTER_MAX_CHARS) throw new NotPlain();
  let data: unknown;
  try {
    data = parseYaml(node.value, { maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    // yaml reports a stack overflow in nested collections as RESOURCE_EXHAUSTION (a bare RangeError elsewhere).
    if (plainOnly && (err instanceof RangeError || (err instanceof YAMLParseError && err.code === "RESOURCE_EXHAUSTION"))) throw new NotPlain();
    // yaml's own "at line N" counts from the front matter, not the file; the file line replaces it.
    const at = err instanceof YAMLParseError ? (err.linePos?.[0]?.line ?? 1) : aliasLine(node.value);
    const raw = err instanceof Error ? err.message : String(err);
    const what = (raw.split("\n")[0] ?? "").replace(/\s*at line \d+, column \d+:?\s*$/, "");
    fail(firstLine + at - 1, `front matter is not valid YAML: ${what}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) fail(firstLine, "front matter must be `key: value` lines");
  const record = data as Record<string, unknown>;
  const lineOfKey = (key: string): number => firstLine + Math.max(node.value.split("\n").findIndex((l) => new RegExp(`^${key}\\s*:`).test(l)), 0);
  const out: FrontMatter = {};
  if (typeof record.title === "string" && record.title.trim()) out.title = foldWhitespace(scrubText(record.title).replace(/\uFFFD/g, ""));
  if (record.date !== undefined && record.date !== null) out.date = { value: record.date, line: lineOfKey("date") };
  if (record.story_level !== undefined) {
    const level = record.story_level;
    if (typeof level !== "number" || !Number.isInteger(level) || level < 1 || level > 6) {
      fail(lineOfKey("story_level"), `front matter story_level must be a heading level 1-6 (got ${JSON.stringify(level)})`);
    }
    out.storyLevel = level as number;
  }
  if (record.sections !== undefined) {
    if (typeof record.sections !== "boolean") fail(lineOfKey("sections"), "front matter sections must be true or false");
    out.sections = record.sections as boolean;
  }
  return out;
}

/** The line (within the front matter) of the first alias, for alias errors that carry no position. */
function aliasLine(yaml: string): number {
  const index = yaml.split("\n").findIndex((l) => /(^|[\s[{,:-])\*[^\s,\]}]+/.test(l));
  return index >= 0 ? index + 1 : 1;
}

interface ResolvedDate {
  date: string;
  line: number;
  source: string;
}

/** `Date: 2026-08-19` metadata lines (Pelican) and "Generated on …" / "生成时间" / "As of" lines. */
const DATE_LINE = /^\s*date\s*[:：]\s*(.+)$/im;
// The runs of spaces and markers are taken whole (a lookahead and its back-reference: no backtracking into them):
// with several optional `\s*` in a row, blank lines after "Generated on" made the search try every split of them
// (a few hundred lines held the bot's thread for seconds; the value is the text right after them).
const GENERATED_LINE = /(?:generated(?=(\s+(?:on|at)?))\1|生成时间|生成于|as of|更新时间)(?=(\**\s*[:：]?\s*\**\s*))\2([^\n]{6,60})/i;

function resolveDate(
  meta: FrontMatter,
  titleHeading: Heading | undefined,
  blocks: readonly RootContent[],
  text: string,
  file: string,
  fail: (line: number, reason: string) => never,
  ctx: Context,
  options: ParseOptions,
): ResolvedDate {
  const fromName = dateFromFileName(file);
  const differs = (date: string, line: number): void => {
    if (fromName.kind === "valid" && fromName.date !== date) {
      ctx.warnings.push({ file, line, message: `date ${date} differs from the file name's ${fromName.date}` });
    }
  };
  if (meta.date) {
    const raw = meta.date.value instanceof Date ? meta.date.value.toISOString().slice(0, 10) : String(meta.date.value);
    const found = findDateInText(raw);
    if (found.kind !== "valid") {
      fail(meta.date.line, `front matter date "${scrubText(raw)}" is not a calendar date (expected YYYY-MM-DD)`);
    }
    const date = (found as { date: string }).date;
    differs(date, meta.date.line);
    return { date, line: meta.date.line, source: "front matter date:" };
  }
  // A `Date:` line among the metadata lines before the first heading.
  const firstHeading = blocks.find((b) => b.type === "heading");
  const topEnd = firstHeading?.position?.start.offset ?? text.length;
  const top = text.slice(0, Math.min(topEnd, 2000));
  const dateLine = DATE_LINE.exec(top);
  if (dateLine) {
    const found = findAnyDate(dateLine[1] ?? "");
    if (found.kind === "valid") {
      const line = text.slice(0, dateLine.index).split("\n").length + (dateLine[0].startsWith("\n") ? 1 : 0);
      differs(found.date, line);
      return { date: found.date, line, source: "Date: line" };
    }
  }
  if (titleHeading) {
    const found = titleHeading.depth === 1 ? findDateInText(plainText(titleHeading)) : findAnyDate(plainText(titleHeading));
    if (found.kind === "valid") {
      differs(found.date, lineOf(titleHeading));
      return { date: found.date, line: lineOf(titleHeading), source: `title heading (H${titleHeading.depth})` };
    }
    if (found.kind === "invalid") fail(lineOf(titleHeading), `title date "${found.text}" is not a calendar date`);
  }
  if (fromName.kind === "valid") return { date: fromName.date, line: 1, source: "file name" };
  if (fromName.kind === "invalid") fail(1, `file name "${fromName.text}" is not a calendar date`);
  const fromPath = dateFromPath(file);
  if (fromPath) return { date: fromPath.date, line: 1, source: fromPath.where };
  const dayFirst = writesDayFirst(text);
  const generated = GENERATED_LINE.exec(text);
  if (generated) {
    const found = findAnyDate(generated[3] ?? "", dayFirst);
    if (found.kind === "valid") {
      return { date: found.date, line: text.slice(0, generated.index).split("\n").length, source: `"${foldWhitespace(generated[0]).slice(0, 40)}" line` };
    }
  }
  // A heading near the top with a date (a second H1, an H2 under the title).
  for (const h of blocks.filter((b): b is Heading => b.type === "heading").slice(0, 3)) {
    const found = findAnyDate(plainText(h), dayFirst);
    if (found.kind === "valid") return { date: found.date, line: lineOf(h), source: `H${h.depth} heading` };
  }
  if (options.mtime) {
    const zone = options.timeZone ?? "UTC";
    const date = dayInTimeZone(options.mtime, zone);
    ctx.warnings.push({ file, line: 1, message: `no date in the file or its name: using its modification date ${date} (${zone}); add front matter "date: YYYY-MM-DD" to fix it` });
    return { date, line: 1, source: `file modification time (${zone})` };
  }
  return fail(
    1,
    'no date found: add front matter "date: YYYY-MM-DD", put the date in the H1 title, or name the file YYYY-MM-DD.md',
  );
}
