// A bot nobody edits digests for holds no parser worker: plain digests are read on its thread, and a worker starts with the first other file and stops when idle.
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { createWorkerParser, INLINE_PARSE_MAX_CHARS } from "../../../src/core/digest/digest-parser.js";
import { parseDigest } from "../../../src/core/digest/parse-digest.js";

/** Outside the fast reader's subset (a bare URL): parsed in a worker. */
const SMALL = (title: string) => `## News\n\n### ${title}\n\nBody, see https://example.com/more.\n`;
const PLAIN = (title: string) => `## News\n\n### ${title}\n\nBody with [a link](https://example.com/a).\n`;
/** Threads of this process (Linux; a test file runs in a process of its own): a worker thread is one more. */
const threadCount = (): number => fs.readdirSync("/proc/self/task").length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitFor = async (ok: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 600 && !ok(); i++) await sleep(50);
  if (!ok()) throw new Error(`timed out waiting until ${what}`);
};
const titleOf = (outcome: Awaited<ReturnType<ReturnType<typeof createWorkerParser>["parse"]>>) =>
  outcome.ok ? outcome.parsed.digest.sections[0]?.stories[0]?.title : outcome.message;

describe.runIf(process.platform === "linux")("a plain digest", () => {
  it("is read on the bot's own thread: no worker starts, and the outcome is the worker's", async () => {
    await fs.promises.stat(import.meta.filename);
    await sleep(100);
    const before = threadCount();
    const parser = createWorkerParser({ workers: 1 });
    try {
      const outcome = await parser.parse(PLAIN("Plain edit"), "/x/2026-03-23.md");
      expect(outcome).toEqual({ ok: true, parsed: parseDigest(PLAIN("Plain edit"), "/x/2026-03-23.md") });
      // The next save comes a while later, as a publisher's do (files in a burst go to the workers, see below).
      await sleep(200);
      expect(await parser.parse("## A section\n\nNo stories.\n", "/x/2026-03-24.md")).toEqual({
        ok: false,
        message: '/x/2026-03-24.md:1: section "A section" has no stories: add story headings one level below it ("### Story")',
      });
      await sleep(300);
      expect(threadCount()).toBe(before);
      await sleep(200);
      // Bigger than a digest of a usual size: a worker reads it (the same outcome), not the bot's thread.
      const big = `## News\n\n${Array.from({ length: 2000 }, (_, i) => `### Story ${i}\n\nBody of story ${i} with [a link](https://example.com/${i}).\n`).join("\n")}`;
      expect(big.length).toBeGreaterThan(INLINE_PARSE_MAX_CHARS);
      expect(await parser.parse(big, "/x/2026-03-25.md")).toEqual({ ok: true, parsed: parseDigest(big, "/x/2026-03-25.md") });
      expect(threadCount()).toBeGreaterThan(before);
    } finally {
      await parser.close();
    }
  });
});

describe.runIf(process.platform === "linux")("a plain digest whose parse was slow on the bot's thread", () => {
  it("is parsed in a worker from then on, with the same outcome", async () => {
    await fs.promises.stat(import.meta.filename);
    await sleep(100);
    const before = threadCount();
    // Every parse on the bot's thread counts as slow here (the real limit is INLINE_SLOW_MS).
    const parser = createWorkerParser({ workers: 1, inlineSlowMs: -1 });
    try {
      expect(await parser.parse(PLAIN("Slow once"), "/x/2026-03-27.md")).toEqual({ ok: true, parsed: parseDigest(PLAIN("Slow once"), "/x/2026-03-27.md") });
      expect(threadCount()).toBe(before);
      await sleep(200);
      expect(await parser.parse(PLAIN("Next version"), "/x/2026-03-27.md")).toEqual({ ok: true, parsed: parseDigest(PLAIN("Next version"), "/x/2026-03-27.md") });
      expect(threadCount()).toBeGreaterThan(before);
    } finally {
      await parser.close();
    }
  });
});

describe.runIf(process.platform === "linux")("plain digests in a burst (a cold start, a folder copied in)", () => {
  it("go to the workers, so both cores parse them, with the same outcomes", async () => {
    await fs.promises.stat(import.meta.filename);
    await sleep(100);
    const before = threadCount();
    const parser = createWorkerParser({ workers: 2 });
    try {
      const texts = Array.from({ length: 12 }, (_, i) => PLAIN(`Burst ${i}`));
      const outcomes = await Promise.all(texts.map((t, i) => parser.parse(t, `/x/2026-04-${String(i + 1).padStart(2, "0")}.md`)));
      expect(outcomes).toEqual(texts.map((t, i) => ({ ok: true, parsed: parseDigest(t, `/x/2026-04-${String(i + 1).padStart(2, "0")}.md`) })));
      expect(threadCount()).toBeGreaterThan(before);
    } finally {
      await parser.close();
    }
  });
});

describe.runIf(process.platform === "linux")("an idle worker parser", () => {
  it("starts no worker before the first file, stops it once idle, and starts one again for the next file", async () => {
    // The thread pool's threads start with the first asynchronous file operation: have them before counting.
    await fs.promises.stat(import.meta.filename);
    await sleep(100);
    const before = threadCount();
    const parser = createWorkerParser({ workers: 1, idleMs: 300 });
    try {
      await sleep(500);
      expect(threadCount()).toBe(before);
      expect(titleOf(await parser.parse(SMALL("First edit"), "/x/2026-03-20.md"))).toBe("First edit");
      expect(threadCount()).toBeGreaterThan(before);
      await waitFor(() => threadCount() === before, "the idle worker stopped");
      expect(titleOf(await parser.parse(SMALL("Next edit"), "/x/2026-03-21.md"))).toBe("Next edit");
      expect(threadCount()).toBeGreaterThan(before);
    } finally {
      await parser.close();
    }
  });

  it("keeps the worker while files keep coming closer together than the idle time", async () => {
    await fs.promises.stat(import.meta.filename);
    const parser = createWorkerParser({ workers: 1, idleMs: 1500 });
    try {
      expect(titleOf(await parser.parse(SMALL("Edit 0"), "/x/2026-03-22.md"))).toBe("Edit 0");
      const up = threadCount();
      for (let i = 1; i <= 5; i++) {
        await sleep(200);
        expect(titleOf(await parser.parse(SMALL(`Edit ${i}`), "/x/2026-03-22.md"))).toBe(`Edit ${i}`);
        expect(threadCount()).toBe(up);
      }
    } finally {
      await parser.close();
    }
  });
});

describe("a stop while the worker is still starting", () => {
  it("ends the parse waiting for it (the archive is closing) instead of waiting for good", async () => {
    const parser = createWorkerParser({ workers: 1 });
    // The first file outside the fast reader's subset starts the worker; the close comes before it is up.
    const parsing = parser.parse(SMALL("During the start"), "/x/2026-03-26.md");
    await new Promise((r) => setImmediate(r));
    await parser.close();
    expect(await parsing).toEqual({ ok: false, message: "/x/2026-03-26.md: not parsed, the archive is closing" });
  });
});
