// /subscribe [sections…]: deliver the daily digest (all sections, or the ones named) to this channel. Admin only.
import { defineCommand } from "../src/core/command.js";
import { listSeparator, t } from "../src/core/i18n.js";
import { requireAnyDigest } from "./_shared/helpers.js";
import { requireTarget, sectionIndexes, viaDelivery } from "./_shared/admin.js";

export default defineCommand({
  name: "subscribe",
  description: { zh: "在这里订阅每日日报，可只选部分栏目", en: "Get the daily digest here, optionally only some sections" },
  adminOnly: true,
  options: [
    {
      name: "sections",
      type: "string",
      description: { zh: "只订阅这些栏目，用逗号分隔（默认全部）", en: "Only these sections, comma-separated (default: all)" },
      maxLength: 200,
    },
  ],
  async execute(ctx) {
    const target = requireTarget(ctx, "subscribe");
    const text = ctx.options.sections as string | undefined;
    let sections: number[] | undefined;
    let shown = t(ctx.locale, "label.allSections");
    if (text) {
      const digest = requireAnyDigest(ctx);
      sections = sectionIndexes(ctx, digest, text);
      shown = sections.map((i) => digest.sections[i]!.title).join(listSeparator(ctx.locale));
    }
    await viaDelivery(ctx, () => ctx.services.delivery.subscribe(target, sections));
    return { type: "notice", tone: "success", text: t(ctx.locale, "admin.subscribed", { target: t(ctx.locale, "label.here"), sections: shown }) };
  },
});
