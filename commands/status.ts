// /status: next run, last delivery per target and its result, disabled targets with reasons, digests loaded. Admin only:
// a chat's or server's admins see its own targets, the bot's operators every target.
import { defineCommand } from "../src/core/command.js";
import { viaDelivery, visibleTargets } from "./_shared/admin.js";

export default defineCommand({
  name: "status",
  description: { zh: "查看投递状态：下次运行、各目标最近一次投递、已加载的日报", en: "Delivery status: next run, last delivery per target, digests loaded" },
  adminOnly: true,
  options: [],
  async execute(ctx) {
    const status = await viaDelivery(ctx, () => ctx.services.delivery.status());
    // Pending runs name their target too: a tenant sees only its own, like the targets.
    const targets = visibleTargets(ctx, status.targets);
    const pending = status.pending && visibleTargets(ctx, status.pending);
    const dates = ctx.services.archive.dates();
    const digests: { count: number; latest?: string } = { count: dates.length };
    const latest = dates.at(-1);
    if (latest) digests.latest = latest;
    return pending?.length ? { type: "status", digests, targets, pending } : { type: "status", digests, targets };
  },
});
