// /subscribe's delivery options (#13): their definitions, and reading what was given into a patch with clear, localized refusals.
import type { CommandContext, CommandOptionDef } from "../../src/core/command.js";
import { UserError } from "../../src/core/command-registry.js";
import { PIN_PLATFORMS, PLATFORM_OPTIONS, type PostOptionsPatch } from "../../src/core/delivery/effective-options.js";
import { MAX_KEYWORD_LENGTH, MAX_KEYWORDS, uniqueKeywords, unsearchableKeywords } from "../../src/core/delivery/keyword-filter.js";
import type { PostOptions } from "../../src/core/delivery/post-options.js";
import { listSeparator, t } from "../../src/core/i18n.js";
import type { Platform } from "../../src/core/reply.js";

/** Words that clear a role or the keywords (`role:none`, `keywords:全部`). */
const NONE = new Set(["none", "off", "no", "无", "不", "全部", "all", "所有", "*"]);

/** The options, named only on text platforms (free text stays the sections). */
export const POST_OPTION_DEFS: CommandOptionDef[] = [
  {
    name: "mode",
    type: "string",
    description: { zh: "仅 Discord：channel 全部发在频道；thread 栏目发在子区；forum 每天一个论坛帖", en: "Discord only: channel (all in the channel), thread (sections in a thread), forum (a post a day)" },
    maxLength: 10,
    textRole: "named",
  },
  { name: "silent", type: "boolean", description: { zh: "静默发送，不发通知", en: "Deliver without a notification" } },
  { name: "pin", type: "boolean", description: { zh: "置顶当天的日报，并取消前一天的置顶", en: "Pin the day's header and unpin the previous one" } },
  {
    name: "role",
    type: "string",
    description: { zh: "仅 Discord：在日报开头提醒的身份组（ID 或 @提及）；none 取消", en: "Discord only: a role pinged on the header (id or mention); none for no ping" },
    maxLength: 40,
    textRole: "named",
  },
  { name: "preview", type: "boolean", description: { zh: "仅 Telegram：在日报开头显示首条链接的预览", en: "Telegram only: show the lead story's link preview on the header" } },
  {
    name: "keywords",
    type: "string",
    description: { zh: "只发匹配这些关键词的报道，逗号分隔，如 agent, 安全；none 取消", en: "Only stories matching these, comma-separated, e.g. agent, 安全; none for all stories" },
    maxLength: 500,
    textRole: "named",
  },
];

/** Which PostOptions field each command option sets. */
const FIELD: Record<string, keyof PostOptions> = { mode: "mode", silent: "silent", pin: "pin", role: "pingRole", preview: "linkPreview", keywords: "keywords" };

const PLATFORM_NAMES: Record<Platform, Record<"zh" | "en", string>> = {
  discord: { zh: "Discord", en: "Discord" },
  telegram: { zh: "Telegram", en: "Telegram" },
  console: { zh: "本地控制台", en: "the console" },
};

/**
 * The delivery options given to `/subscribe`, as a patch of the target's own options (only what was given), or
 * undefined when none was. Throws a `bad-option` UserError naming the option and the fix; an option of another
 * platform is refused saying which platform it is for. Nothing is changed before everything is read.
 *
 * @example
 * readOptionsPatch(ctx); // /subscribe silent:true keywords:"agent, 安全" → { silent: true, keywords: ["agent", "安全"] }
 */
export function readOptionsPatch(ctx: CommandContext): PostOptionsPatch | undefined {
  const patch: PostOptionsPatch = {};
  const platform = ctx.target?.platform ?? ctx.platform;
  const bad = (option: string, problem: string) =>
    new UserError("bad-option", t(ctx.locale, "error.badPostOption", { option, problem }), t(ctx.locale, "error.badPostOption.hint"));
  for (const def of POST_OPTION_DEFS) {
    const value = ctx.options[def.name];
    if (value === undefined) continue;
    const field = FIELD[def.name]!;
    const only = PLATFORM_OPTIONS[field];
    if (only && only !== platform) {
      const names = { option: def.name, platform: PLATFORM_NAMES[only][ctx.locale], here: PLATFORM_NAMES[platform][ctx.locale] };
      throw new UserError("bad-option", t(ctx.locale, "error.optionPlatform", names), t(ctx.locale, "error.optionPlatform.hint", names));
    }
    if (field === "pin" && value === true && !PIN_PLATFORMS.includes(platform)) {
      throw new UserError("bad-option", t(ctx.locale, "error.cannotPin", { here: PLATFORM_NAMES[platform][ctx.locale] }), t(ctx.locale, "error.cannotPin.hint"));
    }
    if (typeof value === "boolean") {
      (patch as Record<string, unknown>)[field] = value;
      continue;
    }
    const text = String(value).trim();
    if (def.name === "mode") {
      const mode = text.toLowerCase();
      if (mode !== "channel" && mode !== "thread" && mode !== "forum") throw bad("mode", t(ctx.locale, "problem.mode", { value: text }));
      patch.mode = mode;
    } else if (def.name === "role") {
      if (NONE.has(text.toLowerCase())) patch.pingRole = "";
      else {
        const id = /^(?:<@&(\d{5,25})>|(\d{5,25}))$/.exec(text);
        if (!id) throw bad("role", t(ctx.locale, "problem.role", { value: text }));
        patch.pingRole = id[1] ?? id[2]!;
      }
    } else if (def.name === "keywords") {
      if (NONE.has(text.toLowerCase())) patch.keywords = [];
      else {
        const keywords = uniqueKeywords(text.split(/[,，、;；]/).map((k) => k.trim()).filter(Boolean));
        if (keywords.length === 0 || keywords.length > MAX_KEYWORDS || keywords.some((k) => Array.from(k).length > MAX_KEYWORD_LENGTH)) {
          throw bad("keywords", t(ctx.locale, "problem.keywords", { max: MAX_KEYWORDS, length: MAX_KEYWORD_LENGTH }));
        }
        // A keyword with nothing searchable in it would match no story ever: every day would be skipped.
        const unsearchable = unsearchableKeywords(keywords);
        if (unsearchable.length > 0) {
          throw bad("keywords", t(ctx.locale, "problem.keywordUnsearchable", { keywords: unsearchable.map((k) => `“${k}”`).join(listSeparator(ctx.locale)) }));
        }
        patch.keywords = keywords;
      }
    }
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}
