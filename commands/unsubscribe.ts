// /unsubscribe: stop delivering the daily digest to this channel. Admin only.
import { defineCommand } from "../src/core/command.js";
import { t } from "../src/core/i18n.js";
import { requireTarget, viaDelivery } from "./_shared/admin.js";

export default defineCommand({
  name: "unsubscribe",
  description: { zh: "在这里取消订阅每日日报", en: "Stop the daily digest here" },
  adminOnly: true,
  options: [],
  async execute(ctx) {
    const target = requireTarget(ctx, "unsubscribe");
    const here = t(ctx.locale, "label.here");
    const removed = await viaDelivery(ctx, () => ctx.services.delivery.unsubscribe(target));
    if (!removed) return { type: "notice", tone: "info", text: `${t(ctx.locale, "admin.notSubscribed", { target: here })}\n${t(ctx.locale, "admin.notSubscribed.hint")}` };
    return { type: "notice", tone: "success", text: t(ctx.locale, "admin.unsubscribed", { target: here }) };
  },
});
