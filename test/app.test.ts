// The composition root's files: everything the bot writes to DATA_DIR is private to its user (dir 0700, files 0600).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, expect, it } from "vitest";
import { createApp } from "../src/app.js";
import { parseConfig } from "../src/core/config.js";

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

it("creates DATA_DIR 0700 with the state database, search index and parse cache 0600, even under a permissive umask", async () => {
  root = mkdtempSync(join(tmpdir(), "digest-bot-app-"));
  const dataDir = join(root, "state");
  const previous = process.umask(0o002);
  try {
    const config = parseConfig({ DIGEST_DIR: join(import.meta.dirname, "fixtures/digests"), DATA_DIR: dataDir });
    const app = await createApp({ config, logger: pino({ level: "silent" }), watch: false });
    await app.ready;
    await app.delivery.subscribe({ platform: "console", id: "local" });
    await app.close();
  } finally {
    process.umask(previous);
  }
  expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  const files = readdirSync(dataDir);
  expect(files).toEqual(expect.arrayContaining(["digest-bot.sqlite", "search-index.bin", "digest-cache"]));
  // Folders (the parse cache's) 0700, every file at any depth 0600.
  for (const entry of readdirSync(dataDir, { recursive: true, encoding: "utf8" })) {
    const stat = statSync(join(dataDir, entry));
    expect([entry, stat.mode & 0o777]).toEqual([entry, stat.isDirectory() ? 0o700 : 0o600]);
  }
});

it("a stop signal during the first load cuts the digest parse in flight short instead of waiting for it", async () => {
  root = mkdtempSync(join(tmpdir(), "digest-bot-app-"));
  const digests = join(root, "digests");
  mkdirSync(digests);
  const file = join(digests, "2026-03-01.md");
  writeFileSync(file, "## S\n\n### A story\n\nBody.\n");
  const config = parseConfig({ DIGEST_DIR: digests, DATA_DIR: join(root, "state") });
  const stop = new AbortController();
  const opening = createApp({ config, logger: pino({ level: "silent" }), signal: stop.signal });
  stop.abort(new Error("stopping: SIGTERM")); // arrives while the parser is still starting
  const app = await opening;
  await app.close();
  expect(app.archive.problems()).toEqual([{ file, message: `${file}: not parsed, the archive is closing` }]);
});
