// Embeds as plain API objects: what discord.js's EmbedBuilder makes of the same parts, without its validators' cost.
import type { APIEmbed, APIEmbedField } from "discord.js";
import {
  DISCORD_EMBED_DESCRIPTION_LIMIT,
  DISCORD_EMBED_FIELDS_LIMIT,
  DISCORD_EMBED_TITLE_LIMIT,
  DISCORD_FIELD_NAME_LIMIT,
  DISCORD_FIELD_VALUE_LIMIT,
  DISCORD_FOOTER_LIMIT,
} from "./discord-text.js";

/** The parts of an embed the renderer sets; each present one is checked as EmbedBuilder's setter checks it. */
export interface EmbedParts {
  color: number;
  title?: string;
  description?: string;
  footer?: string;
  url?: string;
  fields?: readonly APIEmbedField[];
}

// EmbedBuilder's limits are Discord's: a renderer bug breaking one throws here, as the builder did.

function checkLength(what: string, text: string, min: number, max: number): void {
  if (text.length < min || text.length > max) throw new RangeError(`discord embed: ${what} must be ${min}–${max} characters, got ${text.length}`);
}

/**
 * The embed `new EmbedBuilder().setColor(c).setTitle(t).setDescription(d).setFooter({ text: f }).setURL(u).addFields(…)
 * .toJSON()` gives for the present parts — same keys in the same order — and throws where one of those setters would.
 * EmbedBuilder validates every setter through shapeshift, whose failed union branches build errors with stack traces;
 * that was most of the cost of rendering a `/search` page.
 *
 * @throws RangeError for a title, description or footer that is empty or over its limit, or fields over theirs
 */
export function plainEmbed(parts: EmbedParts): APIEmbed {
  if (!Number.isInteger(parts.color) || parts.color < 0 || parts.color > 0xffffff) throw new RangeError(`discord embed: bad color ${parts.color}`);
  const embed: APIEmbed = { color: parts.color };
  if (parts.title !== undefined) {
    checkLength("title", parts.title, 1, DISCORD_EMBED_TITLE_LIMIT);
    embed.title = parts.title;
  }
  if (parts.description !== undefined) {
    checkLength("description", parts.description, 1, DISCORD_EMBED_DESCRIPTION_LIMIT);
    embed.description = parts.description;
  }
  if (parts.footer !== undefined) {
    checkLength("footer", parts.footer, 1, DISCORD_FOOTER_LIMIT);
    // The builder sets `icon_url` to undefined; kept so the object is the builder's, key for key.
    embed.footer = { text: parts.footer, icon_url: undefined };
  }
  if (parts.url !== undefined) {
    if (!/^https?:$/.test(new URL(parts.url).protocol)) throw new RangeError(`discord embed: url must be http(s), got ${parts.url}`);
    embed.url = parts.url;
  }
  if (parts.fields !== undefined) {
    if (parts.fields.length > DISCORD_EMBED_FIELDS_LIMIT) throw new RangeError(`discord embed: at most ${DISCORD_EMBED_FIELDS_LIMIT} fields, got ${parts.fields.length}`);
    for (const f of parts.fields) {
      checkLength("field name", f.name, 0, DISCORD_FIELD_NAME_LIMIT);
      checkLength("field value", f.value, 0, DISCORD_FIELD_VALUE_LIMIT);
    }
    embed.fields = [...parts.fields];
  }
  return embed;
}
