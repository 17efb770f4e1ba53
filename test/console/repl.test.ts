// The console as a REPL, through readline with terminal:true over plain streams: editing, history, completion, Ctrl+C, output above the prompt.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { runConsole } from "../../src/console/run-console.js";
import { CONSOLE_HISTORY_FILE } from "../../src/console/repl.js";
import { startHarness, type Harness } from "../commands/app-harness.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/digests");
let h: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Strips terminal escape sequences, so assertions read what a user sees. */
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

async function terminalSession(harness: Harness, extra: Partial<Parameters<typeof runConsole>[0]> = {}) {
  const input = new PassThrough();
  // A terminal's width: readline computes cursor moves from it.
  const output = Object.assign(new PassThrough(), { columns: 80, rows: 24 });
  let printed = "";
  output.on("data", (c: Buffer) => (printed += c.toString()));
  const done = runConsole({ app: harness.app, input, output, terminal: true, prompt: true, schedule: false, ...extra });
  const waitFor = async (text: string) => {
    const deadline = Date.now() + 10_000;
    while (!plain(printed).includes(text)) {
      if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(text)} in ${JSON.stringify(plain(printed))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await waitFor("> ");
  /** Keys as a terminal sends them: one chunk per key press (readline treats a chunk with a return as a paste). */
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      input.write(key);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { input, press, printed: () => plain(printed), raw: () => printed, done, waitFor };
}

function newDataDir(): string {
  const d = mkdtempSync(join(tmpdir(), "digest-bot-repl-"));
  dirs.push(d);
  return d;
}

describe("console REPL", () => {
  it("edits the line with arrow keys instead of putting escape codes into the query", async () => {
    h = await startHarness({ locale: "en", digestDir: FIXTURES, dataDir: newDataDir() });
    const s = await terminalSession(h);
    // Typed "/sectins", then Left ×2 and the missing "o": "/sections".
    await s.press("/sectins", "\x1b[D", "\x1b[D", "o", "\r");
    await s.waitFor("Sections of the");
    expect(s.printed()).not.toContain("No /sectins");
    s.input.end();
    await s.done;
  });

  it("completes command names and option names with Tab", async () => {
    h = await startHarness({ locale: "en", digestDir: FIXTURES, dataDir: newDataDir() });
    const s = await terminalSession(h);
    s.input.write("/sect");
    s.input.write("\t");
    await new Promise((r) => setTimeout(r, 100));
    // Two matches: /section and /sections are listed.
    s.input.write("\t");
    await s.waitFor("/sections");
    s.input.write("\x15/search model pa\t");
    await s.waitFor("/search model page:");
    s.input.write("\x15");
    s.input.end();
    await s.done;
  });

  it("keeps history in DATA_DIR across sessions and recalls it with the up arrow", async () => {
    const dataDir = newDataDir();
    h = await startHarness({ locale: "en", digestDir: FIXTURES, dataDir });
    let s = await terminalSession(h);
    s.input.write("/sections\r");
    await s.waitFor("Sections of the");
    s.input.end();
    await s.done;
    expect(readFileSync(join(dataDir, CONSOLE_HISTORY_FILE), "utf8")).toBe("/sections\n");

    s = await terminalSession(h);
    s.input.write("\x1b[A\r");
    await s.waitFor("Sections of the");
    s.input.end();
    await s.done;
  });

  it("Ctrl+C clears a typed line, and on an empty line quits with the goodbye line", async () => {
    h = await startHarness({ locale: "en", digestDir: FIXTURES, dataDir: newDataDir() });
    const s = await terminalSession(h);
    s.input.write("/story half typed");
    s.input.write("\x03");
    await s.waitFor("^C");
    s.input.write("/sections\r");
    await s.waitFor("Sections of the");
    expect(s.printed()).not.toContain("half typed/sections");
    s.input.write("\x03");
    await s.done;
    expect(s.printed().endsWith("^C\nBye.\n")).toBe(true);
  });

  it("prints a digest reload above the prompt and redraws what was typed", async () => {
    const digestDir = newDataDir();
    writeFileSync(join(digestDir, "2026-02-21.md"), readFileSync(join(FIXTURES, "2026-02-21.md")));
    h = await startHarness({ locale: "en", digestDir, dataDir: newDataDir(), watch: true });
    const s = await terminalSession(h);
    s.input.write("/sec");
    const source = readFileSync(join(FIXTURES, "2026-02-21.md"), "utf8");
    writeFileSync(join(digestDir, "2026-02-22.md"), source.replaceAll("2026-02-21", "2026-02-22"));
    await s.waitFor("Loaded the 2026-02-22 digest: 2 sections, 3 stories");
    // After the reload line: the prompt again with the half-typed text.
    const after = s.printed().slice(s.printed().indexOf("Loaded the 2026-02-22 digest: 2 sections, 3 stories"));
    expect(after).toMatch(/\n> \/sec$/);
    s.input.write("\x15");
    s.input.end();
    await s.done;
  });

  it("prints log lines above the prompt through the console logger, with the typed text redrawn", async () => {
    h = await startHarness({ locale: "en", digestDir: FIXTURES, dataDir: newDataDir() });
    const { createConsoleLogger } = await import("../../src/console/console-logger.js");
    const { logger, redirect } = createConsoleLogger(h.app.config);
    const s = await terminalSession(h, { redirectLogs: redirect });
    await s.press("/sto");
    logger.warn("a warning while typing");
    await s.waitFor("a warning while typing");
    const after = s.printed().slice(s.printed().indexOf("a warning while typing"));
    expect(after).toMatch(/a warning while typing\n> \/sto$/);
    s.input.write("\x15");
    s.input.end();
    await s.done;
  });
});
