// The settings documented in .env.example and the README are exactly the settings the config schema reads.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigSchema, parseConfig } from "../../src/core/config.js";
import { parseEnv } from "node:util";

const ROOT = join(import.meta.dirname, "../..");
const schemaKeys = Object.keys(ConfigSchema.shape).sort();

describe(".env.example", () => {
  const text = readFileSync(join(ROOT, ".env.example"), "utf8");

  it("lists every setting, and only those", () => {
    expect(Object.keys(parseEnv(text)).sort()).toEqual(schemaKeys);
  });

  it("parses as a valid configuration as it stands", () => {
    expect(() => parseConfig(parseEnv(text) as Record<string, string>)).not.toThrow();
  });
});

describe("README settings table", () => {
  it("documents every setting", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const documented = [...readme.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(schemaKeys);
  });
});
