// /story <query> [date]: the best-matching story in full, plus the others that match almost as well.
import { defineCommand } from "../src/core/command.js";
import { DATE_OPTION, QUERY_OPTION, cardOf, findStory } from "./_shared/helpers.js";

export default defineCommand({
  name: "story",
  description: { zh: "查看最匹配的一条报道全文（可用关键词或编号）", en: "Show the best-matching story in full (keywords or an id)" },
  options: [QUERY_OPTION, DATE_OPTION],
  execute(ctx) {
    const { best, also } = findStory(ctx, "story");
    return { type: "story", story: cardOf(best), alsoMatching: also };
  },
});
