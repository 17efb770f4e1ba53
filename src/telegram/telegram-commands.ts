// Pure: the command definitions in commands/ as Telegram's command menu (setMyCommands), per language and audience.
import type { BotCommand } from "grammy/types";
import type { CommandDefinition } from "../core/command.js";
import type { Locale } from "../core/config.js";

/** Telegram's limits for the command menu. */
export const TELEGRAM_COMMANDS_MAX = 100;
export const TELEGRAM_COMMAND_NAME = /^[a-z0-9_]{1,32}$/;
export const TELEGRAM_COMMAND_DESCRIPTION_MAX = 256;

export interface TelegramCommandsOptions {
  /** Include admin-only commands (for the `all_chat_administrators` scope); default false. */
  includeAdmin?: boolean;
}

/**
 * The menu entries for one language: every command (admin ones only when asked), in registry order.
 * Throws when a definition breaks Telegram's rules, so a bad name fails at start, not silently in the menu.
 *
 * @example
 * await bot.api.setMyCommands(toTelegramCommands(registry.commands, "en"), { language_code: "en" });
 */
export function toTelegramCommands(
  defs: readonly CommandDefinition[],
  locale: Locale,
  options: TelegramCommandsOptions = {},
): BotCommand[] {
  const commands = defs
    .filter((d) => options.includeAdmin || !d.adminOnly)
    .map((d) => {
      if (!TELEGRAM_COMMAND_NAME.test(d.name)) {
        throw new Error(`telegram: command name "${d.name}" is not valid on Telegram; use 1-32 characters of a-z, 0-9 or "_"`);
      }
      const description = Array.from(d.description[locale].trim()).slice(0, TELEGRAM_COMMAND_DESCRIPTION_MAX).join("");
      if (!description) throw new Error(`telegram: command "${d.name}" has no ${locale} description`);
      return { command: d.name, description };
    });
  if (commands.length > TELEGRAM_COMMANDS_MAX) {
    throw new Error(`telegram: ${commands.length} commands; Telegram's menu takes at most ${TELEGRAM_COMMANDS_MAX}`);
  }
  return commands;
}
