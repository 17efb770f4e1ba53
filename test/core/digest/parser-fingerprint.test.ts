// The parse cache's version follows the code whose output it keeps: every module the parse and the outline run, found from their imports.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { afterEach, describe, expect, it } from "vitest";
import { bundledCodeFiles, CACHED_DATA_MODULES, cachedCodeFiles, cachedPackageVersions, parserFingerprint } from "../../../src/core/digest/parser-fingerprint.js";

const SRC = path.resolve("src");
const DIGEST = path.join(SRC, "core", "digest");
let tmp: string | undefined;
afterEach(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

/** The modules of ours `file` imports in code that runs, as the TypeScript compiler reads its syntax. */
function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text);
    if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      specifiers.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers.filter((s) => s.startsWith(".")).map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, ".ts")));
}

/** The closure of `roots` over `importsOf`, within src/. */
function compilerClosure(roots: string[]): string[] {
  const found = new Set<string>();
  const queue = [...roots];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (found.has(file) || !file.startsWith(SRC + path.sep)) continue;
    found.add(file);
    queue.push(...importsOf(file));
  }
  return [...found].sort();
}

const relative = (files: string[]) => files.map((f) => path.relative(SRC, f));

describe("the parse cache's fingerprint", () => {
  it("covers every module the parse and the outline import, however deep, as the compiler reads the imports", () => {
    const roots = CACHED_DATA_MODULES.map((name) => path.join(DIGEST, `${name}.ts`));
    const covered = relative(cachedCodeFiles(DIGEST, CACHED_DATA_MODULES, SRC, ".ts"));
    const needed = relative(compilerClosure(roots));
    expect(needed.filter((f) => !covered.includes(f)), "modules the cached data's code runs that the fingerprint leaves out").toEqual([]);
    expect(covered).toEqual(needed);
    // The ones a hand-kept list once forgot: the outline, the story ids and the digest hash it carries.
    for (const name of ["story-ids", "digest-outline", "digest-hash", "parse-digest", "fast-inline", "model"]) {
      expect(covered).toContain(path.join("core", "digest", `${name}.ts`));
    }
  });

  it("follows every import form through other folders, and leaves out type-only imports and code outside the root", () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "parser-fingerprint-"));
    const root = path.join(tmp, "src");
    const files: Record<string, string> = {
      "core/digest/main.js": [
        `import {\n  one,\n  two,\n} from "./multi-line.js";`,
        `import type { Only } from "./type-only.js";`,
        `export type { Also } from "./type-export.js";`,
        `export { three } from "../shared/re-export.js";`,
        `import "./side-effect.js";`,
        `const lazy = await import("./dynamic.js");`,
        `import { parse } from "../../../vendor/bundle.js";`,
        `import { z } from "zod";`,
      ].join("\n"),
      "core/digest/multi-line.js": `import { deep } from "./deeper/deep.js";\n`,
      "core/digest/deeper/deep.js": `export const deep = 1;\n`,
      "core/digest/type-only.js": "",
      "core/digest/type-export.js": "",
      "core/shared/re-export.js": `import { main } from "../digest/main.js"; // a cycle\n`,
      "core/digest/side-effect.js": "",
      "core/digest/dynamic.js": "",
      "../vendor/bundle.js": "",
    };
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      fs.writeFileSync(path.join(root, name), text);
    }
    const found = cachedCodeFiles(path.join(root, "core", "digest"), ["main"], root, ".js").map((f) => path.relative(root, f));
    expect(found).toEqual(
      ["core/digest/deeper/deep.js", "core/digest/dynamic.js", "core/digest/main.js", "core/digest/multi-line.js", "core/digest/side-effect.js", "core/shared/re-export.js"].map(
        (f) => f.split("/").join(path.sep),
      ),
    );
  });

  it("changes with any module the cached data's code imports, and not with the rest of the archive's code", () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "parser-fingerprint-"));
    const copy = path.join(tmp, "src");
    fs.cpSync(SRC, copy, { recursive: true });
    const self = path.join(copy, "core", "digest", "parser-fingerprint.ts");
    const before = parserFingerprint(2, self);
    expect(parserFingerprint(3, self)).not.toBe(before);
    fs.appendFileSync(path.join(copy, "core", "digest", "archive-view.ts"), "\n// not part of what is cached\n");
    expect(parserFingerprint(2, self)).toBe(before);
    fs.appendFileSync(path.join(copy, "core", "digest", "digest-hash.ts"), "\n// a change to the hash an outline carries\n");
    expect(parserFingerprint(2, self)).not.toBe(before);
  });

  it("changes when a parsing dependency's version changes, directly imported or one it depends on (micromark), and not otherwise", () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "parser-fingerprint-"));
    const copy = path.join(tmp, "src");
    fs.cpSync(SRC, copy, { recursive: true });
    // Fake packages where Node would find them for the copied code: the real node_modules is not touched.
    const pkg = (name: string, version: string, dependencies: Record<string, string> = {}) => {
      fs.mkdirSync(path.join(tmp!, "node_modules", name), { recursive: true });
      fs.writeFileSync(path.join(tmp!, "node_modules", name, "package.json"), JSON.stringify({ name, version, dependencies }));
    };
    pkg("mdast-util-from-markdown", "2.0.2", { micromark: "^4.0.0", "mdast-util-to-string": "^4.0.0" });
    pkg("micromark", "4.0.1");
    pkg("mdast-util-to-string", "4.0.0");
    pkg("pino", "9.0.0"); // not imported by the parse
    const self = path.join(copy, "core", "digest", "parser-fingerprint.ts");
    const before = parserFingerprint(2, self);
    expect(parserFingerprint(2, self)).toBe(before);
    pkg("pino", "9.1.0");
    expect(parserFingerprint(2, self)).toBe(before);
    pkg("micromark", "4.0.2");
    const upgraded = parserFingerprint(2, self);
    expect(upgraded).not.toBe(before);
    pkg("mdast-util-from-markdown", "2.0.3", { micromark: "^4.0.0", "mdast-util-to-string": "^4.0.0" });
    expect(parserFingerprint(2, self)).not.toBe(upgraded);
    pkg("mdast-util-from-markdown", "2.0.2", { micromark: "^4.0.0", "mdast-util-to-string": "^4.0.0" });
    pkg("micromark", "4.0.1");
    expect(parserFingerprint(2, self)).toBe(before);
  });

  it("resolves a package the way Node does: the nearest node_modules up from the importing file, then from the package itself", () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "parser-fingerprint-"));
    const write = (name: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(tmp!, name)), { recursive: true });
      fs.writeFileSync(path.join(tmp!, name), text);
    };
    const manifest = (name: string, version: string, dependencies: Record<string, string> = {}) => JSON.stringify({ name, version, dependencies });
    write("app/src/core/digest/main.js", `import { parse } from "parser/sub/path.js";\nimport { z } from "@scope/schema";\nimport fs from "node:fs";\nimport type { T } from "types-only";\n`);
    write("node_modules/parser/package.json", manifest("parser", "1.0.0"));
    write("app/node_modules/parser/package.json", manifest("parser", "2.0.0", { core: "^3.0.0", gone: "^1.0.0" }));
    write("app/node_modules/core/package.json", manifest("core", "1.0.0"));
    write("app/node_modules/parser/node_modules/core/package.json", manifest("core", "3.0.0"));
    write("app/node_modules/@scope/schema/package.json", manifest("@scope/schema", "0.5.0"));
    write("app/node_modules/types-only/package.json", manifest("types-only", "1.0.0"));
    const files = cachedCodeFiles(path.join(tmp, "app", "src", "core", "digest"), ["main"], path.join(tmp, "app", "src"), ".js");
    expect(cachedPackageVersions(files)).toEqual(["@scope/schema@0.5.0", "core@3.0.0", "gone (not installed)", "parser@2.0.0"]);
  });

  it("from the build (dist/), follows the dependencies bundled into dist/vendor/ and their shared chunks, and not the other bundles", () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "parser-fingerprint-"));
    const write = (name: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(tmp!, name)), { recursive: true });
      fs.writeFileSync(path.join(tmp!, name), text);
    };
    // The layout scripts/build.mjs writes: dist/src/… importing ../../../vendor/<package>.js.
    write("dist/src/core/digest/parse-digest.js", `import { gfm } from "../../../vendor/micromark-extension-gfm.js";\nimport { a } from "./story-ids.js";\n`);
    write("dist/src/core/digest/digest-outline.js", "");
    write("dist/src/core/digest/story-ids.js", "");
    write("dist/src/core/digest/parser-fingerprint.js", "");
    write("dist/vendor/micromark-extension-gfm.js", `import { m } from "./chunk-AAAA.js";\nexport const gfm = m;\n`);
    write("dist/vendor/chunk-AAAA.js", "export const m = 1; // micromark 4.0.1\n");
    write("dist/vendor/kysely.js", "export const k = 1;\n");
    const self = path.join(tmp, "dist", "src", "core", "digest", "parser-fingerprint.js");
    const ours = cachedCodeFiles(path.dirname(self), CACHED_DATA_MODULES, path.join(tmp, "dist", "src"), ".js");
    expect(bundledCodeFiles(ours, path.join(tmp, "dist", "src")).map((f) => path.relative(tmp!, f))).toEqual(
      ["dist/vendor/chunk-AAAA.js", "dist/vendor/micromark-extension-gfm.js"].map((f) => f.split("/").join(path.sep)),
    );
    const before = parserFingerprint(2, self);
    write("dist/vendor/kysely.js", "export const k = 2;\n");
    expect(parserFingerprint(2, self)).toBe(before);
    write("dist/vendor/chunk-AAAA.js", "export const m = 2; // micromark 4.0.2\n");
    expect(parserFingerprint(2, self)).not.toBe(before);
  });
});
