// /unsubscribe: stop delivering the daily digest to this channel (and unpin the header the bot pinned there). Admin only.
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
    const text = t(ctx.locale, "admin.unsubscribed", { target: here });
    // The header the bot pinned is unpinned with the subscription; a refusal is told, the unsubscribe stands.
    if (typeof removed === "object" && "unpinError" in removed) {
      return { type: "notice", tone: "warning", text: `${text}\n${t(ctx.locale, "admin.unpinFailed", { reason: removed.unpinError })}` };
    }
    if (typeof removed === "object") return { type: "notice", tone: "success", text: `${text}\n${t(ctx.locale, "admin.unpinned")}` };
    return { type: "notice", tone: "success", text };
  },
});
