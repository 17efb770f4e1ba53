// A bot nobody edits digests for holds no parser worker: the worker starts with the first file and stops when idle.
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { createWorkerParser } from "../../../src/core/digest/digest-parser.js";

const SMALL = (title: string) => `## News\n\n### ${title}\n\nBody.\n`;
/** Threads of this process (Linux; a test file runs in a process of its own): a worker thread is one more. */
const threadCount = (): number => fs.readdirSync("/proc/self/task").length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitFor = async (ok: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 600 && !ok(); i++) await sleep(50);
  if (!ok()) throw new Error(`timed out waiting until ${what}`);
};
const titleOf = (outcome: Awaited<ReturnType<ReturnType<typeof createWorkerParser>["parse"]>>) =>
  outcome.ok ? outcome.parsed.digest.sections[0]?.stories[0]?.title : outcome.message;

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
