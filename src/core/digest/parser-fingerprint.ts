// The parse cache's version: a hash of the code whose output the cache keeps, found by following its imports.
//
// A list of file names kept by hand went stale (story ids, outlines and the digest hash were left out, so a change
// to them reused outlines the new code would not have written): the modules that make cached data are named here,
// and every module of ours they import, however deep, is found from their import statements.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The modules whose results the cache stores: the parse (its entries), the outline, and the story ids and digest
 * hash an outline carries (`digest-hash` is imported by `digest-outline`, so it is found).
 */
export const CACHED_DATA_MODULES = ["parse-digest", "digest-outline", "story-ids"] as const;

/**
 * Relative module specifiers of the imports that run (`import … from`, `export … from`, `import "…"`, `import(…)`);
 * `import type` / `export type` are left out, as the build erases them. A match inside a comment only adds a file.
 */
const IMPORT = /(?:^|[\s;}])(?:import|export)(?!\s+type[\s{*])(?:[^"'`;]*?\bfrom)?\s*\(?\s*["'](\.\.?\/[^"']+)["']/g;

/**
 * Every file of the code under `root` that the modules `names` in `dir` run, themselves included, sorted. Sources
 * (`.ts`, where the bot runs under tsx) import by their `.js` name; imports leading out of `root` (dependencies,
 * bundled or not) are not followed: their versions are not part of the fingerprint.
 */
export function cachedCodeFiles(dir: string, names: readonly string[], root: string, ext: ".ts" | ".js"): string[] {
  const found = new Set<string>();
  const queue = names.map((name) => path.join(dir, name + ext));
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (found.has(file)) continue;
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      // Only an import named in a comment can lead to a file that is not there.
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && !names.some((n) => path.join(dir, n + ext) === file)) continue;
      throw err;
    }
    found.add(file);
    for (const match of text.matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), (match[1] as string).replace(/\.js$/, ext));
      if (target.startsWith(root + path.sep) && !found.has(target)) queue.push(target);
    }
  }
  return [...found].sort();
}

/**
 * The fingerprint of the parser's code next to `moduleFile` (this module by default; works from source, as tests
 * run, and from dist/), for the cache layout `format`.
 */
export function parserFingerprint(format: number, moduleFile = fileURLToPath(import.meta.url)): string {
  const file = moduleFile;
  const dir = path.dirname(file);
  const root = path.resolve(dir, "..", "..");
  const hash = createHash("sha256").update(`format ${format}\n`);
  for (const code of cachedCodeFiles(dir, CACHED_DATA_MODULES, root, file.endsWith(".ts") ? ".ts" : ".js")) {
    hash.update(`${path.relative(root, code)}\n`).update(fs.readFileSync(code)).update("\0");
  }
  return hash.digest("hex");
}
