// /sections [date]: the sections of a digest with their story counts.
import { defineCommand } from "../src/core/command.js";
import { DATE_OPTION, dateOption, digestForDate } from "./_shared/helpers.js";

export default defineCommand({
  name: "sections",
  description: { zh: "列出一期日报的栏目和报道数", en: "List a digest's sections with their story counts" },
  options: [DATE_OPTION],
  execute(ctx) {
    const digest = digestForDate(ctx, dateOption(ctx));
    return { type: "sections", date: digest.date, sections: digest.sections.map((s) => ({ title: s.title, storyCount: s.stories.length })) };
  },
});
