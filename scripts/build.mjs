#!/usr/bin/env node
// Build: transpiles src/ and commands/ to plain JavaScript in dist/ (same layout), so the bot and the CLI start without tsx.
// Run by `npm install` (prepare) and `npm run build`; type-checking stays with `npm test` (tsc --noEmit).
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
/** Source folders compiled into dist/ (keep in step with SOURCE_DIRS in bin/digest-bot.js). */
const SOURCE_DIRS = ["src", "commands"];
/** Written last: its presence means dist/ is complete; bin/digest-bot.js compares its age with the sources. */
const STAMP = join(root, "dist", ".build-stamp");

function sourcesIn(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourcesIn(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  // Without esbuild (an install that skipped it) the launcher runs the TypeScript sources through tsx instead.
  process.stderr.write("digest-bot build: esbuild is not installed; the CLI will run from source (slower start)\n");
  process.exit(0);
}

const started = Date.now();
rmSync(join(root, "dist"), { recursive: true, force: true });
const entryPoints = SOURCE_DIRS.flatMap((dir) => sourcesIn(join(root, dir)));
await esbuild.build({
  entryPoints,
  outdir: join(root, "dist"),
  outbase: root,
  platform: "node",
  format: "esm",
  target: "node20",
  bundle: false,
  logLevel: "warning",
});
writeFileSync(STAMP, `${new Date().toISOString()}\n`);
process.stdout.write(`digest-bot build: ${entryPoints.length} files -> ${relative(process.cwd(), join(root, "dist")) || "dist"} in ${Date.now() - started} ms\n`);
