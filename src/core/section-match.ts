// Loose section-name matching shared by `/section`, delivery filters and search: `agent`, `安全`, `2`, fullwidth or traditional spellings.
import type { Digest } from "./digest/model.js";
import { normalizeText } from "./search/normalize.js";

/** Drops everything but letters and digits, so `政策、治理与安全` and `政策 治理 与 安全` compare equal. */
function squash(text: string): string {
  return normalizeText(text).replace(/[^\p{L}\p{N}]+/gu, "");
}

/** Words of a name: Latin words and CJK runs, used for the last, loosest rule (`agent 工具` → `Agent 与工具链`). */
function words(text: string): string[] {
  return normalizeText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Digests never change in place (a reload swaps in a new object), so their folded titles can be kept. */
const squashedTitles = new WeakMap<Digest, string[]>();

/**
 * Finds the section a user means, by the first rule that matches, in section order:
 * 1. a 1-based number (`2`, `#2`, `２`);
 * 2. the whole title, ignoring case, width, punctuation, spaces and traditional/simplified spelling;
 * 3. a title starting with the name;
 * 4. a title containing the name (`安全` → `政策、治理与安全`, `agent` → `Agent 与工具链`);
 * 5. a title containing every word of the name.
 * Returns the **0-based** index of the section (as `StoryRef.sectionIndex`), or `undefined` when none matches.
 *
 * @example
 * matchSection(digest, "agent"); // 1 for "Agent 与工具链" as the second section
 * matchSection(digest, "3");     // 2
 */
export function matchSection(digest: Digest, name: string): number | undefined {
  let titles = squashedTitles.get(digest);
  if (!titles) {
    titles = digest.sections.map((s) => squash(s.title));
    squashedTitles.set(digest, titles);
  }
  const wanted = squash(name);
  if (wanted === "") return undefined;
  const num = /^#?(\d{1,3})$/.exec(normalizeText(name).trim());
  if (num) {
    const index = Number(num[1]) - 1;
    return index >= 0 && index < titles.length ? index : undefined;
  }
  const rules: ((title: string) => boolean)[] = [
    (t) => t === wanted,
    (t) => t.startsWith(wanted),
    (t) => t.includes(wanted),
  ];
  for (const rule of rules) {
    const index = titles!.findIndex(rule);
    if (index >= 0) return index;
  }
  const parts = words(name).map(squash).filter(Boolean);
  const index = titles!.findIndex((t) => parts.every((p) => t.includes(p)));
  return index >= 0 ? index : undefined;
}
