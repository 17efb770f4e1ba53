// How deep a digest's lists, quotes and emphasis may nest: refused past a limit, before and after the Markdown parse.
import type { Nodes, Root } from "mdast";
import { lineOf } from "./digest-story.js";

/** Nesting (lists in lists, quotes in quotes) beyond this is refused before any recursive walk can overflow. */
export const MAX_NESTING = 100;

/**
 * Estimates container nesting from the raw lines (quote markers, list indentation and markers) and refuses it past
 * {@link MAX_NESTING} before the Markdown parser sees it: deeply nested lists cost the parser seconds per hundred levels.
 */
/** The container markers a line opens with: quote markers and list markers in any order. */
const CONTAINER_PREFIX = /^(?:[ \t]*(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t])))*/;

export function checkSourceNesting(text: string, fail: (line: number, reason: string) => never): void {
  let line = 1;
  let fenced = false;
  for (const raw of text.split("\n")) {
    if (/^\s*(```|~~~)/.test(raw)) fenced = !fenced;
    if (!fenced) {
      const quotes = /^[\s>]*/.exec(raw)?.[0] ?? "";
      const depthQuotes = (quotes.match(/>/g) ?? []).length;
      const rest = raw.slice(quotes.length);
      const indent = depthQuotes > 0 ? 0 : quotes.replace(/\t/g, "    ").length;
      const markers = (/^(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)*/.exec(rest)?.[0] ?? "").match(/[-*+]|\d{1,9}[.)]/g)?.length ?? 0;
      const depth = depthQuotes + (markers > 0 || /^[-*+]|^\d{1,9}[.)]/.test(rest) ? Math.floor(indent / 2) : 0) + markers;
      // Quotes and list markers interleaved on one line (`> - > - …`) nest just as deep as either alone.
      const mixed = (CONTAINER_PREFIX.exec(raw)?.[0] ?? "").match(/>|[-*+]|\d{1,9}[.)]/g)?.length ?? 0;
      if (Math.max(depth, mixed) > MAX_NESTING) {
        fail(line, `lists, quotes or emphasis nested more than ${MAX_NESTING} levels deep: flatten this part of the file`);
      }
    }
    line++;
  }
}

/** Refuses nesting deeper than {@link MAX_NESTING} with the line where it gets too deep; iterative, so it cannot overflow. */
export function checkNesting(tree: Root, fail: (line: number, reason: string) => never): void {
  const stack: { node: Nodes; depth: number }[] = [{ node: tree, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: Nodes; depth: number };
    if (depth > MAX_NESTING) {
      fail(lineOf(node), `lists, quotes or emphasis nested more than ${MAX_NESTING} levels deep: flatten this part of the file`);
    }
    if ("children" in node) for (const child of node.children as Nodes[]) stack.push({ node: child, depth: depth + 1 });
  }
}
