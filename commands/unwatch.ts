// /unwatch <number or query>: stop one of your personal alerts (numbers as /watch lists them).
import { defineCommand } from "../src/core/command.js";
import { UserError } from "../src/core/command-registry.js";
import { t } from "../src/core/i18n.js";
import { watchQueryKey } from "../src/core/storage/watch-store.js";
import { WATCH_QUERY_MAX_LENGTH, normalizeWatchQuery, requireWatcher } from "./_shared/watches.js";

export default defineCommand({
  name: "unwatch",
  description: { zh: "取消一个关注（编号见 /watch，或写出关键词）", en: "Stop one of your watches (its number from /watch, or its query)" },
  personal: true,
  options: [
    {
      name: "query",
      type: "string",
      description: { zh: "编号或关键词", en: "Number or query" },
      required: true,
      maxLength: WATCH_QUERY_MAX_LENGTH,
    },
  ],
  async execute(ctx) {
    const { user, watches } = requireWatcher(ctx);
    const input = normalizeWatchQuery(String(ctx.options.query));
    const mine = await watches.list(user);
    const byNumber = /^\d+$/.test(input.normalize("NFKC")) ? mine[Number(input.normalize("NFKC")) - 1] : undefined;
    const watch = byNumber ?? mine.find((w) => watchQueryKey(w.query) === watchQueryKey(input));
    if (!watch || !(await watches.remove(user, watch.query))) {
      throw new UserError("bad-option", t(ctx.locale, "unwatch.notFound", { input }), t(ctx.locale, "unwatch.notFound.hint"));
    }
    return { type: "notice", tone: "success", text: t(ctx.locale, "unwatch.removed", { query: watch.query }) };
  },
});
