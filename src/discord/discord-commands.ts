// Turns the shared command definitions into Discord application-command JSON (zh-CN + en-US, limits, admin permission).
import {
  InteractionContextType,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import type { CommandDefinition, CommandOptionDef, Localized } from "../core/command.js";

/** Admin commands need this permission by default, and it is checked again on every call. */
export const DISCORD_ADMIN_PERMISSION = PermissionFlagsBits.ManageGuild;

/** Discord shows `description` where no localization matches; `en-US` is Discord's default locale. */
function localizations(text: Localized) {
  return { "zh-CN": text.zh, "en-US": text.en, "en-GB": text.en };
}

/** A definition or option that Discord would reject, named so the author can fix it. */
export class DiscordCommandError extends Error {
  override name = "DiscordCommandError";
}

function addOption(builder: SlashCommandBuilder, command: string, option: CommandOptionDef): void {
  const common = <T extends { setName(n: string): T; setDescription(d: string): T; setDescriptionLocalizations(l: Record<string, string>): T; setRequired(r: boolean): T }>(o: T): T =>
    o
      .setName(option.name)
      .setDescription(option.description.en)
      .setDescriptionLocalizations(localizations(option.description))
      .setRequired(option.required ?? false);
  switch (option.type) {
    case "string":
      builder.addStringOption((o) => {
        common(o);
        if (option.minLength !== undefined) o.setMinLength(option.minLength);
        if (option.maxLength !== undefined) o.setMaxLength(option.maxLength);
        if (option.autocomplete) o.setAutocomplete(true);
        return o;
      });
      return;
    case "integer":
      builder.addIntegerOption((o) => {
        common(o);
        if (option.minValue !== undefined) o.setMinValue(option.minValue);
        if (option.maxValue !== undefined) o.setMaxValue(option.maxValue);
        return o;
      });
      return;
    case "boolean":
      builder.addBooleanOption((o) => common(o));
      return;
    default:
      throw new DiscordCommandError(`/${command} option ${String((option as CommandOptionDef).name)}: unknown type; use string, integer or boolean`);
  }
}

/**
 * The JSON Discord registers for the shared commands. Pure; built with `SlashCommandBuilder`, so a name or
 * description Discord would reject fails here, at start, with the command named.
 * Admin commands get `default_member_permissions` = Manage Server and are usable only in servers.
 *
 * @example
 * await client.application.commands.set(toDiscordCommandData(registry.commands()), guildId);
 */
export function toDiscordCommandData(defs: readonly CommandDefinition[]): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return defs.map((def) => {
    try {
      const builder = new SlashCommandBuilder()
        .setName(def.name)
        .setDescription(def.description.en)
        .setDescriptionLocalizations(localizations(def.description));
      for (const option of def.options) addOption(builder, def.name, option);
      if (def.adminOnly) {
        builder.setDefaultMemberPermissions(DISCORD_ADMIN_PERMISSION).setContexts(InteractionContextType.Guild);
      } else {
        builder.setContexts(InteractionContextType.Guild, InteractionContextType.BotDM);
      }
      return builder.toJSON();
    } catch (err) {
      if (err instanceof DiscordCommandError) throw err;
      const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
      throw new DiscordCommandError(`/${def.name}: Discord would reject this command (${why}); fix its definition in commands/${def.name}.ts`, {
        cause: err,
      });
    }
  });
}
