// Where this package is installed: relative path defaults (data/digests, data/state) resolve here, not in the cwd.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: { root: string; version: string } | undefined;

/**
 * The package root (the folder holding digest-bot's package.json) and its version, found by walking up from this
 * module, so it is the same from the sources (src/core/) and the build (dist/src/core/).
 *
 * @example
 * resolve(packageRoot().root, "data/state"); // "/srv/digest-bot/data/state", whatever the cwd
 */
export function packageRoot(): { root: string; version: string } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "digest-bot") return (cached = { root: dir, version: pkg.version ?? "0.0.0" });
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`digest-bot: cannot find the package's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
