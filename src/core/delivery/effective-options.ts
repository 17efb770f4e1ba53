// The options a subscription's posts are planned with: the environment's defaults for settings targets, then the subscription's own, for its platform.
import type { Config } from "../config.js";
import type { Platform } from "../reply.js";
import { POST_OPTION_NAMES, type PostOptions } from "./post-options.js";

/**
 * A change to a subscription's own options: a field given is set, `null` removes it (back to the default), a field
 * left out is kept. Two values mean "explicitly none" and override an environment default: `keywords: []` (every
 * story) and `pingRole: ""` (no ping); {@link effectiveOptions} drops them, so publishers never see them.
 *
 * @example
 * const patch: PostOptionsPatch = { silent: true, keywords: null };
 */
export type PostOptionsPatch = { [K in keyof PostOptions]?: PostOptions[K] | null };

/** The options that apply to one platform only; elsewhere they are refused by `/subscribe` and dropped here. */
export const PLATFORM_OPTIONS: Readonly<Partial<Record<keyof PostOptions, Platform>>> = {
  mode: "discord",
  pingRole: "discord",
  linkPreview: "telegram",
};

/** The platforms that can pin a message (the console prints posts: nothing to pin). */
export const PIN_PLATFORMS: readonly Platform[] = ["discord", "telegram"];

/**
 * Applies a patch to stored options; undefined when nothing is left (stored as NULL). Pure.
 *
 * @example
 * applyOptionsPatch({ silent: true, pin: true }, { pin: null, keywords: ["agent"] }); // { silent: true, keywords: ["agent"] }
 */
export function applyOptionsPatch(current: PostOptions | undefined, patch: PostOptionsPatch): PostOptions | undefined {
  const next: Record<string, unknown> = { ...current };
  for (const name of POST_OPTION_NAMES) {
    if (!(name in patch) || patch[name] === undefined) continue;
    if (patch[name] === null) delete next[name];
    else next[name] = name === "keywords" ? [...(patch.keywords as string[])] : patch[name];
  }
  return Object.keys(next).length > 0 ? (next as PostOptions) : undefined;
}

/**
 * The environment's defaults for one platform's settings targets (`DELIVERY_*`, `DISCORD_POST_MODE`,
 * `DISCORD_PING_ROLE_ID`, `TELEGRAM_LINK_PREVIEW`); only what is set.
 */
export function environmentOptions(config: Config, platform: Platform): PostOptions {
  const options: PostOptions = {};
  if (config.DELIVERY_SILENT) options.silent = true;
  if (config.DELIVERY_PIN) options.pin = true;
  if (config.DELIVERY_KEYWORDS.length > 0) options.keywords = [...config.DELIVERY_KEYWORDS];
  if (platform === "discord") {
    if (config.DISCORD_POST_MODE) options.mode = config.DISCORD_POST_MODE;
    if (config.DISCORD_PING_ROLE_ID) options.pingRole = config.DISCORD_PING_ROLE_ID;
  }
  if (platform === "telegram" && config.TELEGRAM_LINK_PREVIEW) options.linkPreview = true;
  return options;
}

/**
 * What a subscription's posts are planned with: for a settings target (DISCORD_CHANNEL_IDS, TELEGRAM_CHAT_IDS) the
 * environment's defaults, then — for every subscription — its own options over them; options of another platform,
 * "explicitly none" markers and default values are dropped. Undefined when every option is at its default (and for a
 * target that is no subscription): the post is planned exactly as before options existed.
 *
 * @example
 * effectiveOptions({ platform: "telegram", source: "settings", options: { pin: false } }, config); // DELIVERY_SILENT=true → { silent: true }
 */
export function effectiveOptions(
  sub: { platform: Platform; source: "settings" | "command"; options?: PostOptions } | undefined,
  config: Config,
): PostOptions | undefined {
  if (!sub) return undefined;
  const merged: PostOptions = { ...(sub.source === "settings" ? environmentOptions(config, sub.platform) : {}), ...sub.options };
  const out: PostOptions = {};
  if (merged.silent) out.silent = true;
  if (merged.pin && PIN_PLATFORMS.includes(sub.platform)) out.pin = true;
  if (merged.keywords && merged.keywords.length > 0) out.keywords = [...merged.keywords];
  if (sub.platform === "discord") {
    if (merged.mode && merged.mode !== "channel") out.mode = merged.mode;
    if (merged.pingRole) out.pingRole = merged.pingRole;
  }
  if (sub.platform === "telegram" && merged.linkPreview) out.linkPreview = true;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The options of a repost of one section asked for by name; undefined when nothing is left. Without the keyword
 * filter (that section is what was asked for) and without the pin (only the day's header is pinned: a section's
 * repost must not take the pin from it).
 */
export function forSectionRepost(options: PostOptions | undefined): PostOptions | undefined {
  if (!options?.keywords && !options?.pin) return options;
  const { keywords: _keywords, pin: _pin, ...rest } = options;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/**
 * The options of a whole-digest repost: the subscription's, without the pin when the digest is not the latest (a
 * repost of an older day must not take the pin from today's header). Undefined when nothing is left.
 */
export function forRepost(options: PostOptions | undefined, latest: boolean): PostOptions | undefined {
  if (latest || !options?.pin) return options;
  const { pin: _pin, ...rest } = options;
  return Object.keys(rest).length > 0 ? rest : undefined;
}
