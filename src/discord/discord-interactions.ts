// Dispatches Discord interactions (slash commands, autocomplete, "Full story" and search page buttons) to the command registry.
import {
  MessageFlags,
  PermissionFlagsBits,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
  type InteractionUpdateOptions,
} from "discord.js";
import type { App, InvocationContext } from "../app.js";
import type { BotServices } from "../core/command.js";
import type { Config, Locale } from "../core/config.js";
import { t } from "../core/i18n.js";
import type { Logger } from "../core/logger.js";
import { OPERATOR_SCOPE, tenantScope, type AdminScope } from "../core/safety/admin-scope.js";
import type { Reply } from "../core/reply.js";
import {
  createSearchPageCache,
  renderWithSearchPages,
  resolveSearchPage,
  searchPageOptions,
  type SearchPageCache,
  type SearchPageRequest,
} from "../core/paging.js";
import { toDiscordPayload, type DiscordMessagePayload, type RenderOptions } from "./discord-render.js";
import { placeSubscription, type DiscordPlace } from "./discord-subscribe-place.js";
import {
  DISCORD_AUTOCOMPLETE_CHOICES,
  DISCORD_CHOICE_NAME_LIMIT,
  DISCORD_CHOICE_VALUE_LIMIT,
  DISCORD_PAGE_DATA_LIMIT,
  cutText,
  storyIdFromButton,
} from "./discord-text.js";

/** Discord drops an interaction not answered within 3 s; past this we defer and answer when done. */
export const DEFER_AFTER_MS = 1500;

export interface InteractionDeps {
  config: Config;
  /** Commands run through `app.run` (option checks, admin check, never throws); `registry` for option metadata. */
  app: Pick<App, "registry" | "services" | "run">;
  logger: Logger;
  /**
   * Where `/search` page requests too long for a custom id are kept: the adapters pass the state database's
   * (`storage.searchPages`), so any instance answers their buttons, also after a restart. Default a new in-memory
   * cache (tests).
   */
  searchPages?: SearchPageCache;
  /** How long a command may run before the answer is deferred; default {@link DEFER_AFTER_MS}. Tests pass less. */
  deferAfterMs?: number;
  /**
   * User ids of the bot's operators (`DISCORD_ADMIN_IDS` plus the application's owner or team, filled in once
   * fetched); read on every call. Default: `DISCORD_ADMIN_IDS` only.
   */
  operators?: ReadonlySet<string>;
}

/**
 * What the asker may act on: operators everything; a member with Manage Server their own server's channels (the
 * channel asked in, and any channel the client knows to be in that server); anyone else nothing.
 */
export function discordAdminScope(interaction: Interaction, operators: ReadonlySet<string>): AdminScope | undefined {
  if (operators.has(interaction.user.id)) return OPERATOR_SCOPE;
  if (!interaction.inGuild() || !interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) return undefined;
  const guildId = interaction.guildId;
  const here = interaction.channelId;
  const channels = interaction.client.channels.cache;
  return tenantScope("discord", guildId, (target) => {
    if (target.platform !== "discord") return false;
    if (target.id === here) return true;
    const channel = channels.get(target.id);
    return channel !== undefined && "guildId" in channel && channel.guildId === guildId;
  });
}

/** The asker's Discord language when it is one we speak, else the bot's `BOT_LOCALE`. */
export function localeOf(discordLocale: string | undefined, fallback: Locale): Locale {
  if (discordLocale?.startsWith("zh")) return "zh";
  if (discordLocale?.startsWith("en")) return "en";
  return fallback;
}

/** discord.js options for a rendered payload (camelCase `allowedMentions`, flags only where allowed). */
export function toReplyOptions(payload: DiscordMessagePayload): InteractionReplyOptions & { flags?: MessageFlags.Ephemeral } {
  const options: InteractionReplyOptions = { embeds: payload.embeds, components: payload.components, allowedMentions: payload.allowed_mentions };
  if (payload.content !== undefined) options.content = payload.content;
  if (payload.flags !== undefined) options.flags = MessageFlags.Ephemeral;
  return options as InteractionReplyOptions & { flags?: MessageFlags.Ephemeral };
}

function toEditOptions(payload: DiscordMessagePayload): InteractionEditReplyOptions {
  const options: InteractionEditReplyOptions = { embeds: payload.embeds, components: payload.components, allowedMentions: payload.allowed_mentions };
  if (payload.content !== undefined) options.content = payload.content;
  return options;
}

function toUpdateOptions(payload: DiscordMessagePayload): InteractionUpdateOptions {
  const options: InteractionUpdateOptions = { embeds: payload.embeds, components: payload.components, allowedMentions: payload.allowed_mentions };
  if (payload.content !== undefined) options.content = payload.content;
  return options;
}

/**
 * Up to 25 autocomplete choices for a story query: matching stories (prefix search) or, for an empty query,
 * the latest digest's stories. Name = title cut to 100, value = story id.
 */
export function autocompleteChoices(services: BotServices, typed: string, date?: string): { name: string; value: string }[] {
  const query = typed.trim();
  const hits = query
    ? services.search.search(query, { prefix: true, limit: DISCORD_AUTOCOMPLETE_CHOICES, ...(date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? { date } : {}) })
    : (services.archive.latest()?.sections.flatMap((s) => s.stories) ?? []);
  const seen = new Set<string>();
  const choices: { name: string; value: string }[] = [];
  for (const hit of hits) {
    if (seen.has(hit.id) || hit.id.length > DISCORD_CHOICE_VALUE_LIMIT) continue;
    seen.add(hit.id);
    // One empty name makes Discord refuse the whole answer; a line break would not show in the list.
    choices.push({ name: cutText(hit.title.replace(/\s+/g, " ").trim() || hit.id, DISCORD_CHOICE_NAME_LIMIT), value: hit.id });
    if (choices.length === DISCORD_AUTOCOMPLETE_CHOICES) break;
  }
  return choices;
}

/**
 * Creates the handler for `interactionCreate`. Every path answers (or logs why it could not); nothing throws.
 * The admin check happens here on every call (Manage Server in a server), whatever Discord's command permissions say.
 */
export function createInteractionHandler(deps: InteractionDeps): (interaction: Interaction) => Promise<void> {
  const { config, app, logger } = deps;
  const { registry, services } = app;
  const searchPages = deps.searchPages ?? createSearchPageCache();
  const deferAfterMs = deps.deferAfterMs ?? DEFER_AFTER_MS;
  // Page requests too long for a custom id are stored before the answer carrying their buttons goes out.
  const render = (reply: Reply, locale: Locale, options: RenderOptions = {}) =>
    renderWithSearchPages(DISCORD_PAGE_DATA_LIMIT, searchPages, (searchPage) => toDiscordPayload(reply, locale, { ...options, searchPage }));

  const operators = deps.operators ?? new Set(config.DISCORD_ADMIN_IDS);
  const contextOf = (interaction: Interaction): InvocationContext => {
    // Checked here on every call, whatever the server's command permission overrides say.
    const scope = discordAdminScope(interaction, operators);
    const ctx: InvocationContext = {
      locale: localeOf(interaction.locale, config.BOT_LOCALE),
      platform: "discord",
      isAdmin: scope !== undefined,
    };
    if (scope) ctx.adminScope = scope;
    if (interaction.channelId) ctx.target = { platform: "discord", id: interaction.channelId };
    ctx.user = { platform: "discord", id: interaction.user.id };
    return ctx;
  };

  async function onAutocomplete(interaction: AutocompleteInteraction) {
    const focused = interaction.options.getFocused(true);
    const def = registry.get(interaction.commandName);
    const option = def?.options.find((o) => o.name === focused.name);
    const choices = option?.autocomplete
      ? autocompleteChoices(services, String(focused.value), interaction.options.getString("date") ?? undefined)
      : [];
    await interaction.respond(choices);
  }

  /** Runs the command, deferring when it takes longer than `deferAfterMs`, then answers. */
  async function answer(
    interaction: ChatInputCommandInteraction | ButtonInteraction,
    work: Promise<Reply>,
    ephemeral: boolean | undefined,
    deferAtOnce: boolean,
  ) {
    const locale = localeOf(interaction.locale, config.BOT_LOCALE);
    let deferredEphemeral: boolean | undefined;
    if (!deferAtOnce) {
      const early = await Promise.race([work.then(() => true), delay(deferAfterMs).then(() => false)]);
      if (!early) deferAtOnce = true;
    }
    if (deferAtOnce) {
      deferredEphemeral = ephemeral === true;
      await interaction.deferReply(deferredEphemeral ? { flags: MessageFlags.Ephemeral } : {});
    }
    const reply = await work;
    const payload = await render(reply, locale, ephemeral === undefined ? {} : { ephemeral: ephemeral || reply.type === "error" });
    const wantsEphemeral = payload.flags !== undefined;
    if (deferredEphemeral === undefined) {
      await interaction.reply(toReplyOptions(payload));
    } else if (wantsEphemeral && !deferredEphemeral) {
      // A public "thinking…" cannot turn private: drop it and answer privately instead.
      await interaction.deleteReply();
      await interaction.followUp(toReplyOptions(payload));
    } else {
      await interaction.editReply(toEditOptions(payload));
    }
  }

  async function onCommand(interaction: ChatInputCommandInteraction) {
    const def = registry.get(interaction.commandName);
    const raw: Record<string, unknown> = {};
    for (const option of interaction.options.data) raw[option.name] = option.value;
    const ctx = contextOf(interaction);
    logger.debug({ command: interaction.commandName, user: interaction.user.id, guild: interaction.guildId, admin: ctx.adminScope?.kind ?? false }, "discord command");
    const admin = def?.adminOnly === true;
    const work = (async (): Promise<Reply> => {
      if (interaction.commandName === "subscribe" && ctx.isAdmin) {
        // The mode must fit the channel type, which only Discord knows: checked (and a forum's target fixed) here.
        const place = await placeOf(interaction);
        if (place) {
          const placed = placeSubscription(place, typeof raw.mode === "string" ? raw.mode.trim().toLowerCase() : undefined, ctx.locale ?? config.BOT_LOCALE);
          if (!placed.ok) return { type: "error", code: "bad-option", message: placed.message, hint: placed.hint };
          if (placed.mode && def?.options.some((o) => o.name === "mode")) raw.mode = placed.mode;
          ctx.target = { platform: "discord", id: placed.targetId };
        }
      }
      return app.run(interaction.commandName, raw, ctx);
    })();
    // Admin answers (refusals, confirmations, status) are for the admin only; admin work (repost) can be slow.
    // Personal answers (/watch lists, confirmations) are the asker's own business, never the channel's.
    await answer(interaction, work, admin || def?.personal === true ? true : undefined, admin && ctx.isAdmin);
  }

  /** The asking channel's type (and a thread's parent), from the cache or, over HTTP interactions, from Discord. */
  async function placeOf(interaction: ChatInputCommandInteraction): Promise<DiscordPlace | undefined> {
    const id = interaction.channelId;
    if (!id) return undefined;
    const channels = interaction.client.channels;
    const channel = interaction.channel ?? (await channels.fetch(id).catch(() => null));
    if (!channel) return undefined;
    const place: DiscordPlace = { id, type: channel.type };
    if (channel.isThread() && channel.parentId) {
      place.parentId = channel.parentId;
      const parent = channel.parent ?? (await channels.fetch(channel.parentId).catch(() => null));
      if (parent) place.parentType = parent.type;
    }
    return place;
  }

  /**
   * Shows another page of `/search` results in place (`interaction.update`), deferring when the search is slow.
   * A page that cannot be shown (e.g. the digests changed and it is past the end) leaves the results as they were
   * and tells only the clicker why.
   */
  async function turnPage(interaction: ButtonInteraction, request: SearchPageRequest) {
    const locale = localeOf(interaction.locale, config.BOT_LOCALE);
    logger.debug({ page: request.page, user: interaction.user.id }, "discord search page button");
    const work = app.run("search", searchPageOptions(request), contextOf(interaction));
    const early = await Promise.race([work.then(() => true), delay(deferAfterMs).then(() => false)]);
    if (!early) await interaction.deferUpdate();
    const reply = await work;
    if (reply.type === "error") {
      const privately = toReplyOptions(await render(reply, locale, { ephemeral: true }));
      await (early ? interaction.reply(privately) : interaction.followUp(privately));
      return;
    }
    const payload = await render(reply, locale, { ephemeral: false });
    await (early ? interaction.update(toUpdateOptions(payload)) : interaction.editReply(toEditOptions(payload)));
  }

  async function onButton(interaction: ButtonInteraction) {
    const storyId = storyIdFromButton(interaction.customId);
    if (storyId) {
      logger.debug({ story: storyId, user: interaction.user.id }, "discord full-story button");
      await answer(interaction, app.run("story", { query: storyId }, contextOf(interaction)), true, false);
      return;
    }
    const page = await resolveSearchPage(interaction.customId, searchPages);
    if (page.kind === "page") {
      await turnPage(interaction, page.request);
    } else if (page.kind === "expired") {
      // Its stored request is gone (past its TTL, or from a store this instance does not share).
      const locale = localeOf(interaction.locale, config.BOT_LOCALE);
      const reply: Reply = { type: "error", code: "unavailable", message: t(locale, "error.searchExpired"), hint: t(locale, "error.searchExpired.hint") };
      await interaction.reply(toReplyOptions(await render(reply, locale)));
    } else {
      // Not a button this version makes (an older version's, or crafted): acknowledge it so Discord shows no
      // "interaction failed", and change nothing.
      logger.debug({ customId: interaction.customId.slice(0, 100), user: interaction.user.id }, "discord unknown button");
      await interaction.deferUpdate();
    }
  }

  return async (interaction) => {
    try {
      if (interaction.isAutocomplete()) await onAutocomplete(interaction);
      else if (interaction.isChatInputCommand()) await onCommand(interaction);
      else if (interaction.isButton()) await onButton(interaction);
    } catch (err) {
      // Not the whole error: its request URL holds the interaction's token.
      const { code, status } = (err ?? {}) as { code?: unknown; status?: unknown };
      const reason = err instanceof Error ? err.message : String(err);
      logger.warn({ interaction: interaction.id, type: interaction.type, code, status, reason }, "discord interaction could not be answered");
    }
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
