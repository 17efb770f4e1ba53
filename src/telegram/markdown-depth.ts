// Deeply nested Markdown, without recursion: how deep a text nests (before parsing it) and a tree's plain text.
import type { Nodes } from "mdast";

/**
 * The deepest container nesting any line opens (quote markers, list markers, and indentation counted as one level
 * per two spaces), in one pass.
 */
export function nestingDepth(markdown: string): number {
  let deepest = 0;
  let depth = 0;
  let spaces = 0;
  let lineStart = true;
  for (let i = 0; i < markdown.length; i++) {
    const c = markdown.charCodeAt(i);
    if (c === 10) {
      deepest = Math.max(deepest, depth + (spaces >> 1));
      depth = 0;
      spaces = 0;
      lineStart = true;
      continue;
    }
    if (!lineStart) continue;
    if (c === 32) spaces++;
    else if (c === 9) spaces += 4;
    // Spaces between markers separate them; only the indentation before a marker (or the text) nests.
    else if (c === 62 /* > */) {
      depth += 1 + (spaces >> 1);
      spaces = 0;
    } else if ((c === 45 || c === 42 || c === 43) /* - * + */ && (markdown.charCodeAt(i + 1) === 32 || markdown.charCodeAt(i + 1) === 9)) {
      depth += 1 + (spaces >> 1);
      spaces = 0;
    }
    else if (c >= 48 && c <= 57) {
      let j = i;
      while (j < markdown.length && markdown.charCodeAt(j) >= 48 && markdown.charCodeAt(j) <= 57) j++;
      const mark = markdown.charCodeAt(j);
      if ((mark === 46 || mark === 41) && markdown.charCodeAt(j + 1) === 32) {
        depth += 1 + (spaces >> 1);
        spaces = 0;
        i = j;
      } else lineStart = false;
    } else lineStart = false;
  }
  return Math.max(deepest, depth + (spaces >> 1));
}

/** A node's text without recursion (mdast-util-to-string recurses, and overflows on deep trees). */
export function flatText(node: Nodes): string {
  let out = "";
  const stack: Nodes[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if ("value" in n && typeof n.value === "string") out += n.value;
    else if (n.type === "image") out += n.alt ?? "";
    if ("children" in n) {
      // Blocks end with a space so their words do not run together; popped after the children.
      if (n.type === "paragraph" || n.type === "listItem" || n.type === "blockquote" || n.type === "heading") stack.push({ type: "text", value: " " });
      const children = n.children as Nodes[];
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
  return out.replace(/\s+/g, " ").trim();
}
