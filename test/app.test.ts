// The composition root's files: everything the bot writes to DATA_DIR is private to its user (dir 0700, files 0600).
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
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
