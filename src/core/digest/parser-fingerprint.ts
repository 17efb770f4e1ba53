// The parse cache's version: a hash of the code whose output the cache keeps, found by following its imports.
//
// A list of file names kept by hand went stale (story ids, outlines and the digest hash were left out, so a change
// to them reused outlines the new code would not have written): the modules that make cached data are named here,
// and every module of ours they import, however deep, is found from their import statements. The packages they
// import (mdast-util-from-markdown, micromark-extension-gfm, …) and the packages those depend on are part of it
// by version: an upgrade of micromark parses differently, and entries it would not write must not be served.
import { createHash } from "node:crypto";
import fs from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The modules whose results the cache stores: the parse (its entries), the outline, and the story ids and digest
 * hash an outline carries (`digest-hash` is imported by `digest-outline`, so it is found).
 */
export const CACHED_DATA_MODULES = ["parse-digest", "digest-outline", "story-ids"] as const;

/**
 * Module specifiers of the imports that run (`import … from`, `export … from`, `import "…"`, `import(…)`);
 * `import type` / `export type` are left out, as the build erases them. A match inside a comment only adds a file.
 */
const IMPORT = /(?:^|[\s;}])(?:import|export)(?!\s+type[\s{*])(?:[^"'`;]*?\bfrom)?\s*\(?\s*["']([^"'\s]+)["']/g;
const isRelative = (specifier: string): boolean => specifier.startsWith("./") || specifier.startsWith("../");

/** The specifiers `file` imports in code that runs. */
function importsOf(file: string): string[] {
  return [...fs.readFileSync(file, "utf8").matchAll(IMPORT)].map((m) => m[1] as string);
}

/**
 * Every file of the code under `root` that the modules `names` in `dir` run, themselves included, sorted. Sources
 * (`.ts`, where the bot runs under tsx) import by their `.js` name; imports leading out of `root` (dependencies,
 * bundled or not) are not followed here: the packages they name are versioned by {@link cachedPackageVersions}.
 */
export function cachedCodeFiles(dir: string, names: readonly string[], root: string, ext: ".ts" | ".js"): string[] {
  const found = new Set<string>();
  const queue = names.map((name) => path.join(dir, name + ext));
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (found.has(file)) continue;
    let specifiers: string[];
    try {
      specifiers = importsOf(file);
    } catch (err) {
      // Only an import named in a comment can lead to a file that is not there.
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && !names.some((n) => path.join(dir, n + ext) === file)) continue;
      throw err;
    }
    found.add(file);
    for (const specifier of specifiers.filter(isRelative)) {
      const target = path.resolve(path.dirname(file), specifier.replace(/\.js$/, ext));
      if (target.startsWith(root + path.sep) && !found.has(target)) queue.push(target);
    }
  }
  return [...found].sort();
}

/**
 * The files outside `root` that `files` import by a relative path, and every file those import so (however deep):
 * the dependencies the build bundled into dist/vendor/ (`../../../vendor/micromark-extension-gfm.js` and its shared
 * chunks), whose bytes change with the packages' versions. Sorted; none when running from source.
 */
export function bundledCodeFiles(files: readonly string[], root: string): string[] {
  const found = new Set<string>();
  const outside = (from: string) =>
    importsOf(from)
      .filter(isRelative)
      .map((s) => path.resolve(path.dirname(from), s))
      .filter((target) => !target.startsWith(root + path.sep) && fs.existsSync(target));
  const queue = files.flatMap(outside);
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (found.has(file)) continue;
    found.add(file);
    queue.push(...outside(file));
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
  const ours = cachedCodeFiles(dir, CACHED_DATA_MODULES, root, file.endsWith(".ts") ? ".ts" : ".js");
  const files = [...ours, ...bundledCodeFiles(ours, root)];
  for (const code of files) hash.update(`${path.relative(root, code)}\n`).update(fs.readFileSync(code)).update("\0");
  for (const version of cachedPackageVersions(files)) hash.update(`${version}\n`);
  return hash.digest("hex");
}

/** The package a bare specifier names: `micromark/lib/x.js` → `micromark`, `@scope/name/sub` → `@scope/name`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

/**
 * The folder of package `name` as Node finds it for code in `fromDir`: the nearest `node_modules/<name>` with a
 * package.json, up from `fromDir`, as its real path (Node resolves a package's own imports from there).
 */
function findPackage(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return fs.realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * `name@version` of every package the `files` import in code that runs (not Node's own), and of every package
 * those depend on (`dependencies`, `optionalDependencies`), each resolved the way Node resolves it; a dependency
 * not installed is `name (not installed)`. Sorted, each once: for the mdast/micromark stack some 40 small reads.
 */
export function cachedPackageVersions(files: readonly string[]): string[] {
  const out = new Set<string>();
  const seen = new Set<string>();
  const queue: { name: string; from: string }[] = [];
  for (const file of files) {
    for (const specifier of importsOf(file)) {
      if (!isRelative(specifier) && !specifier.startsWith("/") && !isBuiltin(specifier)) queue.push({ name: packageName(specifier), from: path.dirname(file) });
    }
  }
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    const dir = findPackage(next.name, next.from);
    if (dir === undefined) {
      out.add(`${next.name} (not installed)`);
      continue;
    }
    if (seen.has(dir)) continue;
    seen.add(dir);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
      version?: unknown;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    out.add(`${next.name}@${String(manifest.version)}`);
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) queue.push({ name: dep, from: dir });
  }
  return [...out].sort();
}
