// /today: the overview of today's digest (in the bot's time zone), or a pointer to the latest one.
import { defineCommand } from "../src/core/command.js";
import { UserError } from "../src/core/command-registry.js";
import { dayIn } from "../src/core/dates.js";
import { t } from "../src/core/i18n.js";
import { requireAnyDigest } from "./_shared/helpers.js";
import { overviewOf } from "./_shared/overview.js";

export default defineCommand({
  name: "today",
  description: { zh: "查看今天的日报目录", en: "Show today's digest overview" },
  options: [],
  execute(ctx) {
    const latest = requireAnyDigest(ctx);
    const today = dayIn(ctx.now, ctx.services.config.POST_TIMEZONE);
    const digest = ctx.services.archive.get(today);
    if (!digest) {
      throw new UserError("unknown-date", t(ctx.locale, "error.noToday", { date: today }), t(ctx.locale, "error.noToday.hint", { latest: latest.date }));
    }
    return overviewOf(digest);
  },
});
