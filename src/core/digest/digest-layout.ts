// Layout inference: finds sections and stories in a digest's blocks, whatever shape the publisher chose.
import type { Heading, Paragraph, RootContent } from "mdast";
import { type Definitions, linksOfPhrasing, plainText, splitParagraph } from "./digest-links.js";
import { cleanTitle, findItems, type StoryDraft } from "./digest-items.js";

export interface SectionDraft {
  line: number;
  title: string;
  heading?: Heading;
  stories: StoryDraft[];
}

/** A block the reader did not take for a story, and why (shown by `check --explain`, warned about). */
export interface LeftOut {
  line: number;
  what: string;
  why: string;
}

export interface LayoutOptions {
  /** Front matter `story_level`: stories are headings at this depth; deeper headings are body. */
  storyLevel?: number;
  /** Front matter `sections: false`: every story goes into one section named after the digest. */
  sections?: boolean;
  /** The digest's title, the name of a section that has no heading of its own. */
  title?: string;
  /** Depth of the title heading, when the title is a heading: headings below it at one level are stories. */
  titleDepth?: number;
}

export interface Layout {
  sections: SectionDraft[];
  leftOut: LeftOut[];
  /** `text before the first story of section "…"` notes, as the heading dialect always warned. */
  strays: LeftOut[];
}

interface OutlineNode {
  heading?: Heading;
  depth: number;
  blocks: RootContent[];
  children: OutlineNode[];
  parent?: OutlineNode;
}

const lineOf = (node: { position?: { start: { line: number } } | undefined }): number => node.position?.start.line ?? 1;

/** Headings that hold no stories: summaries, tables of contents, podcasts, FAQs, sources, subscriptions. */
const NON_STORY_TITLE =
  /摘要|要点|速览|概览|概要|导航|目录|提示|订阅|封面|播报|播客|语音|相关问题|常见问题|历史上的本周|一句话|关键词|附录|appendix|^(?:executive\s+)?summary$|tl;?\s*dr|overview|table of contents|^contents$|^toc$|podcast|faq|^sources$|coverage notes|subscribe/iu;
/** The title is one of those words, give or take a few (`📌 今日要点`, `AI内容摘要`, `Today's Overview`). */
function isNonStoryTitle(title: string): boolean {
  const m = NON_STORY_TITLE.exec(title);
  if (!m) return false;
  return title.replace(m[0], "").replace(/[\p{P}\p{S}\d\s]/gu, "").length <= 8;
}
const NO_UPDATES = /无更新|没有新文章|暂无|no (?:recent )?updates|nothing new|no new (?:posts|articles)/iu;
/** A heading that is really a line of a scraped text (`# Comments: 5`). */
const STRAY_HEADING = /^[\p{L} ]{1,20}[:：]\s*\d+$/u;

/** True for a heading that is a scraped `Key: 5` line, never a title or a section. */
export const isStrayHeading = (h: Heading): boolean => STRAY_HEADING.test(plainText(h));

const isBlank = (node: RootContent): boolean =>
  node.type === "thematicBreak" || node.type === "definition" || (node.type === "html" && /^\s*<!--[\s\S]*-->\s*$/.test(node.value)) ||
  (node.type === "paragraph" && plainText(node) === "" && !node.children.some((c) => c.type === "image"));

/** A heading made of links and short bits between `|` (`#### [Submission URL](…) | 143 points | by [u](…)`). */
function isLinkLineHeading(h: Heading, defs: Definitions, source: string): boolean {
  const links = linksOfPhrasing(h.children, defs);
  if (links.length === 0) return false;
  const p: Paragraph = { type: "paragraph", children: h.children, ...(h.position ? { position: h.position } : {}) };
  return splitParagraph(p, source, defs).kind === "whole" && (links.length >= 2 || /[|｜]/.test(plainText(h)));
}

function asParagraph(h: Heading): Paragraph {
  return { type: "paragraph", children: h.children, ...(h.position ? { position: h.position } : {}) };
}

function buildOutline(blocks: readonly RootContent[], opts: LayoutOptions, defs: Definitions, source: string): OutlineNode {
  const root: OutlineNode = { depth: 0, blocks: [], children: [] };
  let top = root;
  for (const node of blocks) {
    if (node.type === "heading") {
      const text = plainText(node);
      if (STRAY_HEADING.test(text) || isLinkLineHeading(node, defs, source)) {
        top.blocks.push(asParagraph(node));
        continue;
      }
      if (opts.storyLevel !== undefined && node.depth > opts.storyLevel) {
        top.blocks.push(node);
        continue;
      }
      while (top !== root && top.depth >= node.depth) top = top.parent as OutlineNode;
      const child: OutlineNode = { heading: node, depth: node.depth, blocks: [], children: [], parent: top };
      top.children.push(child);
      top = child;
      continue;
    }
    top.blocks.push(node);
  }
  return root;
}

/** Why a heading's content is no story: no updates, only a picture, only a code block, only embedded HTML. */
function shapeWhy(blocks: readonly RootContent[]): string | undefined {
  const meaningful = blocks.filter((b) => !isBlank(b));
  if (meaningful.length === 0) return undefined;
  const text = meaningful.map((b) => plainText(b as never)).join(" ");
  if (text.length < 160 && NO_UPDATES.test(text)) return "says there are no updates";
  if (meaningful.every((b) => b.type === "paragraph" && b.children.every((c) => c.type === "image" || (c.type === "text" && !c.value.trim())))) {
    return "holds only an image (a cover picture)";
  }
  if (meaningful.every((b) => b.type === "code")) return "holds only a code block (a summary)";
  if (meaningful.every((b) => b.type === "html")) return "holds only embedded HTML (audio, video)";
  if (meaningful.every((b) => b.type === "table" && b.children.length <= 1)) return "holds only an empty table";
  return undefined;
}

/** Text long enough to be a story's own body, not a one-line intro to a list. */
function isProse(blocks: readonly RootContent[]): boolean {
  const paragraphs = blocks.filter((b) => b.type === "paragraph" && plainText(b).length > 0);
  return paragraphs.some((p) => plainText(p).length >= 60) || paragraphs.length > 1;
}

const hasLinks = (blocks: readonly RootContent[], defs: Definitions): boolean =>
  blocks.some(function walk(b: unknown): boolean {
    const n = b as { type: string; url?: string; children?: unknown[] };
    if (n.type === "link" && /^https?:/i.test(n.url ?? "")) return true;
    if (n.type === "linkReference") return defs.size > 0;
    return Array.isArray(n.children) && n.children.some(walk);
  });

/**
 * Reads the blocks after the title into sections and stories. Stories are leaf headings, or list items, lead
 * paragraphs and table rows under a heading; blocks that hold no story are listed in `leftOut`.
 *
 * @example
 * readLayout(tree.children, defs, source, { title: "AI 日报" }).sections[0]?.stories[0]?.title
 */
export function readLayout(
  blocks: readonly RootContent[],
  defs: Definitions,
  source: string,
  opts: LayoutOptions,
  fail: (line: number, reason: string) => never,
): Layout {
  const root = buildOutline(blocks, opts, defs, source);
  const out: SectionDraft[] = [];
  const leftOut: LeftOut[] = [];
  const strays: LeftOut[] = [];
  const headingSections = new Map<OutlineNode, SectionDraft>();
  /** Leaf headings with prose only: stories in a heading digest, commentary in a digest of items. */
  const proseLeaves: { node: OutlineNode; parent: OutlineNode; draft: StoryDraft }[] = [];
  let itemStories = 0;
  let headingStories = 0;
  const rootTitle = opts.title ?? "Stories";
  const titleOf = (node: OutlineNode): string => (node.heading ? cleanTitle(plainText(node.heading)) : rootTitle);
  /** A heading that is its parent's only child (`## Blog` → `### Latest posts`) is named after the parent. */
  const sectionTitleOf = (node: OutlineNode): string =>
    node.parent?.heading && node.parent.children.length === 1 ? sectionTitleOf(node.parent) : titleOf(node);

  const addItems = (node: OutlineNode, blocksOf: readonly RootContent[]): boolean => {
    const found = findItems(blocksOf, defs, source);
    if (found.groups.length === 0 || (node.children.length === 0 && isProse(found.before))) return false;
    for (const b of found.before.filter((x) => !isBlank(x))) {
      if (node.heading) strays.push({ line: lineOf(b), what: "text", why: `text before the first story of section "${titleOf(node)}" is ignored` });
    }
    for (const group of found.groups) {
      const title = group.title ?? sectionTitleOf(node);
      out.push({ line: group.title ? group.line : node.heading ? lineOf(node.heading) : group.line, title, ...(node.heading && !group.title ? { heading: node.heading } : {}), stories: group.stories });
      itemStories += group.stories.length;
    }
    const after = found.after.filter((x) => !isBlank(x));
    if (after.length > 0) leftOut.push({ line: lineOf(after[0] as RootContent), what: "text after the last story", why: "not part of any story (a footer or closing note)" });
    return true;
  };

  const sectionFor = (node: OutlineNode): SectionDraft => {
    let section = headingSections.get(node);
    if (!section) {
      section = { line: node.heading ? lineOf(node.heading) : 1, title: sectionTitleOf(node), ...(node.heading ? { heading: node.heading } : {}), stories: [] };
      headingSections.set(node, section);
      out.push(section);
    }
    return section;
  };

  const headingStory = (node: OutlineNode): StoryDraft => {
    const heading = node.heading as Heading;
    const title = cleanTitle(plainText(heading));
    if (!title) fail(lineOf(heading), "story heading has no title");
    return { line: lineOf(heading), title, headLinks: linksOfPhrasing(heading.children, defs), nodes: node.blocks, kind: "heading", inferred: false };
  };

  /** The content of a no-story heading after its first `---` may still hold stories (a summary, then the news). */
  const release = (node: OutlineNode, parent: OutlineNode): void => {
    const cut = node.blocks.findIndex((b) => b.type === "thematicBreak");
    if (cut >= 0) addItems(parent, node.blocks.slice(cut + 1));
  };

  const rootLeaves: OutlineNode[] = [];
  const skipped = new Set<OutlineNode>();
  const walk = (node: OutlineNode): void => {
    if (node !== root) {
      if (!addItems(node, node.blocks)) {
        const stray = node.blocks.filter((b) => !isBlank(b));
        if (node.heading && stray.length > 0) {
          strays.push({ line: lineOf(stray[0] as RootContent), what: "text", why: `text before the first story of section "${titleOf(node)}" is ignored` });
        }
      }
    }
    for (const child of node.children) {
      const heading = child.heading as Heading;
      const title = cleanTitle(plainText(heading));
      if (isNonStoryTitle(title)) {
        leftOut.push({ line: lineOf(heading), what: `"${title}"`, why: "a summary, table of contents, podcast, FAQ or list of sources, not a story" });
        skipped.add(child);
        release(child, node);
        // Numbered or linked headings under it are stories that only sit there (`## 🎧 Audio` then `### 1. …`).
        const stories = child.children.filter((c) => c.heading && /^\s*\d{1,3}[.、)]|^\s*\[/.test(plainText(c.heading)));
        if (stories.length > 0) node.children.splice(node.children.indexOf(child) + 1, 0, ...stories.map((c) => ({ ...c, parent: node })));
        continue;
      }
      if (child.children.length > 0) {
        if (!title) fail(lineOf(heading), "section heading has no title");
        walk(child);
        continue;
      }
      if (addItems(child, child.blocks)) continue;
      const why = shapeWhy(child.blocks);
      if (why) {
        leftOut.push({ line: lineOf(heading), what: `"${title}"`, why });
        continue;
      }
      if (node === root) {
        rootLeaves.push(child);
        continue;
      }
      const draft = headingStory(child);
      headingStories++;
      sectionFor(node).stories.push(draft);
      if (!hasLinks(child.blocks, defs) && draft.headLinks.length === 0) proseLeaves.push({ node: child, parent: node, draft });
    }
  };
  // Text before the first heading: stories if it holds items, otherwise ignored as the README says.
  addItems(root, root.blocks);
  walk(root);

  const itemDigest = itemStories > headingStories;
  if (itemDigest) {
    // In a digest of items, a heading with prose and no link is an essay or an ad, not news: left out, told.
    for (const { parent, draft } of proseLeaves) {
      const section = headingSections.get(parent);
      if (!section) continue;
      section.stories = section.stories.filter((s) => s !== draft);
      leftOut.push({ line: draft.line, what: `"${draft.title}"`, why: "prose without links among item stories (an essay, an ad or commentary)" });
    }
  }
  // In a digest whose stories carry links, a run of bullets without a single link is analysis or notes.
  const all = out.flatMap((s) => s.stories);
  const linked = all.filter((d) => d.headLinks.length > 0 || hasLinks(d.nodes, defs)).length;
  if (all.length > 0 && linked >= all.length * 0.6) {
    for (const section of out) {
      if (section.stories.length > 0 && section.stories.every((d) => d.kind !== "heading" && d.headLinks.length === 0 && !hasLinks(d.nodes, defs))) {
        leftOut.push({ line: section.line, what: `"${section.title}"`, why: "items without any link in a digest whose stories have links (analysis or notes)" });
        section.stories = [];
      }
    }
  }
  if (rootLeaves.length > 0) {
    const numbered = rootLeaves.filter((n) => /^\s*\d{1,3}[.、)]/.test(plainText(n.heading as Heading)) || linksOfPhrasing((n.heading as Heading).children, defs).length > 0).length;
    const flat = root.children.every((c) => c.children.length === 0 || skipped.has(c)) &&
      (numbered * 2 >= rootLeaves.length || opts.storyLevel !== undefined || (opts.titleDepth !== undefined && rootLeaves.length >= 2 && rootLeaves.every((n) => n.depth > (opts.titleDepth as number))));
    for (const leaf of rootLeaves) {
      const heading = leaf.heading as Heading;
      if (itemDigest && !hasLinks(leaf.blocks, defs) && linksOfPhrasing(heading.children, defs).length === 0) {
        leftOut.push({ line: lineOf(heading), what: `"${cleanTitle(plainText(heading))}"`, why: "prose without links among item stories (an essay, an ad or commentary)" });
        continue;
      }
      if (flat || opts.sections === false) {
        sectionFor(root).stories.push(headingStory(leaf));
        continue;
      }
      const later = root.children.find((c) => c.children.length > 0 && lineOf(c.heading as Heading) > lineOf(heading) && c.depth < leaf.depth);
      if (later) fail(lineOf(heading), `story "${cleanTitle(plainText(heading))}" comes before the first section heading`);
      if (itemDigest) {
        leftOut.push({ line: lineOf(heading), what: `"${cleanTitle(plainText(heading))}"`, why: "prose among item stories (an essay, an ad or commentary)" });
        continue;
      }
      const title = cleanTitle(plainText(heading));
      if (!title) fail(lineOf(heading), "section heading has no title");
      fail(lineOf(heading), `section "${title}" has no stories: add story headings one level below it ("${"#".repeat(leaf.depth + 1)} Story")`);
    }
  }
  const sections = out.filter((s) => s.stories.length > 0).sort((a, b) => a.line - b.line);
  if (opts.sections === false && sections.length > 0) {
    return { sections: [{ line: sections[0]?.line ?? 1, title: rootTitle, stories: sections.flatMap((s) => s.stories) }], leftOut, strays };
  }
  return { sections, leftOut, strays };
}
