// /links <query> [date]: just the labelled links of the best-matching story.
import { defineCommand } from "../src/core/command.js";
import { DATE_OPTION, QUERY_OPTION, findStory, hitOf } from "./_shared/helpers.js";

export default defineCommand({
  name: "links",
  description: { zh: "列出最匹配报道的相关链接", en: "List the links of the best-matching story" },
  options: [QUERY_OPTION, DATE_OPTION],
  execute(ctx) {
    const { best } = findStory(ctx, "links");
    return { type: "links", story: hitOf(best), links: best.story.links };
  },
});
