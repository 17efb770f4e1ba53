// The shape of a command definition: plain data plus `execute`, shared by every platform's registration and dispatch.
import type { Config, Locale } from "./config.js";
import type { DigestArchive } from "./digest/archive.js";
import type { Logger } from "./logger.js";
import type { Platform, Reply } from "./reply.js";
import type { StorySearch } from "./search.js";
import type { DeliveryControl } from "./delivery/control.js";
import type { AdminScope } from "./safety/admin-scope.js";
import type { UserRef, WatchControl } from "./delivery/watch-alerts.js";

/** A text in both UI languages. */
export type Localized = Record<Locale, string>;

export type OptionValue = string | number | boolean;

/**
 * One option of a command. Names follow Discord's rules (lowercase `a-z0-9_-`, ≤ 32);
 * descriptions ≤ 100 chars per locale.
 */
export interface CommandOptionDef {
  name: string;
  type: "string" | "integer" | "boolean";
  description: Localized;
  /** Default false. Required options come before optional ones. */
  required?: boolean;
  /** For strings. */
  minLength?: number;
  maxLength?: number;
  /** For integers. */
  minValue?: number;
  maxValue?: number;
  /** Discord autocomplete from the search index (value = story id). Default false. */
  autocomplete?: boolean;
  /**
   * How free text maps onto this option on text platforms (Telegram, console):
   * "rest" takes the remaining words, "date" takes a trailing date-looking word. Default "rest" for the first
   * string option, otherwise named only (`name:value`).
   */
  textRole?: "rest" | "date" | "named";
}

/** What a command gets when it runs. */
export interface CommandContext {
  /** Parsed and validated option values, by option name. */
  options: Record<string, OptionValue | undefined>;
  locale: Locale;
  platform: Platform;
  /**
   * Where the command was asked: the channel or chat id on Discord and Telegram, `console:local` on the console and
   * in `digest-bot ask`. Undefined only when the caller has no place to name; admin commands then refuse with
   * `error.noTarget` instead of guessing where to deliver.
   */
  target?: { platform: Platform; id: string };
  /** Set by the adapter after its own permission check; admin commands are refused when false. */
  isAdmin: boolean;
  /** Who asked (Discord or Telegram user; `console:local`); personal alerts (/watch) belong to them. */
  user?: UserRef;
  /**
   * What an admin may act on, set by the adapter: the operators (everything) or one chat's/server's admins (their own
   * targets). Unset means the narrowest fit (see `scopeOf`): operator on the console, else only `target`.
   */
  adminScope?: AdminScope;
  services: BotServices;
  now: Date;
  logger: Logger;
}

/** The shared services a command may use. */
export interface BotServices {
  config: Config;
  archive: DigestArchive;
  search: StorySearch;
  delivery: DeliveryControl;
  /** Personal alerts (/watch, /unwatch); absent where nothing delivers them. */
  watches?: WatchControl;
  /** All loaded command definitions (for /help). */
  commands: () => readonly CommandDefinition[];
}

/**
 * A command: one file per command in `commands/`, default-exporting this shape.
 *
 * @example
 * export default defineCommand({
 *   name: "ping",
 *   description: { zh: "测试", en: "Check the bot answers" },
 *   options: [],
 *   execute: () => ({ type: "notice", tone: "info", text: "pong" }),
 * });
 */
export interface CommandDefinition {
  name: string;
  description: Localized;
  options: CommandOptionDef[];
  /** Only admins may run it; default false. Adapters also mark it (Discord: Manage Server). */
  adminOnly?: boolean;
  /**
   * The answer is about the asker alone (their personal alerts): shown only to them where the platform can (Discord
   * ephemeral), so a server channel never sees someone's watch list. Default false.
   */
  personal?: boolean;
  execute(ctx: CommandContext): Reply | Promise<Reply>;
}

/** Identity helper that gives `commands/*.ts` full typing. */
export function defineCommand(def: CommandDefinition): CommandDefinition {
  return def;
}
