// `npm run conformance`: reads other publishers' real digests (../shared/real-digests), compares with a reader's count and the fast Markdown reader's tree with the full parser's.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { readFastMarkdown } from "../src/core/digest/fast-markdown.js";
import { DigestParseError, parseDigest, parseFullMarkdown, scrubText } from "../src/core/digest/parse-digest.js";

/**
 * What a reader counts in each file (counted by hand, reading the file): stories and links in them. `refuse`: the
 * file may be refused (raw HTML). A file passes when every story is found, no non-story is taken for one (story
 * count exact) and the links are within 10%.
 */
const EXPECTED: Record<string, { stories: number; links: number } | "refuse"> = {
  "DeadManOfficial__AI-Updates__2026-01-12.md": { stories: 13, links: 13 },
  "DylanDDeng__ai-bubblebrain-daily-news__2025-09-10.md": { stories: 20, links: 0 },
  "Planeshifter__hackernews-ai-digest__2024-03-20.md": { stories: 12, links: 36 },
  "Shubham0247__Agentic-Chatbot__daily_summary.md": { stories: 12, links: 12 },
  "YingchaoX__llm-news__2026-02-14.md": { stories: 10, links: 10 },
  "amutu__hacker-news-summarizer__2026-01-14.md": { stories: 30, links: 30 },
  "dongyu19920904__Hextra-AI-Insight-Daily__2026-01-11.md": { stories: 20, links: 20 },
  "duanyytop__claude-code-digest__2026-02-26.md": { stories: 14, links: 14 },
  "jjasghar__rss_feed__2026-08-22.md": "refuse",
  "ruanyf__weekly__issue-186.md": { stories: 38, links: 45 },
  // The news links only (`* [title](url)` bullets); events, calls for papers and jobs are not stories.
  "rust-lang__this-week-in-rust__2026-08-19.md": { stories: 103, links: 103 },
  "skynettoday__skynet-today__2020-08-30.md": { stories: 17, links: 17 },
  "smol-ai__ainews-web-2025__2026-05-08.md": { stories: 27, links: 80 },
  "workdocyeye__tech-news-aggregator__2025-06-25.md": { stories: 176, links: 176 },
  "xnotwostar__ai-news-digest__2026-02-18.md": { stories: 13, links: 13 },
  "xnotwostar__ai-news-digest__2026-02-26.md": { stories: 20, links: 20 },
  "zhaomin1423__digest__2026-02-21.md": { stories: 3, links: 3 },
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// Beside the repository (CI clones it next to shared/), or beside the folder of worktrees.
const candidates = [
  process.env.REAL_DIGESTS_DIR,
  path.join(root, "..", "shared", "real-digests"),
  path.join(root, "..", "..", "shared", "real-digests"),
].filter((d): d is string => Boolean(d));
const dir = candidates.find((d) => fs.existsSync(d));
if (!dir) {
  console.log(`conformance: no real digests found (looked in ${candidates.join(", ")}); skipped`);
  process.exit(0);
}

/** Whether the fast reader read the file (it must then give the full parser's tree exactly) or left it to the full parser. */
function compareTrees(source: string): "same" | "declined" | "different" {
  const text = scrubText(source.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n"));
  const fast = readFastMarkdown(text);
  if (!fast) return "declined";
  return isDeepStrictEqual(fast, parseFullMarkdown(text)) ? "same" : "different";
}

let pass = 0;
let total = 0;
const trees = { same: 0, declined: 0, different: 0 };
const sum = { sections: 0, stories: 0, links: 0 };
for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".md") && n !== "README.md").sort()) {
  const file = path.join(dir, name);
  const expected = EXPECTED[name];
  total++;
  const tree = compareTrees(fs.readFileSync(file, "utf8"));
  trees[tree]++;
  const treeNote = tree === "same" ? "fast reader: same tree" : tree === "declined" ? "fast reader: declined (full parser)" : "fast reader: DIFFERENT TREE";
  if (tree === "different") process.exitCode = 1;
  try {
    const { digest, explain } = parseDigest(fs.readFileSync(file, "utf8"), file, { mtime: fs.statSync(file).mtime });
    const stories = digest.sections.reduce((n, s) => n + s.stories.length, 0);
    const links = digest.sections.reduce((n, s) => n + s.stories.reduce((m, t) => m + t.links.length, 0), 0);
    sum.sections += digest.sections.length;
    sum.stories += stories;
    sum.links += links;
    const ok = expected !== undefined && expected !== "refuse" && expected.stories === stories &&
      Math.abs(links - expected.links) <= Math.max(1, expected.links * 0.1);
    if (ok) pass++;
    const want = expected === undefined ? "no expectation" : expected === "refuse" ? "expected a refusal" : `expected ${expected.stories} stories, ${expected.links} links`;
    console.log(`${ok ? "PASS" : "FAIL"} ${name}: ${digest.date} (${explain.dateSource}), ${digest.sections.length} sections, ${stories} stories, ${links} links; ${want}; ${treeNote}`);
  } catch (err) {
    if (!(err instanceof DigestParseError)) throw err;
    const ok = expected === "refuse";
    if (ok) pass++;
    console.log(`${ok ? "PASS" : "FAIL"} ${name}: refused: ${err.reason}; ${treeNote}`);
  }
}
console.log(`\n${pass} of ${total} files read as a reader counts them; totals: ${sum.sections} sections, ${sum.stories} stories, ${sum.links} links`);
console.log(`fast Markdown reader: ${trees.same} files read with the full parser's exact tree, ${trees.declined} left to the full parser, ${trees.different} with a different tree`);
