// Guards the layering: core and commands never import a platform library or an adapter.
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
