// Reads a text-platform chat line (console, Telegram) into a command name and raw option texts.
import type { CommandDefinition, CommandOptionDef } from "./command.js";
import type { CommandRegistry } from "./command-registry.js";
import { isDateLike } from "./dates.js";

/** How an option is filled from free text (see `CommandOptionDef.textRole`). */
export function textRoleOf(def: CommandDefinition, option: CommandOptionDef): "rest" | "date" | "named" {
  if (option.textRole) return option.textRole;
  const firstString = def.options.find((o) => o.type === "string" && (o.textRole === undefined || o.textRole === "rest"));
  return firstString === option ? "rest" : "named";
}

/** A chat line read as a command. */
export type ParsedTextCommand =
  | {
      kind: "command";
      /** Lowercased command name without `/` or `@bot`. */
      name: string;
      /** Raw option texts, by option name (coerced later by `runCommand`). */
      options: Record<string, string>;
      /** Free text the command has no option for (reported by `runTextCommand`). */
      unexpected?: string;
      /** A `name:value` whose name is not one of the command's options (`/story sonnet foo:bar`). */
      unknownOption?: string;
    }
  /** Not a command (no leading `/`). */
  | { kind: "not-command" }
  /** `/cmd@OtherBot`: addressed to another bot in the group; stay silent. */
  | { kind: "other-bot"; name: string };

const NAMED = /(?<=^|\s)([a-z0-9_-]{1,32})[:：=](?:"([^"]*)"|“([^”]*)”|「([^」]*)」|(\S*))/gi;

/**
 * Reads a text-platform command line into a name and raw options:
 * - `name:value` (also `name：value`, `name:"two words"`) fills a named option;
 * - a date-looking first or last word (`02-18`, `today`) fills the command's date option;
 * - the remaining text fills its "rest" option (a command without one gives its date option the text).
 *
 * @example
 * parseTextCommand("/story@DigestBot sonnet 4.6 02-18", registry, "DigestBot");
 * // { kind: "command", name: "story", options: { query: "sonnet 4.6", date: "02-18" } }
 */
export function parseTextCommand(text: string, registry: CommandRegistry, botUsername?: string): ParsedTextCommand {
  const m = /^\s*[/／]([^\s@]+)(?:@(\S+))?(?:\s+([\s\S]*))?$/.exec(text);
  if (!m) return { kind: "not-command" };
  const name = m[1]!.toLowerCase();
  if (m[2] && botUsername && m[2].toLowerCase() !== botUsername.replace(/^@/, "").toLowerCase()) {
    return { kind: "other-bot", name };
  }
  let rest = (m[3] ?? "").trim();
  const def = registry.get(name);
  const options: Record<string, string> = {};
  if (!def) return { kind: "command", name, options };

  let unknownOption: string | undefined;
  rest = rest.replace(NAMED, (whole, key: string, q1?: string, q2?: string, q3?: string, bare?: string) => {
    const option = def.options.find((o) => o.name === key.toLowerCase());
    if (!option) {
      // `https://…`, `arXiv:2602.15763` and `10:30` are query text; a lettered value after a name is a mistyped option.
      const value = q1 ?? q2 ?? q3 ?? bare ?? "";
      if (!/^\/\//.test(value) && !/^\d/.test(value) && value !== "") unknownOption ??= key;
      return whole;
    }
    options[option.name] = (q1 ?? q2 ?? q3 ?? bare ?? "").trim();
    return " ";
  });
  let words = rest.split(/\s+/).filter(Boolean);
  const restOption = def.options.find((o) => textRoleOf(def, o) === "rest" && options[o.name] === undefined);
  const dateOption = def.options.find((o) => textRoleOf(def, o) === "date" && options[o.name] === undefined);
  if (dateOption && restOption) {
    // Take a date word only when what remains can still be the rest (`/story today` is a query, not a date).
    const keepsRest = !restOption.required || words.length > 1;
    const last = words.at(-1);
    const first = words[0];
    if (keepsRest && last !== undefined && isDateLike(last)) {
      options[dateOption.name] = last;
      words = words.slice(0, -1);
    } else if (keepsRest && first !== undefined && isDateLike(first)) {
      options[dateOption.name] = first;
      words = words.slice(1);
    }
  }
  if (unknownOption !== undefined) return { kind: "command", name, options, unknownOption };
  const remaining = words.join(" ");
  if (remaining) {
    const target = restOption ?? dateOption;
    if (target) options[target.name] = remaining;
    else return { kind: "command", name, options, unexpected: remaining };
  }
  return { kind: "command", name, options };
}
