// A plain substring scan over the archive: the answer while the index is being built, and the baseline the benchmark compares with.
import type { Digest } from "../digest/model.js";
import type { SearchHit } from "../search.js";
import { normalizeText } from "./normalize.js";

interface Haystack {
  hit: Omit<SearchHit, "score">;
  title: string;
  rest: string;
}

/** Normalized query words: `Qwen 3.5` → ["qwen", "3.5"], `GLM‑5` → ["glm", "5"]. */
export function substringNeedles(query: string): string[] {
  return normalizeText(query).split(/[^\p{L}\p{M}\p{N}.]+/u).filter((w) => w !== "" && w !== ".");
}

function countOf(haystack: string, needle: string): number {
  let n = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) n++;
  return n;
}

/**
 * Scans every story for all query words as substrings of its normalized title, section, body and link labels.
 * No typo tolerance, no ranking beyond counts (title ×3). Normalized stories are cached per digest object,
 * so a reloaded digest is re-normalized and a removed one is forgotten.
 */
export class SubstringScanner {
  private readonly cache = new WeakMap<Digest, Haystack[]>();

  private haystacks(digest: Digest): Haystack[] {
    let list = this.cache.get(digest);
    if (!list) {
      list = [];
      for (const section of digest.sections) {
        for (const story of section.stories) {
          list.push({
            hit: { id: story.id, date: digest.date, section: section.title, title: story.title },
            title: normalizeText(story.title),
            rest: normalizeText([section.title, story.text, ...story.links.map((l) => l.label)].join("\n")),
          });
        }
      }
      this.cache.set(digest, list);
    }
    return list;
  }

  /** Hits with every needle, best first; `keep` filters before scoring. Ties are left in archive order. */
  scan(digests: readonly Digest[], query: string, keep?: (hit: Omit<SearchHit, "score">) => boolean): SearchHit[] {
    const needles = substringNeedles(query);
    if (needles.length === 0) return [];
    const hits: SearchHit[] = [];
    for (const digest of digests) {
      for (const h of this.haystacks(digest)) {
        let score = 0;
        for (const needle of needles) {
          const inTitle = countOf(h.title, needle);
          const inRest = countOf(h.rest, needle);
          if (inTitle + inRest === 0) {
            score = 0;
            break;
          }
          score += 3 * inTitle + inRest;
        }
        if (score > 0 && (!keep || keep(h.hit))) hits.push({ ...h.hit, score });
      }
    }
    return hits.sort((a, b) => b.score - a.score);
  }
}
