// /repost [date] [section] [all]: re-deliver a digest (or one section) here, or to every subscription. Admin only.
import { defineCommand } from "../src/core/command.js";
import type { RepostRequest } from "../src/core/delivery/control.js";
import { listSeparator, t } from "../src/core/i18n.js";
import { DATE_OPTION, dateOption, digestForDate, requireSection } from "./_shared/helpers.js";
import { requireOperator, requireTarget, viaDelivery } from "./_shared/admin.js";

export default defineCommand({
  name: "repost",
  description: { zh: "重新发送一期日报或其中一个栏目", en: "Repost a digest or one of its sections" },
  adminOnly: true,
  options: [
    DATE_OPTION,
    { name: "section", type: "string", description: { zh: "只发这个栏目（如 agent、2）", en: "Only this section (e.g. agent, 2)" }, maxLength: 50, textRole: "rest" },
    {
      name: "all",
      type: "boolean",
      description: { zh: "发往所有订阅的频道，而不只是这里（仅机器人运营者）", en: "Send to every subscribed channel, not just here (bot operators only)" },
    },
  ],
  async execute(ctx) {
    const digest = digestForDate(ctx, dateOption(ctx));
    const sectionName = ctx.options.section as string | undefined;
    const sectionIndex = sectionName ? requireSection(ctx, digest, sectionName) : undefined;
    // Every subscription means every tenant's channels: the bot's operators only.
    if (ctx.options.all === true) requireOperator(ctx, "/repost all:true");
    const request: RepostRequest = {
      date: digest.date,
      to: ctx.options.all === true ? "all-subscriptions" : requireTarget(ctx, "repost"),
      requestedBy: ctx.target ? `${ctx.target.platform}:${ctx.target.id}` : ctx.platform,
    };
    if (sectionIndex !== undefined) request.sectionIndex = sectionIndex;
    const result = await viaDelivery(ctx, () => ctx.services.delivery.repost(request));
    if (request.to === "all-subscriptions" && result.targets === 0) {
      return { type: "notice", tone: "warning", text: t(ctx.locale, "admin.repostNoSubscriptions") };
    }
    const section = sectionIndex === undefined ? "" : t(ctx.locale, "admin.repostedSection", { section: digest.sections[sectionIndex]!.title });
    let text = t(ctx.locale, "admin.reposted", { date: digest.date, section, messages: result.messagesSent, targets: result.targets });
    if (result.unmatched?.length) {
      // A subscription's keyword filter left nothing of this digest: said, not hidden behind "0 messages".
      text += `\n${t(ctx.locale, "admin.repostUnmatched", { targets: result.unmatched.map((u) => `${u.platform}:${u.id}`).join(listSeparator(ctx.locale)) })}`;
    }
    if (result.pending.length > 0) {
      const errors = result.pending.map((p) => `${p.target.platform}:${p.target.id} ${p.error}`).join(listSeparator(ctx.locale));
      text += `\n${t(ctx.locale, "admin.repostPending", { count: result.pending.length, errors })}`;
      return { type: "notice", tone: "warning", text };
    }
    return { type: "notice", tone: "success", text };
  },
});
