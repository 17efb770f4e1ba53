// /watch [query]: with a query, get each matching story of new digests in a private message; without one, list your watches.
import { defineCommand } from "../src/core/command.js";
import { UserError } from "../src/core/command-registry.js";
import { t } from "../src/core/i18n.js";
import type { Reply } from "../src/core/reply.js";
import { tokenize } from "../src/core/search.js";
import { WATCH_QUERY_MAX_LENGTH, normalizeWatchQuery, requireWatcher } from "./_shared/watches.js";

export default defineCommand({
  name: "watch",
  description: { zh: "关注关键词：新日报有匹配的报道时私信发给你；不带关键词则列出你的关注", en: "Get matching stories of new digests privately; without a query, list your watches" },
  personal: true,
  options: [
    {
      name: "query",
      type: "string",
      description: { zh: "关键词，与 /search 相同的匹配方式（不填则列出你的关注）", en: "Keywords, matched as /search does (leave out to list your watches)" },
      maxLength: WATCH_QUERY_MAX_LENGTH,
    },
  ],
  async execute(ctx): Promise<Reply> {
    const { user, watches } = requireWatcher(ctx);
    const typed = ctx.options.query as string | undefined;
    const mine = await watches.list(user);
    if (typed === undefined) {
      if (mine.length === 0) return { type: "notice", tone: "info", text: `${t(ctx.locale, "watch.none")}\n${t(ctx.locale, "watch.none.hint")}` };
      const lines = mine.map((w, i) =>
        w.enabled ? t(ctx.locale, "watch.listItem", { n: i + 1, query: w.query }) : t(ctx.locale, "watch.listDisabled", { n: i + 1, query: w.query, reason: w.disabledReason ?? "?" }),
      );
      const text = [t(ctx.locale, "watch.listTitle", { count: mine.length, limit: watches.limit }), ...lines];
      if (mine.some((w) => !w.enabled)) text.push(t(ctx.locale, "watch.listDisabled.hint"));
      return { type: "notice", tone: "info", text: text.join("\n") };
    }
    const query = normalizeWatchQuery(typed);
    // A query with nothing the index can match would never alert: refused rather than kept silently useless.
    if (tokenize(query).length === 0) throw new UserError("bad-option", t(ctx.locale, "watch.noWords", { query }), t(ctx.locale, "watch.noWords.hint"));
    const result = await watches.add(user, query, ctx.locale);
    if (result === "limit") {
      throw new UserError("bad-option", t(ctx.locale, "watch.limit", { limit: watches.limit, count: mine.length }), t(ctx.locale, "watch.limit.hint"));
    }
    const count = result === "added" ? mine.length + 1 : mine.length;
    let text = t(ctx.locale, result === "added" ? "watch.added" : "watch.exists", { query, count, limit: watches.limit });
    // Telegram cannot open a private chat the user never started; said where it matters (outside that chat).
    if (user.platform === "telegram" && ctx.target?.id !== user.id) text += `\n${t(ctx.locale, "watch.telegramStart")}`;
    return { type: "notice", tone: result === "added" ? "success" : "info", text };
  },
});
