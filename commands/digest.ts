// /digest [date]: the overview of a digest, each section with its story titles.
import { defineCommand } from "../src/core/command.js";
import { DATE_OPTION, dateOption, digestForDate } from "./_shared/helpers.js";
import { overviewOf } from "./_shared/overview.js";

export default defineCommand({
  name: "digest",
  description: { zh: "查看一期日报的目录：各栏目及报道标题", en: "Show a digest's overview: its sections and story titles" },
  options: [DATE_OPTION],
  execute(ctx) {
    return overviewOf(digestForDate(ctx, dateOption(ctx)));
  },
});
