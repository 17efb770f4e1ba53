// The parse cache: unchanged files are not parsed again across starts; edits, other parser versions and a broken
// cache file all fall back to parsing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createArchive } from "../../../src/core/digest/archive.js";
import { createLogger } from "../../../src/core/logger.js";
import { openParseCache } from "../../../src/core/digest/parse-cache.js";

const logger = createLogger({ level: "silent" });
const digest = (title: string) => `## Section\n\n### ${title}\n\nBody of ${title}.\n`;
let dir: string;
let cacheFile: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "digest-cache-"));
  fs.mkdirSync(path.join(dir, "digests"));
  cacheFile = path.join(dir, "state", "digest-cache.json");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function load() {
  const cache = await openParseCache(cacheFile, logger);
  const archive = await createArchive({ dir: path.join(dir, "digests"), logger, watch: false, cache });
  await archive.close();
  return archive;
}

const firstTitle = (archive: Awaited<ReturnType<typeof load>>, date: string) => archive.get(date)?.sections[0]?.stories[0]?.title;

/** Rewrites every cached story title, so a test can tell a reused parse from a fresh one. */
function tamperWithCache(title: string) {
  const data = JSON.parse(fs.readFileSync(cacheFile, "utf8")) as { entries: Record<string, { digest: { sections: { stories: { title: string }[] }[] } }> };
  for (const entry of Object.values(data.entries)) entry.digest.sections[0]!.stories[0]!.title = title;
  fs.writeFileSync(cacheFile, JSON.stringify(data));
}

describe("parse cache", () => {
  it("reuses the parse of an unchanged file on the next start", async () => {
    fs.writeFileSync(path.join(dir, "digests", "2026-03-01.md"), digest("Original"));
    expect(firstTitle(await load(), "2026-03-01")).toBe("Original");
    tamperWithCache("From the cache");
    expect(firstTitle(await load(), "2026-03-01")).toBe("From the cache");
  });

  it("parses a file again when its content changed", async () => {
    const file = path.join(dir, "digests", "2026-03-01.md");
    fs.writeFileSync(file, digest("Original"));
    await load();
    tamperWithCache("From the cache");
    fs.writeFileSync(file, digest("Edited"));
    expect(firstTitle(await load(), "2026-03-01")).toBe("Edited");
  });

  it("ignores a cache written by another parser version or a broken file", async () => {
    fs.writeFileSync(path.join(dir, "digests", "2026-03-01.md"), digest("Original"));
    await load();
    tamperWithCache("From the cache");
    const data = JSON.parse(fs.readFileSync(cacheFile, "utf8")) as { parser: string };
    fs.writeFileSync(cacheFile, JSON.stringify({ ...data, parser: "older" }));
    expect(firstTitle(await load(), "2026-03-01")).toBe("Original");
    fs.writeFileSync(cacheFile, "{ not json");
    expect(firstTitle(await load(), "2026-03-01")).toBe("Original");
  });

  it("keeps only the files that are still there", async () => {
    fs.writeFileSync(path.join(dir, "digests", "2026-03-01.md"), digest("One"));
    fs.writeFileSync(path.join(dir, "digests", "2026-03-02.md"), digest("Two"));
    await load();
    expect(Object.keys(JSON.parse(fs.readFileSync(cacheFile, "utf8")).entries)).toHaveLength(2);
    fs.rmSync(path.join(dir, "digests", "2026-03-02.md"));
    await load();
    expect(Object.keys(JSON.parse(fs.readFileSync(cacheFile, "utf8")).entries)).toHaveLength(1);
  });

  it("never caches a bad file: it is reported again on the next start", async () => {
    fs.writeFileSync(path.join(dir, "digests", "2026-03-01.md"), "no headings at all\n");
    expect((await load()).problems()).toHaveLength(1);
    expect((await load()).problems()).toHaveLength(1);
  });
});
