// Tests for the command loader (validation, duplicates), runCommand (coercion, admin, failures) and text parsing.
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { defineCommand, type CommandContext, type CommandDefinition } from "../../src/core/command.js";
import {
  CommandDefinitionError,
  UserError,
  codePointCount,
  createCommandRegistry,
  loadCommands,
  parseTextCommand,
  runCommand,
  runTextCommand,
  usageOf,
} from "../../src/core/command-registry.js";
import { createLogger } from "../../src/core/logger.js";

const d = (zh: string, en = zh) => ({ zh, en });

function def(overrides: Partial<CommandDefinition> = {}): CommandDefinition {
  return defineCommand({
    name: "echo",
    description: d("回显", "Echo"),
    options: [],
    execute: (ctx) => ({ type: "notice", tone: "info", text: JSON.stringify(ctx.options) }),
    ...overrides,
  });
}

function problemsOf(defs: CommandDefinition[]): string {
  try {
    createCommandRegistry(defs.map((definition, i) => ({ definition, file: `commands/c${i}.ts` })));
  } catch (err) {
    expect(err).toBeInstanceOf(CommandDefinitionError);
    return (err as Error).message;
  }
  return "no error";
}

describe("createCommandRegistry validation", () => {
  it("rejects a duplicate command name, naming both files", () => {
    expect(problemsOf([def(), def()])).toBe('commands: duplicate command name "echo" in commands/c0.ts and commands/c1.ts');
  });

  it("rejects bad names, descriptions, option order and limits with exact messages", () => {
    const bad = def({
      name: "Echo-Cmd",
      description: d("x".repeat(101), ""),
      options: [
        { name: "opt", type: "string", description: d("可选", "optional") },
        { name: "Need Me", type: "string", description: d("必填", "required"), required: true },
        { name: "n", type: "integer", description: d("数", "number"), minValue: 5, maxValue: 1, maxLength: 3 },
        { name: "opt", type: "boolean", description: d("重复", "duplicate") },
      ],
    });
    expect(problemsOf([bad])).toBe(
      [
        "commands:",
        '  - commands/c0.ts: command "Echo-Cmd": name must be 1-32 characters of a-z, 0-9 or "_" (Discord and Telegram rules)',
        '  - commands/c0.ts: command "Echo-Cmd": description.zh is 101 characters; the limit is 100',
        '  - commands/c0.ts: command "Echo-Cmd": description.en is missing',
        '  - commands/c0.ts: command "Echo-Cmd", option "Need Me": name must be 1-32 characters of a-z, 0-9, "_" or "-" (Discord rule)',
        '  - commands/c0.ts: command "Echo-Cmd", option "Need Me": required option comes after optional option "opt"; put required options first',
        '  - commands/c0.ts: command "Echo-Cmd", option "n": minLength/maxLength only apply to string options',
        '  - commands/c0.ts: command "Echo-Cmd", option "n": minValue 5 is above maxValue 1',
        '  - commands/c0.ts: command "Echo-Cmd", option "opt": duplicate option name',
      ].join("\n"),
    );
  });

  it("rejects two free-text options and a date role on a non-string option", () => {
    const bad = def({
      options: [
        { name: "a", type: "string", description: d("a"), textRole: "rest" },
        { name: "b", type: "string", description: d("b"), textRole: "rest" },
        { name: "c", type: "integer", description: d("c"), textRole: "date" },
      ],
    });
    expect(problemsOf([bad])).toBe(
      [
        "commands:",
        '  - commands/c0.ts: command "echo", option "c": textRole "date" needs a string option',
        '  - commands/c0.ts: command "echo": only one option may have textRole "rest", got a, b',
      ].join("\n"),
    );
  });

  it("rejects an options list over 25", () => {
    const options = Array.from({ length: 26 }, (_, i) => ({ name: `o${i}`, type: "boolean" as const, description: d("o") }));
    expect(problemsOf([def({ options })])).toBe('commands: commands/c0.ts: command "echo": at most 25 options, got 26');
  });
});

describe("loadCommands", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const core = join(import.meta.dirname, "../../src/core/command.ts");
  const file = (name: string) =>
    `import { defineCommand } from ${JSON.stringify(core)};\nexport default defineCommand({ name: ${JSON.stringify(name)}, description: { zh: "测试", en: "Test" }, options: [], execute: () => ({ type: "notice", tone: "info", text: "hi" }) });\n`;

  it("loads the repository's commands in menu order", async () => {
    const registry = await loadCommands();
    expect(registry.commands.map((c) => c.name)).toEqual([
      "story", "links", "search", "section", "digest", "today", "sections", "help", "watch", "unwatch",
      "status", "subscribe", "unsubscribe", "repost",
    ]);
    expect(registry.commands.filter((c) => c.adminOnly).map((c) => c.name)).toEqual(["status", "subscribe", "unsubscribe", "repost"]);
    expect(usageOf(registry.get("search")!)).toBe("/search <query> [section:…] [date] [page:…]");
  });

  it("fails loudly on a duplicate name across files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "digest-bot-cmds-"));
    dirs.push(dir);
    writeFileSync(join(dir, "a.ts"), file("ping"));
    writeFileSync(join(dir, "b.ts"), file("ping"));
    await expect(loadCommands({ dir })).rejects.toThrow(
      new RegExp(`^commands: duplicate command name "ping" in \\S*a\\.ts and \\S*b\\.ts$`),
    );
  });

  it("fails on a file without a default export", async () => {
    const dir = mkdtempSync(join(tmpdir(), "digest-bot-cmds-"));
    dirs.push(dir);
    writeFileSync(join(dir, "empty.ts"), "export const x = 1;\n");
    await expect(loadCommands({ dir })).rejects.toThrow(/^commands: \S*empty\.ts: has no default export; export default defineCommand\(\{…\}\)$/);
  });
});

describe("runCommand", () => {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: "info",
    pretty: false,
    destination: new Writable({
      write(chunk: Buffer, _e, done) {
        logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  });
  const registry = createCommandRegistry([
    {
      file: "commands/find.ts",
      definition: def({
        name: "find",
        options: [
          { name: "query", type: "string", description: d("q"), required: true, maxLength: 10 },
          { name: "page", type: "integer", description: d("p"), minValue: 1, maxValue: 5 },
          { name: "all", type: "boolean", description: d("a") },
          { name: "date", type: "string", description: d("d"), textRole: "date" },
        ],
      }),
    },
    { file: "commands/secret.ts", definition: def({ name: "secret", adminOnly: true }) },
    { file: "commands/boom.ts", definition: def({ name: "boom", execute: () => { throw new Error("kaput at /srv/x.ts:1"); } }) },
    {
      file: "commands/refuse.ts",
      definition: def({ name: "refuse", execute: () => { throw new UserError("no-match", "nothing", "try more"); } }),
    },
  ]);
  const ctx = (isAdmin = false): Omit<CommandContext, "options"> => ({
    locale: "en",
    platform: "telegram",
    isAdmin,
    services: {} as CommandContext["services"],
    now: new Date("2026-02-18T00:00:00Z"),
    logger,
  });

  it("coerces text to typed options", async () => {
    const reply = await runCommand(registry, "find", { query: "  glm ", page: "３", all: "yes" }, ctx());
    expect(reply).toEqual({ type: "notice", tone: "info", text: '{"query":"glm","page":3,"all":true}' });
  });

  it.each([
    [{}, { code: "empty-query", message: "Please say what to look for.", hint: "For example: /find sonnet" }],
    [{ query: "   " }, { code: "empty-query", message: "Please say what to look for.", hint: "For example: /find sonnet" }],
    [
      { query: "x".repeat(11) },
      { code: "query-too-long", message: "That query is too long (11 characters, at most 10).", hint: "Try a few keywords instead, for example: /find sonnet" },
    ],
    [
      { query: "a", page: "2.5" },
      { code: "bad-option", message: "Option page is not valid: use a whole number, got “2.5”", hint: "Usage: /find <query> [page:…] [all:…] [date]" },
    ],
    [
      { query: "a", page: 9 },
      { code: "bad-option", message: "Option page is not valid: the largest is 5", hint: "Usage: /find <query> [page:…] [all:…] [date]" },
    ],
    [
      { query: "a", all: "maybe" },
      { code: "bad-option", message: "Option all is not valid: use true or false, got “maybe”", hint: "Usage: /find <query> [page:…] [all:…] [date]" },
    ],
    [
      { query: "a", colour: "red" },
      { code: "bad-option", message: "Option colour is not valid: /find has no such option", hint: "Usage: /find <query> [page:…] [all:…] [date]" },
    ],
  ])("refuses %j", async (raw, expected) => {
    expect(await runCommand(registry, "find", raw, ctx())).toEqual({ type: "error", ...expected });
  });

  it("refuses admin commands for non-admins and runs them for admins", async () => {
    expect(await runCommand(registry, "secret", {}, ctx(false))).toEqual({
      type: "error",
      code: "not-admin",
      message: "Only admins can use /secret.",
      hint: "Ask an admin of this server or group.",
    });
    expect((await runCommand(registry, "secret", {}, ctx(true))).type).toBe("notice");
  });

  it("answers an unknown command", async () => {
    expect(await runCommand(registry, "nope", {}, ctx())).toEqual({
      type: "error",
      code: "unknown-command",
      message: "There is no /nope command.",
      hint: "Send /help to see every command.",
    });
  });

  it("turns a crash into an internal error without details, and logs it", async () => {
    const reply = await runCommand(registry, "boom", {}, ctx());
    expect(reply).toEqual({
      type: "error",
      code: "internal",
      message: "Something went wrong running that command; the error was logged.",
      hint: "Try again later; if it keeps failing, tell an admin.",
    });
    expect(JSON.stringify(reply)).not.toContain("kaput");
    const line = logs.find((l) => l.msg === "command failed");
    expect(line?.command).toBe("boom");
    expect((line?.err as { message: string }).message).toBe("kaput at /srv/x.ts:1");
  });

  it("turns a UserError into its error reply without logging an error", async () => {
    const before = logs.length;
    expect(await runCommand(registry, "refuse", {}, ctx())).toEqual({ type: "error", code: "no-match", message: "nothing", hint: "try more" });
    expect(logs.slice(before).filter((l) => l.level === 50)).toEqual([]);
  });

  it("reports free text a command cannot take", async () => {
    expect(await runTextCommand(registry, "/secret now please", ctx(true))).toEqual({
      type: "error",
      code: "bad-option",
      message: "/secret does not take “now please”.",
      hint: "Usage: /secret",
    });
    // Refused as admin-only first, so non-admins learn nothing else about it.
    expect((await runTextCommand(registry, "/secret now", ctx(false)))?.type).toBe("error");
    expect(((await runTextCommand(registry, "/secret now", ctx(false))) as { code: string }).code).toBe("not-admin");
  });
});

describe("parseTextCommand", async () => {
  const registry = await loadCommands();

  it.each([
    ["/story@DigestBot sonnet 4.6 02-18", { name: "story", options: { query: "sonnet 4.6", date: "02-18" } }],
    ["/story sonnet 4.6", { name: "story", options: { query: "sonnet 4.6" } }],
    ["/story 02-18 glm-5", { name: "story", options: { query: "glm-5", date: "02-18" } }],
    ["/story today", { name: "story", options: { query: "today" } }],
    ["/STORY   arXiv:2602.15763  ", { name: "story", options: { query: "arXiv:2602.15763" } }],
    ["/story sonnet date:yesterday", { name: "story", options: { query: "sonnet", date: "yesterday" } }],
    ["/search agent section:安全 page:2", { name: "search", options: { query: "agent", section: "安全", page: "2" } }],
    ['/search agent section:"Agent 与工具链" 2026-02-18', { name: "search", options: { query: "agent", section: "Agent 与工具链", date: "2026-02-18" } }],
    ["/search agent section：安全", { name: "search", options: { query: "agent", section: "安全" } }],
    ["/section Agent 与工具链", { name: "section", options: { name: "Agent 与工具链" } }],
    ["/section agent yesterday", { name: "section", options: { name: "agent", date: "yesterday" } }],
    ["/digest 02-18", { name: "digest", options: { date: "02-18" } }],
    ["/digest next week", { name: "digest", options: { date: "next week" } }],
    ["/repost 02-18 agent all:true", { name: "repost", options: { date: "02-18", section: "agent", all: "true" } }],
    ["/subscribe agent, 安全", { name: "subscribe", options: { sections: "agent, 安全" } }],
    ["/help", { name: "help", options: {} }],
    ["／help", { name: "help", options: {} }],
    ["/unknown words here", { name: "unknown", options: {} }],
  ])("%s", (text, expected) => {
    expect(parseTextCommand(text, registry, "DigestBot")).toEqual({ kind: "command", ...expected });
  });

  it("reports leftovers, other bots and non-commands", () => {
    expect(parseTextCommand("/today please", registry)).toEqual({ kind: "command", name: "today", options: {}, unexpected: "please" });
    expect(parseTextCommand("/story@OtherBot sonnet", registry, "DigestBot")).toEqual({ kind: "other-bot", name: "story" });
    expect(parseTextCommand("/story@digestbot sonnet", registry, "@DigestBot")).toMatchObject({ kind: "command", name: "story" });
    expect(parseTextCommand("hello there", registry)).toEqual({ kind: "not-command" });
  });
});

describe("strict text options", () => {
  it("refuses an unknown name:value with the command's usage, in the asker's language", async () => {
    const registry = await loadCommands();
    expect(parseTextCommand("/story sonnet foo:bar", registry)).toEqual({ kind: "command", name: "story", options: {}, unknownOption: "foo" });
    // URLs, arXiv ids and times stay query text.
    expect(parseTextCommand("/story arxiv:2602.15763", registry)).toEqual({ kind: "command", name: "story", options: { query: "arxiv:2602.15763" } });
    expect(parseTextCommand("/story https://arxiv.org/abs/2602.15763", registry)).toMatchObject({ options: { query: "https://arxiv.org/abs/2602.15763" } });
  });
});

describe("codePointCount", () => {
  it("counts what Array.from counts: a surrogate pair once, a lone surrogate once", () => {
    const unit = fc.constantFrom("a", "模", "😀", "\uD800", "\uDC00", " ", "\uDBFF\uDFFF");
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 30 }).map((p) => p.join("")), (text) => {
        expect(codePointCount(text)).toBe(Array.from(text).length);
      }),
      { numRuns: 3000 },
    );
  });
});
