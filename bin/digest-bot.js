#!/usr/bin/env node
// Launcher for the `digest-bot` CLI: runs the compiled JavaScript in dist/ when it is current, else the TypeScript via tsx.
// It imports the CLI in this same process (no child), so signals sent to this process reach the bot directly.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const stamp = join(root, "dist", ".build-stamp");
/** Folders whose sources dist/ is built from (see scripts/build.mjs). */
const SOURCE_DIRS = ["src", "commands"];

/** Newest modification time of the TypeScript sources, so an edit after the last build is not silently ignored. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function distIsCurrent() {
  if (process.env.DIGEST_BOT_FROM_SOURCE === "1" || !existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return SOURCE_DIRS.every((dir) => !existsSync(join(root, dir)) || newestSource(join(root, dir)) <= built);
}

if (distIsCurrent()) {
  await import(pathToFileURL(join(root, "dist/src/cli/main.js")).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(join(root, "src/cli/main.ts")).href);
}
