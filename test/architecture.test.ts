// Guards the layering (core and commands never import a platform library or an adapter) and the house rules on files.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const PLATFORM_IMPORT = /from\s+["'](discord\.js|grammy|@grammyjs\/[^"']*|@discordjs\/[^"']*|[^"']*\/(discord|telegram)\/[^"']*)["']/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

function offenders(dir: string): string[] {
  return sourceFiles(join(ROOT, dir))
    .filter((file) => PLATFORM_IMPORT.test(readFileSync(file, "utf8")))
    .map((file) => relative(ROOT, file));
}

describe("layering", () => {
  it("src/core imports neither discord.js, grammY nor an adapter", () => {
    expect(sourceFiles(join(ROOT, "src/core")).length).toBeGreaterThan(5);
    expect(offenders("src/core")).toEqual([]);
  });

  it("commands/ imports neither discord.js, grammY nor an adapter", () => {
    expect(offenders("commands")).toEqual([]);
  });

  it("the check itself recognises a platform import", () => {
    expect(PLATFORM_IMPORT.test(`import { Client } from "discord.js";`)).toBe(true);
    expect(PLATFORM_IMPORT.test(`import { Bot } from "grammy";`)).toBe(true);
    expect(PLATFORM_IMPORT.test(`import { x } from "../telegram/telegram-render.js";`)).toBe(true);
    expect(PLATFORM_IMPORT.test(`import { z } from "zod";`)).toBe(false);
  });

  it("only the CLI reads process.env or writes with console.log", () => {
    const bad = [...sourceFiles(join(ROOT, "src")), ...sourceFiles(join(ROOT, "commands"))]
      .filter((f) => !relative(ROOT, f).startsWith("src/cli/"))
      .filter((f) => /console\.log\(|process\.env\b/.test(readFileSync(f, "utf8").replace(/^\s*(\/\/|\*).*$/gm, "")))
      .map((f) => relative(ROOT, f));
    expect(bad.filter((f) => f !== "src/core/config.ts")).toEqual([]);
  });
});

/** The project's own code, tree by tree: what git would ship or run (node_modules, dist and data are not code). */
const TREES = ["src", "commands", "test", "bench", "scripts", "bin"];
const CODE = /\.(ts|mts|cts|js|mjs|cjs)$/;

function codeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "fixtures" ? [] : codeFiles(path);
    return CODE.test(name) ? [path] : [];
  });
}

const allCode = () => TREES.flatMap((tree) => codeFiles(join(ROOT, tree)));

/** A file name that stands at two depths of one tree, with the paths it stands at. */
function namesAtTwoDepths(files: readonly string[]): string[] {
  const depths = new Map<string, Map<number, string[]>>();
  for (const file of files) {
    const parts = file.split("/");
    const name = parts.at(-1)!;
    const byDepth = depths.get(name) ?? new Map<number, string[]>();
    byDepth.set(parts.length, [...(byDepth.get(parts.length) ?? []), file]);
    depths.set(name, byDepth);
  }
  return [...depths].filter(([, byDepth]) => byDepth.size > 1).map(([name, byDepth]) => `${name}: ${[...byDepth.values()].flat().sort().join(", ")}`);
}

/** The first line of a file after a shebang: it must be a `//` comment saying what the file is for. */
function purposeLine(text: string): string {
  const lines = text.split("\n");
  return (lines[0]!.startsWith("#!") ? lines[1] : lines[0]) ?? "";
}
const PURPOSE = /^\/\/ \S.{9,}/;

describe("house rules on files", () => {
  it("no file name stands at two depths of one tree (an import of ../publisher.js would not say which)", () => {
    // Per tree: commands/ files are named by the command they define and tests mirror src/, so a name may recur across trees.
    expect(codeFiles(join(ROOT, "src")).length).toBeGreaterThan(100);
    const repeated = TREES.flatMap((tree) => namesAtTwoDepths(codeFiles(join(ROOT, tree)).map((f) => relative(ROOT, f))));
    expect(repeated).toEqual([]);
  });

  it("the same-name check itself tells a name at two depths from parallel modules at one depth", () => {
    expect(namesAtTwoDepths(["src/discord/index.ts", "src/telegram/index.ts"])).toEqual([]);
    expect(namesAtTwoDepths(["src/console/publisher.ts", "src/core/delivery/publisher.ts", "src/a.ts"])).toEqual([
      "publisher.ts: src/console/publisher.ts, src/core/delivery/publisher.ts",
    ]);
  });

  it("no code file is over 400 lines", () => {
    const long = allCode()
      .map((f) => ({ file: relative(ROOT, f), lines: readFileSync(f, "utf8").replace(/\n$/, "").split("\n").length }))
      .filter((f) => f.lines > 400)
      .map((f) => `${f.file}: ${f.lines} lines`);
    expect(long).toEqual([]);
  });

  it("every code file starts with a one-line comment on what it is for (after a shebang)", () => {
    const files = allCode();
    expect(files.length).toBeGreaterThan(300);
    const bare = files.filter((f) => !PURPOSE.test(purposeLine(readFileSync(f, "utf8")))).map((f) => relative(ROOT, f));
    expect(bare).toEqual([]);
  });

  it("the purpose check itself refuses an import, a blank or a bare // as the first line", () => {
    expect(PURPOSE.test(purposeLine("// The console's publisher: daily posts printed to the terminal.\nimport x"))).toBe(true);
    expect(PURPOSE.test(purposeLine("#!/usr/bin/env node\n// Launcher for the CLI: runs dist/ when current.\n"))).toBe(true);
    expect(PURPOSE.test(purposeLine('import { z } from "zod";\n'))).toBe(false);
    expect(PURPOSE.test(purposeLine("\n// late\n"))).toBe(false);
    expect(PURPOSE.test(purposeLine("//\n"))).toBe(false);
    expect(PURPOSE.test(purposeLine("/* block */\n"))).toBe(false);
  });
});
