// Parsing off the main thread: a worker with a time limit per file; a slow or crashing file fails alone.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createArchive } from "../../../src/core/digest/archive.js";
import { createInlineParser, createWorkerParser, type DigestParser, takeParseJson } from "../../../src/core/digest/digest-parser.js";
import { parseDigest } from "../../../src/core/digest/parse-digest.js";
import { createLogger } from "../../../src/core/logger.js";
import { settled } from "../../load-slack.js";

// The seed digest as a fixture: the checkout's data/digests holds the user's own digests (the seed may be gone).
const SEED = fs.readFileSync(path.join(import.meta.dirname, "../../fixtures/sample/2026-02-18.md"), "utf8");
/**
 * A real, valid digest of about 1.9 MB (just under the size limit) that the full Markdown parser cannot read in
 * 500 ms. Its bare URL is outside the fast reader's subset, so the whole file goes to the full parser (the fast
 * reader alone reads the plain rest in about that time on a quiet machine).
 */
const BIG = `## News\n\nSee https://example.com/all for every story.\n\n${Array.from({ length: 10700 }, (_, i) => `### Story ${i}\n\n${"Long body text with [a link](https://example.com/" + i + ") and more words. ".repeat(6)}\n`).join("\n")}`;
const LIMIT_MS = 500;
const SMALL = (title: string) => `## News\n\n### ${title}\n\nBody.\n`;
/** A small digest outside the fast reader's subset (a bare URL): it is parsed in a worker, never on the bot's thread. */
const NOT_PLAIN = (title: string) => `## News\n\n### ${title}\n\nBody, see https://example.com/more.\n`;

let worker: DigestParser;
let tight: DigestParser;
let root: string;

beforeAll(() => {
  worker = createWorkerParser();
  tight = createWorkerParser({ timeLimitMs: LIMIT_MS });
  root = fs.mkdtempSync(path.join(os.tmpdir(), "digest-parser-"));
});
afterAll(async () => {
  await Promise.all([worker.close(), tight.close()]);
  fs.rmSync(root, { recursive: true, force: true });
});

describe("createWorkerParser", () => {
  it("gives what the parser gives on the main thread, errors included", async () => {
    const file = "test/fixtures/sample/2026-02-18.md";
    expect(await worker.parse(SEED, file)).toEqual({ ok: true, parsed: parseDigest(SEED, file) });
    expect(await worker.parse("## A section\n\nNo stories.\n", "/x/2026-03-01.md")).toEqual({
      ok: false,
      message: '/x/2026-03-01.md:1: section "A section" has no stories: add story headings one level below it ("### Story")',
    });
    expect(await createInlineParser().parse("## A section\n\nNo stories.\n", "/x/2026-03-01.md")).toEqual(await worker.parse("## A section\n\nNo stories.\n", "/x/2026-03-01.md"));
  });

  it("skips a file that takes longer than the limit, keeps the event loop free meanwhile, and parses the next file", async () => {
    let longest = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 5);
    expect(Buffer.byteLength(BIG)).toBeGreaterThan(1_800_000);
    expect(Buffer.byteLength(BIG)).toBeLessThan(2 * 1024 * 1024);
    const started = performance.now();
    const slow = await tight.parse(BIG, "/x/2026-03-02.md");
    const took = performance.now() - started;
    clearInterval(ticker);
    expect(slow).toEqual({ ok: false, message: `/x/2026-03-02.md: parsing took longer than ${LIMIT_MS} ms; skipped` });
    expect(took).toBeGreaterThanOrEqual(LIMIT_MS);
    // The main thread kept answering: a parse on it would have blocked it for the whole wait. Held against that wait,
    // not against a fixed time, as a loaded machine stretches both (at load 25 a 5 ms tick came 0.9 s late).
    expect(longest).toBeLessThan(took / 2);
    const next = await tight.parse(NOT_PLAIN("After the slow one"), "/x/2026-03-03.md");
    expect(next.ok && next.parsed.digest.sections[0]?.stories[0]?.title).toBe("After the slow one");
  });
});

describe("two worker parsers side by side", () => {
  it("parses a file on the second worker while the first is busy with a slow one (a cold start uses both cores)", async () => {
    const pool = createWorkerParser({ workers: 2, timeLimitMs: 60_000 });
    try {
      // Files queue up on the first worker: the second one starts, and takes files once it is up.
      const queued = await Promise.all(Array.from({ length: 6 }, (_, i) => pool.parse(NOT_PLAIN(`Queued ${i}`), `/x/2026-03-1${i}.md`)));
      expect(queued.every((o) => o.ok)).toBe(true);
      // A tenth of BIG (~1,000 stories) is long to parse; a small file given next goes to the idle second worker and
      // is done first. Until that worker is up (a start takes a while on a busy machine) the small file waits.
      const medium = BIG.slice(0, BIG.indexOf("### Story 1070\n"));
      let order: string[] = [];
      for (let attempt = 0; attempt < 10 && order[0] !== "small Beside the big one"; attempt++) {
        order = [];
        const big = pool.parse(medium, "/x/2026-03-07.md").then((o) => void order.push(`big ${o.ok}`));
        const small = pool.parse(NOT_PLAIN("Beside the big one"), "/x/2026-03-08.md").then((o) => void order.push(`small ${o.ok && o.parsed.digest.sections[0]?.stories[0]?.title}`));
        await Promise.all([big, small]);
      }
      expect(order).toEqual(["small Beside the big one", "big true"]);
    } finally {
      await pool.close();
    }
  }, 120_000);
});

describe("a digest dated by a 'Generated on' line with blank lines after it", () => {
  // Blank lines with a trailing space after "Generated on" (a footer with an empty value): the date search must not
  // backtrack over them (it held the bot's own thread for seconds with a few hundred such lines, minutes with more).
  const footer = `Generated on${" \n".repeat(2000)}x\n`;
  const mtime = new Date("2026-03-09T12:00:00Z");
  const story = (body: string) => `## News\n\n### Footer story\n\n${body}\n\n${footer}`;

  it("is read in a worker within its time limit (a file too big for the bot's thread), and on the bot's thread", async () => {
    const parser = createWorkerParser({ timeLimitMs: 5000 });
    try {
      const big = story("Long body. ".repeat(7000));
      expect(big.length).toBeGreaterThan(64 * 1024);
      const inWorker = await parser.parse(big, "/x/footer.md", { mtime });
      expect(inWorker.ok ? inWorker.parsed.digest.date : inWorker.message).toBe("2026-03-09");
      const small = story("Short body.");
      expect(small.length).toBeLessThan(64 * 1024);
      await new Promise((r) => setTimeout(r, 60)); // alone, not part of a burst: read on this thread
      const here = await parser.parse(small, "/x/footer.md", { mtime });
      expect(here.ok ? here.parsed.digest.date : here.message).toBe("2026-03-09");
    } finally {
      await parser.close();
    }
  }, 60_000);
});

describe("a plain digest whose front matter nests deeply", () => {
  it("reads as a worker reads it, whatever the bot's thread's stack (a YAML value nested 3,000 deep)", async () => {
    const parser = createWorkerParser();
    try {
      const text = `---\nx: ${"[".repeat(3000)}${"]".repeat(3000)}\n---\n\n## News\n\n### Deep front matter\n\nBody.\n`;
      const outcome = await parser.parse(text, "/x/2026-03-09.md");
      expect(outcome.ok ? outcome.parsed.digest.sections[0]?.stories[0]?.title : outcome.message).toBe("Deep front matter");
    } finally {
      await parser.close();
    }
  });
});

describe("a plain digest with a long front matter", () => {
  // YAML is read at ~3 µs a character: 60 KB of front matter held the bot's thread ~0.2 s, where a plain digest of
  // that size reads in a few ms. A parse made in a worker comes with its JSON text; one made here without.
  it("is parsed in a worker, and a digest with a usual front matter on the bot's thread", async () => {
    const parser = createWorkerParser();
    try {
      const body = "\n## News\n\n### Story\n\nBody.\n";
      const long = `---\ntitle: Long\n${Array.from({ length: 4000 }, (_, i) => `k${i}: v${i}`).join("\n")}\n---\n${body}`;
      expect(long.length).toBeLessThan(64 * 1024);
      const inWorker = await parser.parse(long, "/x/2026-03-10.md");
      expect(inWorker.ok && inWorker.parsed.digest.title).toBe("Long");
      expect(inWorker.ok && typeof takeParseJson(inWorker.parsed)).toBe("string");
      await new Promise((r) => setTimeout(r, 60)); // alone, not part of a burst
      const usual = await parser.parse(`---\ntitle: Usual\ndate: 2026-03-11\n---\n${body}`, "/x/2026-03-11.md");
      expect(usual.ok && usual.parsed.digest.title).toBe("Usual");
      expect(usual.ok && takeParseJson(usual.parsed)).toBeUndefined();
    } finally {
      await parser.close();
    }
  });
});

describe("a plain digest with a long run of spaces in a line", () => {
  // Several of the layout's patterns (a trailing colon, a label line) try every start in a run of spaces: 20,000
  // spaces held the bot's thread ~1.5 s. Such a file goes to a worker, whose time limit bounds it.
  it("is parsed in a worker", async () => {
    const parser = createWorkerParser();
    try {
      const text = `## News\n\n### Spaced\n\nBody.\n\nLinks${" ".repeat(5000)}x [a](https://example.com/a)\n`;
      const outcome = await parser.parse(text, "/x/2026-03-12.md");
      expect(outcome.ok && outcome.parsed.digest.sections[0]?.stories[0]?.title).toBe("Spaced");
      expect(outcome.ok && typeof takeParseJson(outcome.parsed)).toBe("string");
    } finally {
      await parser.close();
    }
  });
});

describe("closing the worker parser", () => {
  it("does not wait for a slow file: the stop ends the parse in flight, which fails as cut short, not as slow or done", async () => {
    // The worker is up (a file outside the fast reader's subset started it), and busy with the slow file.
    expect((await worker.parse(NOT_PLAIN("Worker up"), "/x/2026-03-05.md")).ok).toBe(true);
    const parsing = worker.parse(BIG, "/x/2026-03-04.md");
    await new Promise((r) => setTimeout(r, 100));
    await settled("the close during a slow parse", worker.close());
    expect(await parsing).toEqual({ ok: false, message: "/x/2026-03-04.md: the parser stopped while reading this file; skipped" });
  });
});

describe("the archive with the worker parser", () => {
  it("reports a too-slow file and keeps its last good version, while the other digests load", async () => {
    const dir = path.join(root, "digests");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "2026-02-18.md"), SMALL("Other digest"));
    const slowFile = path.join(dir, "2026-03-02.md");
    fs.writeFileSync(slowFile, SMALL("Short for now"));
    // The archive takes over (and closes) the worker of the test above: one worker start less.
    const archive = await createArchive({ dir, logger: createLogger({ level: "silent" }), watch: false, parser: tight });
    try {
      expect(archive.dates()).toEqual(["2026-02-18", "2026-03-02"]);
      fs.writeFileSync(slowFile, BIG);
      fs.writeFileSync(path.join(dir, "2026-03-03.md"), SMALL("Fresh"));
      await archive.reload();
      expect(archive.dates()).toEqual(["2026-02-18", "2026-03-02", "2026-03-03"]);
      expect(archive.get("2026-03-02")?.sections[0]?.stories[0]?.title).toBe("Short for now");
      expect(archive.problems()).toEqual([{ file: slowFile, message: `${slowFile}: parsing took longer than ${LIMIT_MS} ms; skipped` }]);
    } finally {
      await archive.close();
    }
  });
});
