// Loads and validates the command definitions in commands/ and runs them safely (text lines: see text-command.ts).
import { readdirSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CommandContext, CommandDefinition, CommandOptionDef, OptionValue } from "./command.js";
import type { Locale } from "./config.js";
import { t, type MessageKey, type MessageParams } from "./i18n.js";
import type { ErrorCode, Reply } from "./reply.js";
import { parseTextCommand, textRoleOf } from "./text-command.js";

// Text-command parsing lives in text-command.ts; re-exported so existing imports keep working.
export { parseTextCommand, textRoleOf, type ParsedTextCommand } from "./text-command.js";

/** Discord's rule for option names (lowercase); command names also pass Telegram's (`a-z0-9_`, no hyphen). */
const COMMAND_NAME = /^[a-z0-9_]{1,32}$/;
const OPTION_NAME = /^[a-z0-9_-]{1,32}$/;
/** Discord: descriptions 1-100 chars, at most 25 options, string lengths 0-6000. */
export const DESCRIPTION_MAX = 100;
export const OPTIONS_MAX = 25;
export const STRING_LENGTH_MAX = 6000;

/** The order commands are listed in (menus, /help); others follow alphabetically, admin commands last. */
export const COMMAND_ORDER = ["story", "links", "search", "section", "digest", "today", "sections", "help", "watch", "unwatch", "status", "subscribe", "unsubscribe", "repost"];

/** The default commands directory (`commands/` at the repository root). */
export const COMMANDS_DIR = fileURLToPath(new URL("../../commands/", import.meta.url));

/** A definition that breaks the rules; the message names every file and problem. */
export class CommandDefinitionError extends Error {
  override name = "CommandDefinitionError";
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? `commands: ${problems[0]}` : `commands:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/**
 * A refusal a command throws on purpose (bad date, no match, …); `runCommand` turns it into an error reply.
 *
 * @example
 * throw new UserError("unknown-date", t(locale, "error.unknownDate", { date }), t(locale, "error.unknownDate.hint", …));
 */
export class UserError extends Error {
  override name = "UserError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export interface LoadedCommand {
  definition: CommandDefinition;
  /** Where it was defined, for error messages (`commands/story.ts`). */
  file: string;
}

/** Every command, validated; the one source for registration, dispatch and /help. */
export interface CommandRegistry {
  readonly commands: readonly CommandDefinition[];
  get(name: string): CommandDefinition | undefined;
  fileOf(name: string): string | undefined;
}

/** Lists every rule a definition breaks (empty when it is fine). */
export function validateCommand(def: CommandDefinition, file: string): string[] {
  const problems: string[] = [];
  const where = `${file}: command "${String(def?.name)}"`;
  if (!def || typeof def !== "object") return [`${file}: default export is not a command definition (use defineCommand)`];
  if (typeof def.name !== "string" || !COMMAND_NAME.test(def.name)) {
    problems.push(`${where}: name must be 1-32 characters of a-z, 0-9 or "_" (Discord and Telegram rules)`);
  }
  problems.push(...checkDescription(def.description, where));
  if (typeof def.execute !== "function") problems.push(`${where}: execute must be a function`);
  if (!Array.isArray(def.options)) return [...problems, `${where}: options must be an array`];
  if (def.options.length > OPTIONS_MAX) problems.push(`${where}: at most ${OPTIONS_MAX} options, got ${def.options.length}`);
  const seen = new Set<string>();
  let optionalSeen: string | undefined;
  const roles = { rest: [] as string[], date: [] as string[] };
  for (const o of def.options) {
    const at = `${where}, option "${String(o.name)}"`;
    if (typeof o.name !== "string" || !OPTION_NAME.test(o.name)) {
      problems.push(`${at}: name must be 1-32 characters of a-z, 0-9, "_" or "-" (Discord rule)`);
    }
    if (seen.has(o.name)) problems.push(`${at}: duplicate option name`);
    seen.add(o.name);
    if (!["string", "integer", "boolean"].includes(o.type)) problems.push(`${at}: type must be string, integer or boolean`);
    problems.push(...checkDescription(o.description, at));
    if (o.required) {
      if (optionalSeen) problems.push(`${at}: required option comes after optional option "${optionalSeen}"; put required options first`);
    } else optionalSeen ??= o.name;
    problems.push(...checkLimits(o, at));
    const role = textRoleOf(def, o);
    if (role === "rest" || role === "date") roles[role].push(o.name);
    if ((role === "rest" || role === "date" || o.autocomplete) && o.type !== "string") {
      problems.push(`${at}: ${o.autocomplete ? "autocomplete" : `textRole "${role}"`} needs a string option`);
    }
  }
  for (const role of ["rest", "date"] as const) {
    if (roles[role].length > 1) problems.push(`${where}: only one option may have textRole "${role}", got ${roles[role].join(", ")}`);
  }
  return problems;
}

function checkDescription(description: unknown, at: string): string[] {
  const problems: string[] = [];
  for (const locale of ["zh", "en"] as const) {
    const text = (description as Record<string, unknown> | undefined)?.[locale];
    if (typeof text !== "string" || text.trim() === "") problems.push(`${at}: description.${locale} is missing`);
    else if (Array.from(text).length > DESCRIPTION_MAX) {
      problems.push(`${at}: description.${locale} is ${Array.from(text).length} characters; the limit is ${DESCRIPTION_MAX}`);
    }
  }
  return problems;
}

function checkLimits(o: CommandOptionDef, at: string): string[] {
  const problems: string[] = [];
  const { minLength, maxLength, minValue, maxValue } = o;
  if (o.type !== "string" && (minLength !== undefined || maxLength !== undefined)) {
    problems.push(`${at}: minLength/maxLength only apply to string options`);
  }
  if (o.type !== "integer" && (minValue !== undefined || maxValue !== undefined)) {
    problems.push(`${at}: minValue/maxValue only apply to integer options`);
  }
  const lengthOk = (n: number | undefined, min: number) =>
    n === undefined || (Number.isInteger(n) && n >= min && n <= STRING_LENGTH_MAX);
  if (!lengthOk(minLength, 0)) problems.push(`${at}: minLength must be a whole number from 0 to ${STRING_LENGTH_MAX}`);
  if (!lengthOk(maxLength, 1)) problems.push(`${at}: maxLength must be a whole number from 1 to ${STRING_LENGTH_MAX}`);
  if (minLength !== undefined && maxLength !== undefined && minLength > maxLength) {
    problems.push(`${at}: minLength ${minLength} is above maxLength ${maxLength}`);
  }
  for (const [key, n] of [["minValue", minValue], ["maxValue", maxValue]] as const) {
    if (n !== undefined && !Number.isSafeInteger(n)) problems.push(`${at}: ${key} must be a whole number`);
  }
  if (minValue !== undefined && maxValue !== undefined && minValue > maxValue) {
    problems.push(`${at}: minValue ${minValue} is above maxValue ${maxValue}`);
  }
  return problems;
}

/**
 * Builds a registry from definitions, validating each; throws `CommandDefinitionError` listing every problem,
 * including duplicate names (naming both files).
 */
export function createCommandRegistry(entries: readonly LoadedCommand[]): CommandRegistry {
  const problems: string[] = [];
  const byName = new Map<string, LoadedCommand>();
  for (const entry of entries) {
    problems.push(...validateCommand(entry.definition, entry.file));
    const name = entry.definition?.name;
    const other = byName.get(name);
    if (other) problems.push(`duplicate command name "${name}" in ${other.file} and ${entry.file}`);
    else byName.set(name, entry);
  }
  if (problems.length > 0) throw new CommandDefinitionError(problems);
  // Menus (Telegram's command list, /help) read best in a fixed order: everyday commands first, admin last.
  const rank = (def: CommandDefinition) => {
    const i = COMMAND_ORDER.indexOf(def.name);
    return (def.adminOnly ? 1000 : 0) + (i >= 0 ? i : 500);
  };
  const commands = [...byName.values()]
    .map((e) => e.definition)
    .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  return {
    commands,
    get: (name) => byName.get(name)?.definition,
    fileOf: (name) => byName.get(name)?.file,
  };
}

/**
 * Imports every `*.ts` file directly in `dir` (default `commands/`; sub-folders hold shared helpers and are
 * skipped), each default-exporting a definition, and validates them all at once.
 *
 * @example
 * const registry = await loadCommands();
 * registry.get("story")?.description.en; // "Show the best-matching story in full"
 */
export async function loadCommands(options: { dir?: string } = {}): Promise<CommandRegistry> {
  const dir = options.dir ?? COMMANDS_DIR;
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|js|mjs)$/.test(e.name) && !/\.(d|test)\.ts$/.test(e.name))
    .map((e) => e.name)
    .sort();
  const shownDir = relative(process.cwd(), dir) || basename(dir);
  const entries: LoadedCommand[] = [];
  for (const name of files) {
    const file = join(shownDir, name);
    const mod = (await import(pathToFileURL(join(dir, name)).href)) as { default?: CommandDefinition };
    if (!mod.default) throw new CommandDefinitionError([`${file}: has no default export; export default defineCommand({…})`]);
    entries.push({ definition: mod.default, file });
  }
  return createCommandRegistry(entries);
}

/** `/story <query> [date]`: the usage line shown by /help and in option errors. */
export function usageOf(def: CommandDefinition): string {
  const parts = def.options.map((o) => {
    const role = textRoleOf(def, o);
    const inner = role === "named" ? `${o.name}:…` : o.name;
    return o.required ? `<${inner}>` : `[${inner}]`;
  });
  return [`/${def.name}`, ...parts].join(" ");
}

function error(code: ErrorCode, locale: Locale, key: MessageKey, params?: MessageParams, hintKey?: MessageKey): Reply {
  const reply: Reply = { type: "error", code, message: t(locale, key, params) };
  if (hintKey) reply.hint = t(locale, hintKey, params);
  return reply;
}

/** `Array.from(text).length` (a surrogate pair counts once, a lone surrogate once) without the array. */
export function codePointCount(text: string): number {
  let pairs = 0;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return text.length - pairs;
}

function badOption(def: CommandDefinition, o: CommandOptionDef, locale: Locale, key: MessageKey, params: MessageParams): { reply: Reply } {
  return {
    reply: error("bad-option", locale, "error.badOption", {
      option: o.name,
      problem: t(locale, key, { name: def.name, ...params }),
      usage: usageOf(def),
    }, "error.badOption.hint"),
  };
}

/** Coerces one raw option value (text from a chat line, or a typed value from Discord) and checks its limits. */
function coerceOption(
  def: CommandDefinition,
  o: CommandOptionDef,
  raw: unknown,
  locale: Locale,
): { value?: OptionValue; reply?: Reply } {
  const isQuery = o.name === "query";
  const text = raw === undefined || raw === null ? "" : String(raw).trim();
  if (text === "") {
    if (!o.required) return {};
    if (isQuery) return { reply: error("empty-query", locale, "error.emptyQuery", { command: def.name }, "error.emptyQuery.hint") };
    return badOption(def, o, locale, "problem.required", {});
  }
  if (o.type === "string") {
    const length = codePointCount(text);
    if (o.maxLength !== undefined && length > o.maxLength) {
      if (isQuery) {
        return {
          reply: error("query-too-long", locale, "error.queryTooLong", { length, max: o.maxLength, command: def.name }, "error.queryTooLong.hint"),
        };
      }
      return badOption(def, o, locale, "problem.tooLong", { max: o.maxLength, length });
    }
    if (o.minLength !== undefined && length < o.minLength) return badOption(def, o, locale, "problem.tooShort", { min: o.minLength });
    return { value: text };
  }
  if (o.type === "integer") {
    const folded = typeof raw === "number" ? String(raw) : text.normalize("NFKC");
    if (!/^[+-]?\d+$/.test(folded)) return badOption(def, o, locale, "problem.notInteger", { value: text });
    const n = Number(folded);
    if (o.minValue !== undefined && n < o.minValue) return badOption(def, o, locale, "problem.tooSmall", { min: o.minValue });
    if (o.maxValue !== undefined && n > o.maxValue) return badOption(def, o, locale, "problem.tooLarge", { max: o.maxValue });
    return { value: n };
  }
  const lowered = text.toLowerCase();
  if (["true", "yes", "y", "1", "on", "是"].includes(lowered)) return { value: true };
  if (["false", "no", "n", "0", "off", "否"].includes(lowered)) return { value: false };
  return badOption(def, o, locale, "problem.notBoolean", { value: text });
}

/**
 * Runs a command: unknown name, admin check, option coercion and limits, then `execute`. Never throws:
 * a `UserError` becomes its error reply, anything else is logged and answered with `internal`.
 *
 * @example
 * const reply = await runCommand(registry, "story", { query: "sonnet" }, { locale: "en", platform: "console", isAdmin: true, services, now: new Date(), logger });
 */
export async function runCommand(
  registry: CommandRegistry,
  name: string,
  rawOptions: Record<string, unknown>,
  ctx: Omit<CommandContext, "options">,
): Promise<Reply> {
  const { locale } = ctx;
  const def = registry.get(name);
  if (!def) return error("unknown-command", locale, "error.unknownCommand", { name }, "error.unknownCommand.hint");
  if (def.adminOnly && !ctx.isAdmin) {
    ctx.logger.info({ command: name, platform: ctx.platform, target: ctx.target?.id }, "admin command refused");
    return error("not-admin", locale, "error.notAdmin", { name }, "error.notAdmin.hint");
  }
  for (const key of Object.keys(rawOptions)) {
    if (!def.options.some((o) => o.name === key) && rawOptions[key] !== undefined) {
      return error("bad-option", locale, "error.badOption", {
        option: key,
        problem: t(locale, "problem.unknownOption", { name }),
        usage: usageOf(def),
      }, "error.badOption.hint");
    }
  }
  const options: CommandContext["options"] = {};
  for (const o of def.options) {
    const { value, reply } = coerceOption(def, o, rawOptions[o.name], locale);
    if (reply) return reply;
    options[o.name] = value;
  }
  try {
    return await def.execute({ ...ctx, options });
  } catch (err) {
    if (err instanceof UserError) {
      const reply: Reply = { type: "error", code: err.code, message: err.message };
      if (err.hint) reply.hint = err.hint;
      return reply;
    }
    ctx.logger.error({ err, command: name, options, platform: ctx.platform }, "command failed");
    return error("internal", locale, "error.internal", undefined, "error.internal.hint");
  }
}

/**
 * Parses and runs one chat line (console, Telegram). Returns undefined when the line is not for this bot
 * (not a command, or `/cmd@OtherBot`), so the adapter can stay silent or hint.
 */
export async function runTextCommand(
  registry: CommandRegistry,
  text: string,
  ctx: Omit<CommandContext, "options">,
  botUsername?: string,
): Promise<Reply | undefined> {
  const parsed = parseTextCommand(text, registry, botUsername);
  if (parsed.kind !== "command") return undefined;
  const def = registry.get(parsed.name);
  if (def && parsed.unknownOption !== undefined && (!def.adminOnly || ctx.isAdmin)) {
    return error("bad-option", ctx.locale, "error.unknownOption", { name: def.name, option: parsed.unknownOption, usage: usageOf(def) });
  }
  if (def && parsed.unexpected !== undefined && (!def.adminOnly || ctx.isAdmin)) {
    return error("bad-option", ctx.locale, "error.unexpectedText", { name: def.name, text: parsed.unexpected, usage: usageOf(def) }, "error.badOption.hint");
  }
  return runCommand(registry, parsed.name, parsed.options, ctx);
}
