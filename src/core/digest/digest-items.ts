// Stories that are not headings: list items, `N、`/`•` lead paragraphs and table rows with a linked title.
import type { List, ListItem, Paragraph, PhrasingContent, RootContent, Table } from "mdast";
import { type Definitions, linksOfList, linksOfPhrasing, plainText, type RawLink, stripTrailingColon } from "./digest-links.js";

/** A story found in the tree, before its body and links are built. */
export interface StoryDraft {
  line: number;
  title: string;
  /** Links that belong to the story's title (a linked heading, a linked lead). */
  headLinks: RawLink[];
  /** Body blocks; a lead already taken for the title is cut off the first one. */
  nodes: RootContent[];
  /** Where the story came from, for `check --explain`. */
  kind: "heading" | "list item" | "paragraph" | "table row";
  /** Heading-style node used for the "no body text" warning and line numbers. */
  inferred: boolean;
}

/** A run of item stories, optionally under a bold group title (`**Open models and infra**`). */
export interface ItemGroup {
  title?: string;
  line: number;
  stories: StoryDraft[];
}

export interface ItemsFound {
  groups: ItemGroup[];
  /** Blocks before the first item. */
  before: RootContent[];
  /** Blocks after the last item that no item took (a footer, an outro). */
  after: RootContent[];
}

const lineOfNode = (node: { position?: { start: { line: number } } | undefined }): number => node.position?.start.line ?? 1;

/** Numbering and bullets publishers put in front of titles: `1.`, `1、`, `3.1`, `•`, `-`, `①`, `[1]`, `（2）`. */
const NUMBERING = /^\s*(?:\d{1,3}(?:\.\d{1,3})*\s*[.、．)）:：]?\s+|\d{1,3}\s*[、．]\s*|[•●▪◆■·\u2460-\u2473\u2776-\u277F]\s*|[[(（【]\d{1,3}[\])）】]\s*)/u;
/**
 * `text` with template text left in by a generator (`{{ 'date': … }}`, `{% … %}`) replaced by a space: what
 * `text.replace(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g, " ")` gives, in one pass. The regex looked for the end
 * of every unclosed `{{` to the end of the text: a 45 KB heading of `{{ ` took 0.17 s.
 */
export function dropTemplates(text: string): string {
  let out = "";
  let from = 0;
  // Past the last `}}` (or `%}`), no opening finds its end any more.
  let noEnd = { "{": false, "%": false };
  for (let i = text.indexOf("{"); i >= 0 && i < text.length - 1; i = text.indexOf("{", i + 1)) {
    const kind = text[i + 1];
    if (kind !== "{" && kind !== "%") continue;
    if (noEnd[kind]) continue;
    const end = text.indexOf(kind === "{" ? "}}" : "%}", i + 2);
    if (end < 0) {
      noEnd = { ...noEnd, [kind]: true };
      continue;
    }
    out += `${text.slice(from, i)} `;
    from = end + 2;
    i = from - 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * Title text without numbering, template text, bold markers' leftovers, or a trailing colon.
 *
 * @example
 * cleanTitle("3.1 公司治理（Governance）") // "公司治理（Governance）"
 * cleanTitle("AI Submissions {{ 'date': '2024-03-20' }}") // "AI Submissions"
 */
export function cleanTitle(text: string): string {
  let out = dropTemplates(text).replace(/\s+/g, " ").trim();
  if (out !== text.trim()) out = out.replace(/^[\s.、)）:：-]+/u, "");
  const stripped = out.replace(NUMBERING, "");
  if (stripped.trim()) out = stripped;
  return stripTrailingColon(out).trim();
}

/**
 * First sentence (or the first 100 characters) of a text, for stories that have no title of their own.
 *
 * @example
 * firstSentence("Acme ships X. It is fast.") // "Acme ships X."
 */
export function firstSentence(text: string): string {
  const clean = text.replace(/\s+/g, " ").trim();
  const m = /^(.+?[。！？!?]|.+?\.(?=\s|$))/u.exec(clean);
  let out = m?.[1] ?? clean;
  if (out.length > 100) {
    const cut = out.slice(0, 100);
    const space = cut.lastIndexOf(" ");
    out = `${space > 40 ? cut.slice(0, space) : cut}…`;
  }
  return out.trim();
}

/** Text of a paragraph's leading prefix that may stand before a lead: numbering, a date, dashes. */
const PREFIX_TEXT = /^(?:[\s\d\-–—./:、．)）•●▪·|\u2460-\u2473\u2776-\u277F]|[[(（【]\d{1,3}[\])）】])*$/u;
/** A lead paragraph outside a list: `1、[title](url)`, `1、**title**`, `• **title**`, or a bare `1、`. */
const PARAGRAPH_LEAD = /^\s*(?:\d{1,3}\s*[、．]|[•●▪◆■])/u;

interface Lead {
  title: string;
  links: RawLink[];
  /** Index in the paragraph's children where the body starts. */
  rest: number;
  /** `strong`: the lead is certainly a title; `weak`: a bold word in running text or a `Key: value` line. */
  strength: "strong" | "weak";
}

function isTag(node: PhrasingContent): boolean {
  return node.type === "strong" && /^\s*[[【(（].{0,20}[\]】)）]\s*$/u.test(plainText(node));
}

/** Finds the title at the start of a paragraph: a link, a bold link, or bold text (after numbering, a date, a tag). */
function leadOf(p: Paragraph, defs: Definitions): Lead | undefined {
  const kids = p.children;
  let i = 0;
  while (i < kids.length) {
    const k = kids[i] as PhrasingContent;
    if ((k.type === "text" && PREFIX_TEXT.test(k.value)) || isTag(k) || k.type === "break") i++;
    else break;
  }
  const first = kids[i];
  if (!first) return undefined;
  const after = kids[i + 1];
  const afterText = after?.type === "text" ? after.value : after ? "x" : "";
  const firstLineOfAfter = afterText.split("\n")[0] ?? "";
  const endsLine = after === undefined || after.type === "break" || /^\s*(?:\n|$)/.test(afterText);
  if (first.type === "link" || first.type === "linkReference") {
    const links = linksOfPhrasing([first], defs);
    return { title: plainText(first), links, rest: i + 1, strength: "strong" };
  }
  if (first.type === "strong") {
    const inner = first.children.filter((c) => !(c.type === "text" && c.value.trim() === ""));
    if (inner.length === 1 && (inner[0]?.type === "link" || inner[0]?.type === "linkReference")) {
      return { title: plainText(first), links: linksOfPhrasing(first.children, defs), rest: i + 1, strength: "strong" };
    }
    const title = stripTrailingColon(plainText(first));
    if (!title) return undefined;
    // `**Title**: a long sentence` and `**Title**` alone on its line are titles; `**Key**: short` is metadata.
    const colon = /^\s*[：:]/u.test(firstLineOfAfter) || /[：:]\s*$/u.test(plainText(first));
    const restLength = firstLineOfAfter.replace(/^\s*[：:]/u, "").trim().length + (kids.length - i - 2 > 0 ? 30 : 0);
    const dash = /^\s*[-–—|]\s/u.test(firstLineOfAfter);
    const strong = endsLine || dash || (colon && restLength >= 30);
    return { title, links: [], rest: i + 1, strength: strong ? "strong" : "weak" };
  }
  return undefined;
}

/** The paragraph without its first `rest` children (and the separator that followed the lead). */
function cutParagraph(p: Paragraph, rest: number, source: string): Paragraph | undefined {
  const kids = [...p.children.slice(rest)];
  while (kids.length > 0) {
    const k = kids[0] as PhrasingContent;
    if (k.type === "break" || (k.type === "text" && /^[\s\-–—:：|｜]*$/u.test(k.value))) {
      kids.shift();
      continue;
    }
    if (k.type === "text" && k.position) {
      const m = /^[\s\-–—:：|｜]+/u.exec(k.value);
      const start = k.position.start.offset ?? 0;
      if (m && source.slice(start, start + m[0].length) === m[0]) {
        const cut = m[0].length;
        kids[0] = {
          type: "text",
          value: k.value.slice(cut),
          position: { start: { ...k.position.start, offset: start + cut, column: k.position.start.column + cut }, end: k.position.end },
        };
      }
    }
    break;
  }
  const firstKid = kids[0];
  if (!firstKid?.position || !p.position) return undefined;
  return { type: "paragraph", children: kids, position: { start: firstKid.position.start, end: p.position.end } };
}

function itemText(item: ListItem): string {
  return item.children.map((c) => plainText(c)).join(" ");
}

/** A list item whose first paragraph ends in a link (`text … [source](url)`). */
function endsInLink(item: ListItem): boolean {
  const p = item.children[0];
  if (p?.type !== "paragraph") return false;
  const last = [...p.children].reverse().find((c) => !(c.type === "text" && c.value.trim() === ""));
  return last?.type === "link" || last?.type === "linkReference";
}

/** True for an item that is a `Key: value` fact (stats, predictions' fields), not a story. */
function isFact(item: ListItem): boolean {
  const first = item.children[0];
  const lead = first?.type === "paragraph" ? first.children.find((c) => !(c.type === "text" && !c.value.trim())) : undefined;
  if (lead?.type === "link" || lead?.type === "linkReference") return false;
  const text = itemText(item);
  return text.length < 60 && /^[^：:]{1,30}[：:]/u.test(text);
}

/** Link targets that stay inside the page (a table of contents). */
function isAnchorList(list: List): boolean {
  const links = list.children.flatMap((i) => i.children.flatMap((c) => (c.type === "paragraph" ? linksOfPhrasing(c.children, new Map()) : [])));
  return links.length > 0 && links.every((l) => l.url.startsWith("#"));
}

/**
 * @example
 * isStoryList(list, defs) // true for "- [Title](https://a.example) - summary" items, false for "- OpenAI: 7 updates"
 *
 * Decides whether a list is a list of stories: most items start with a link or a bold title, or it is a numbered
 * list of long (or blank-line separated) paragraphs, or most items are a sentence ending in its source link.
 */
export function isStoryList(list: List, defs: Definitions): boolean {
  const items = list.children;
  if (items.length === 0 || isAnchorList(list)) return false;
  if (items.every(isFact)) return false;
  const leads = items.map((item) => (item.children[0]?.type === "paragraph" ? leadOf(item.children[0], defs) : undefined));
  const strong = leads.filter((l) => l?.strength === "strong").length;
  if (strong > 0 && strong * 2 >= items.length) return true;
  const avg = items.reduce((n, i) => n + itemText(i).length, 0) / items.length;
  if (list.ordered && items.length >= 3 && (list.spread === true || avg >= 100)) return true;
  const linked = items.filter((i) => endsInLink(i) && itemText(i).length >= 20).length;
  return linked * 2 > items.length;
}

function storyOfItem(item: ListItem, defs: Definitions, source: string): StoryDraft {
  const [first, ...rest] = item.children;
  const lead = first?.type === "paragraph" ? leadOf(first, defs) : undefined;
  if (first?.type === "paragraph" && lead && (lead.strength === "strong" || lead.links.length > 0)) {
    const cut = cutParagraph(first, lead.rest, source);
    return {
      line: lineOfNode(item),
      title: cleanTitle(lead.title),
      headLinks: lead.links,
      nodes: [...(cut ? [cut] : []), ...rest],
      kind: "list item",
      inferred: true,
    };
  }
  // No title of its own: the first sentence (without a trailing source link) is the title, the item the body.
  const text = first ? plainText(first) : "";
  return { line: lineOfNode(item), title: cleanTitle(firstSentence(text)), headLinks: [], nodes: item.children, kind: "list item", inferred: true };
}

function isBoldParagraph(node: RootContent): node is Paragraph {
  if (node.type !== "paragraph") return false;
  const kids = node.children.filter((c) => !(c.type === "text" && c.value.trim() === ""));
  return kids.length === 1 && kids[0]?.type === "strong" && plainText(node).length <= 160;
}

/** Stories of a table: one per row whose first linked cell is only a link (`| [title](url) | date | summary |`). */
function storiesOfTable(table: Table, defs: Definitions): StoryDraft[] | undefined {
  const rows = table.children.slice(1);
  const stories: StoryDraft[] = [];
  for (const row of rows) {
    const cell = row.children.find((c) => {
      const kids = c.children.filter((k) => !(k.type === "text" && k.value.trim() === ""));
      return kids.length === 1 && (kids[0]?.type === "link" || kids[0]?.type === "linkReference" ||
        (kids[0]?.type === "strong" && kids[0].children.some((x) => x.type === "link")));
    });
    if (!cell) continue;
    const others = row.children.filter((c) => c !== cell && plainText(c));
    stories.push({
      line: lineOfNode(row),
      title: cleanTitle(plainText(cell)),
      headLinks: linksOfPhrasing(row.children.flatMap((c) => c.children), defs),
      nodes: others.map((c): Paragraph => ({ type: "paragraph", children: c.children, ...(c.position ? { position: c.position } : {}) })),
      kind: "table row",
      inferred: true,
    });
  }
  return stories.length > 0 && stories.length * 2 >= rows.length ? stories : undefined;
}

/** A paragraph that starts an item story (`1、[title](url)`, `• **title**`, `1、` alone before a quote). */
function paragraphLead(p: Paragraph, defs: Definitions): Lead | "bare" | undefined {
  const firstKid = p.children[0];
  if (firstKid?.type !== "text" || !PARAGRAPH_LEAD.test(firstKid.value)) return undefined;
  if (p.children.length === 1 && /^\s*\d{1,3}\s*[、．]\s*$/u.test(firstKid.value)) return "bare";
  const lead = leadOf(p, defs);
  return lead && (lead.strength === "strong" || lead.links.length > 0) ? lead : undefined;
}

/**
 * @example
 * findItems(node.blocks, defs, source).groups[0]?.stories[0]?.title // "小行星碰撞实验" for "1、[小行星碰撞实验](https://…)"
 *
 * Finds item stories among a heading's blocks: story lists, lead paragraphs (with the blocks that follow each up to
 * the next lead), tables with linked titles; a bold paragraph before a story list names a group.
 */
export function findItems(blocks: readonly RootContent[], defs: Definitions, source: string): ItemsFound {
  const groups: ItemGroup[] = [];
  const before: RootContent[] = [];
  let after: RootContent[] = [];
  let current: StoryDraft | undefined;
  let pendingGroup: { title: string; line: number } | undefined;
  const groupFor = (line: number): ItemGroup => {
    const last = groups[groups.length - 1];
    if (pendingGroup) {
      const g: ItemGroup = { title: pendingGroup.title, line: pendingGroup.line, stories: [] };
      pendingGroup = undefined;
      groups.push(g);
      return g;
    }
    if (last) return last;
    const g: ItemGroup = { line, stories: [] };
    groups.push(g);
    return g;
  };
  const spill = (node: RootContent): void => {
    if (groups.length === 0) before.push(node);
    else after.push(node);
  };
  for (let i = 0; i < blocks.length; i++) {
    const node = blocks[i] as RootContent;
    // A list of bare links is a story's links block when text came before it; alone (or after other items) it lists stories.
    const linkOnly = node.type === "list" && linksOfList(node, source, defs) !== undefined;
    const textBefore = before.some((b) => !(b.type === "thematicBreak" || b.type === "html" || b.type === "definition"));
    if (node.type === "list" && isStoryList(node, defs) && !(linkOnly && (current !== undefined || (groups.length === 0 && textBefore)))) {
      current = undefined;
      const group = groupFor(lineOfNode(node));
      group.stories.push(...node.children.map((item) => storyOfItem(item, defs, source)));
      after = [];
      continue;
    }
    if (node.type === "table") {
      const rows = storiesOfTable(node, defs);
      if (rows) {
        current = undefined;
        groupFor(lineOfNode(node)).stories.push(...rows);
        after = [];
        continue;
      }
    }
    if (node.type === "paragraph") {
      const lead = paragraphLead(node, defs);
      if (lead) {
        const group = groupFor(lineOfNode(node));
        if (lead === "bare") {
          // `1、` alone: the next paragraph's first sentence names the story.
          const next = blocks[i + 1];
          current = { line: lineOfNode(node), title: cleanTitle(firstSentence(next ? plainText(next) : "")) || "…", headLinks: [], nodes: [], kind: "paragraph", inferred: true };
        } else {
          const cut = cutParagraph(node, lead.rest, source);
          current = { line: lineOfNode(node), title: cleanTitle(lead.title), headLinks: lead.links, nodes: cut ? [cut] : [], kind: "paragraph", inferred: true };
        }
        group.stories.push(current);
        after = [];
        continue;
      }
      if (isBoldParagraph(node) && blocks[i + 1]?.type === "list") {
        const next = blocks[i + 1] as List;
        if (isStoryList(next, defs)) {
          current = undefined;
          pendingGroup = { title: cleanTitle(plainText(node)), line: lineOfNode(node) };
          continue;
        }
      }
    }
    if (current && node.type !== "thematicBreak") current.nodes.push(node);
    else spill(node);
  }
  return { groups: groups.filter((g) => g.stories.length > 0), before, after };
}
