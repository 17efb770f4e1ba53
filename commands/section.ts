// /section <name> [date]: one section's summary, as the daily post delivers it; names match loosely.
import { defineCommand } from "../src/core/command.js";
import { summarizeSection } from "../src/core/summaries.js";
import { DATE_OPTION, dateOption, digestForDate, requireSection } from "./_shared/helpers.js";

export default defineCommand({
  name: "section",
  description: { zh: "查看一个栏目的摘要（栏目名可简写，如 agent、安全、2）", en: "Show one section's summary (loose names: agent, 安全, 2)" },
  options: [
    { name: "name", type: "string", description: { zh: "栏目名或序号", en: "Section name or number" }, required: true, maxLength: 50 },
    DATE_OPTION,
  ],
  execute(ctx) {
    const digest = digestForDate(ctx, dateOption(ctx));
    const index = requireSection(ctx, digest, String(ctx.options.name));
    return { type: "section-summary", date: digest.date, summary: summarizeSection(digest.sections[index]!, index) };
  },
});
