// /subscribe [sections…] [cron] [timezone] [delivery options]: deliver the daily digest (all sections, or the ones named) here, as asked. Admin only.
import { defineCommand } from "../src/core/command.js";
import { UserError } from "../src/core/command-registry.js";
import { createSchedule } from "../src/core/delivery/schedule.js";
import { scheduleProblem } from "../src/core/schedule-problem.js";
import { listSeparator, t } from "../src/core/i18n.js";
import { requireAnyDigest } from "./_shared/helpers.js";
import { requireTarget, sectionIndexes, viaDelivery } from "./_shared/admin.js";
import { POST_OPTION_DEFS, readOptionsPatch } from "./_shared/post-options.js";
import { optionsLine } from "../src/core/post-options-text.js";
import type { CommandContext } from "../src/core/command.js";
import type { TargetRef } from "../src/core/delivery/control.js";

/** Words that ask for every section again (`/subscribe 全部`). */
const ALL_SECTIONS = new Set(["all", "全部", "所有", "*"]);

export default defineCommand({
  name: "subscribe",
  description: { zh: "在这里订阅每日日报，可只选部分栏目、自定时间", en: "Get the daily digest here; optionally only some sections, at your own time" },
  adminOnly: true,
  options: [
    {
      name: "sections",
      type: "string",
      description: { zh: "只订阅这些栏目，用逗号分隔；“全部”恢复全部栏目（不填则不变）", en: "Only these sections, comma-separated; \"all\" for every section (unchanged when left out)" },
      maxLength: 200,
    },
    {
      name: "cron",
      type: "string",
      description: { zh: "发送时间，cron 格式，如 0 8 * * *（默认 POST_CRON）", en: "When to post, as cron, e.g. 0 8 * * * (default: POST_CRON)" },
      maxLength: 100,
      textRole: "named",
    },
    {
      name: "timezone",
      type: "string",
      description: { zh: "时区，如 Europe/Berlin（默认 POST_TIMEZONE）", en: "Time zone, e.g. Europe/Berlin (default: POST_TIMEZONE)" },
      maxLength: 64,
      textRole: "named",
    },
    ...POST_OPTION_DEFS,
  ],
  async execute(ctx) {
    const { config, delivery } = ctx.services;
    const target = requireTarget(ctx, "subscribe");
    const text = ctx.options.sections as string | undefined;
    const cron = ctx.options.cron as string | undefined;
    const timezone = ctx.options.timezone as string | undefined;
    const custom = cron !== undefined || timezone !== undefined;
    if (custom) {
      // Checked before subscribing, so a typo does not leave a subscription on the wrong schedule.
      const localized = scheduleProblem(ctx.locale, cron, timezone);
      if (localized) throw new UserError("bad-option", t(ctx.locale, "error.badSchedule", { problem: localized }), t(ctx.locale, "error.badSchedule.hint"));
      try {
        createSchedule(cron ?? config.POST_CRON, timezone ?? config.POST_TIMEZONE);
      } catch (err) {
        const problem = err instanceof Error ? err.message.replace(/^schedule: /, "") : String(err);
        throw new UserError("bad-option", t(ctx.locale, "error.badSchedule", { problem }), t(ctx.locale, "error.badSchedule.hint"));
      }
    }
    // Every option is read before anything changes: a refused one leaves the subscription as it was.
    const patch = readOptionsPatch(ctx);
    // Only what is given changes: no sections keeps the filter (all for a new subscription), "all" clears it.
    let sections: number[] | undefined;
    if (text && ALL_SECTIONS.has(text.trim().toLowerCase())) sections = [];
    else if (text) sections = sectionIndexes(ctx, requireAnyDigest(ctx), text);
    const current = await statusOf(ctx, target);
    await viaDelivery(ctx, () => delivery.subscribe(target, sections));
    if (custom) {
      // A field not given keeps its own value; the status shows a per-target value as one that differs from the default.
      const schedule: { cron?: string; timezone?: string } = {};
      const keptCron = current && current.cron !== config.POST_CRON ? current.cron : undefined;
      const keptZone = current && current.timezone !== config.POST_TIMEZONE ? current.timezone : undefined;
      if ((cron ?? keptCron) !== undefined) schedule.cron = (cron ?? keptCron)!;
      if ((timezone ?? keptZone) !== undefined) schedule.timezone = (timezone ?? keptZone)!;
      await viaDelivery(ctx, async () => {
        if (!delivery.setSchedule) throw new Error("this delivery engine cannot set a schedule per target");
        await delivery.setSchedule(target, schedule);
      });
    }
    if (patch) {
      await viaDelivery(ctx, async () => {
        if (!delivery.setOptions) throw new Error("this delivery engine cannot set delivery options");
        await delivery.setOptions(target, patch);
      });
    }
    // Say what the subscription is now, as stored.
    const after = await statusOf(ctx, target);
    const shown = after?.sections?.length ? after.sections.join(listSeparator(ctx.locale)) : t(ctx.locale, "label.allSections");
    let reply = t(ctx.locale, "admin.subscribed", { target: t(ctx.locale, "label.here"), sections: shown });
    if (after && (after.cron !== config.POST_CRON || after.timezone !== config.POST_TIMEZONE)) {
      reply += `\n${t(ctx.locale, "admin.subscribedSchedule", { cron: after.cron, timezone: after.timezone })}`;
    }
    const options = optionsLine(ctx.locale, after?.options);
    if (options) reply += `\n${options}`;
    return { type: "notice", tone: "success", text: reply };
  },
});

/** This target's status: one key lookup where the engine offers it (`status()` reads every target). */
function statusOf(ctx: CommandContext, target: TargetRef) {
  const { delivery } = ctx.services;
  return viaDelivery(ctx, async () =>
    delivery.targetStatus
      ? delivery.targetStatus(target)
      : (await delivery.status()).targets.find((s) => s.platform === target.platform && s.targetId === target.id),
  );
}
