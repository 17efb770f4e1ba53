#!/usr/bin/env node
// Build: transpiles src/ and commands/ to plain JavaScript in dist/ (same layout), so the bot and the CLI start without tsx.
// Run by `npm install` (prepare) and `npm run build`; type-checking stays with `npm test` (tsc --noEmit).
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
/** Source folders compiled into dist/ (keep in step with SOURCE_DIRS in bin/digest-bot.js). */
const SOURCE_DIRS = ["src", "commands"];
/**
 * ESM dependencies made of hundreds of small modules, pre-bundled into dist/vendor/ (shared code in common chunks):
 * loading a few files instead of hundreds is most of a CLI start (`check` loads the Markdown parser and zod; the
 * bot the Markdown parser, yaml and kysely, whose ~270 files alone were ~0.1 s of CPU at every start).
 */
const VENDORED = [
  "kysely",
  "mdast-util-from-markdown",
  "mdast-util-frontmatter",
  "mdast-util-gfm",
  "mdast-util-to-string",
  "micromark-extension-frontmatter",
  "micromark-extension-gfm",
  "yaml",
  "zod",
];
/**
 * Packages whose Node entry is CommonJS (its names unknown to an ESM bundle) but which ship the same code as ESM
 * for browsers: that file is vendored instead. yaml's Node entry is ~70 CommonJS files.
 */
const VENDOR_ENTRY = { yaml: join(root, "node_modules", "yaml", "browser", "index.js") };
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
const vendorDir = join(root, "dist", "vendor");
const vendorFile = (name) => join(vendorDir, `${name}.js`);
await esbuild.build({
  entryPoints: VENDORED.map((name) => ({ in: `vendor:${name}`, out: name })),
  outdir: vendorDir,
  platform: "node",
  format: "esm",
  target: "node20",
  bundle: true,
  splitting: true,
  chunkNames: "chunk-[hash]",
  logLevel: "warning",
  plugins: [
    {
      name: "vendor-entries",
      setup(build) {
        build.onResolve({ filter: /^vendor:/ }, (args) => ({ path: args.path.slice("vendor:".length), namespace: "vendor" }));
        build.onLoad({ filter: /.*/, namespace: "vendor" }, (args) => ({ contents: `export * from ${JSON.stringify(VENDOR_ENTRY[args.path] ?? args.path)};`, resolveDir: root }));
      },
    },
  ],
});
await esbuild.build({
  entryPoints,
  outdir: join(root, "dist"),
  outbase: root,
  platform: "node",
  format: "esm",
  target: "node20",
  // "Bundle" only to rewrite imports: every import stays external, vendored packages point at dist/vendor/.
  bundle: true,
  logLevel: "warning",
  plugins: [
    {
      name: "externals",
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind === "entry-point") return undefined;
          if (VENDORED.includes(args.path)) {
            const out = join(root, "dist", relative(root, args.importer)).replace(/\.ts$/, ".js");
            let rel = relative(dirname(out), vendorFile(args.path));
            if (!rel.startsWith(".")) rel = `./${rel}`;
            return { path: rel, external: true };
          }
          return { path: args.path, external: true };
        });
      },
    },
  ],
});
writeFileSync(STAMP, `${new Date().toISOString()}\n`);
process.stdout.write(`digest-bot build: ${entryPoints.length} files -> ${relative(process.cwd(), join(root, "dist")) || "dist"} in ${Date.now() - started} ms\n`);
