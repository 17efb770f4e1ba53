// /search <query> [section] [date] [page]: up to 10 results per page, with the total and page count.
import { defineCommand } from "../src/core/command.js";
import { UserError } from "../src/core/command-registry.js";
import { t } from "../src/core/i18n.js";
import { matchSection } from "../src/core/section-match.js";
import {
  DATE_OPTION,
  QUERY_MAX_LENGTH,
  RESULTS_PER_PAGE,
  dateOption,
  requireAnyDigest,
  requireDateExists,
  requireSection,
  sectionsHint,
} from "./_shared/helpers.js";

export default defineCommand({
  name: "search",
  description: { zh: "搜索报道：每页最多 10 条，显示标题、栏目、日期和编号", en: "Search stories: up to 10 per page with title, section, date and id" },
  options: [
    { name: "query", type: "string", description: { zh: "关键词", en: "Keywords" }, required: true, maxLength: QUERY_MAX_LENGTH },
    {
      name: "section",
      type: "string",
      description: { zh: "只看这个栏目（如 agent、安全、2）", en: "Only this section (e.g. agent, 安全, 2)" },
      maxLength: 50,
      textRole: "named",
    },
    DATE_OPTION,
    { name: "page", type: "integer", description: { zh: "页码（默认 1）", en: "Page number (default 1)" }, minValue: 1, maxValue: 100 },
  ],
  execute(ctx) {
    const query = String(ctx.options.query);
    const sectionName = ctx.options.section as string | undefined;
    const page = (ctx.options.page as number | undefined) ?? 1;
    const latest = requireAnyDigest(ctx);
    const date = dateOption(ctx);
    let sectionTitle: string | undefined;
    if (date) {
      const digest = requireDateExists(ctx, date);
      if (sectionName) sectionTitle = digest.sections[requireSection(ctx, digest, sectionName)]!.title;
    } else if (sectionName) {
      // Without a date the filter spans every digest; it must name a section in at least one of them (the newest
      // such digest names the title shown). The latest digest nearly always does: the whole archive only otherwise.
      const owner =
        matchSection(latest, sectionName) !== undefined ? latest : ctx.services.archive.all().reverse().find((d) => matchSection(d, sectionName) !== undefined);
      if (!owner) throw new UserError("unknown-section", t(ctx.locale, "error.unknownSection", { name: sectionName }), sectionsHint(ctx, latest));
      sectionTitle = owner.sections[matchSection(owner, sectionName)!]!.title;
    }
    const filter = { ...(date ? { date } : {}), ...(sectionName ? { section: sectionName } : {}) };
    // Only the page asked for is ranked; the total is counted.
    const found = ctx.services.search.searchPage(query, { ...filter, offset: (page - 1) * RESULTS_PER_PAGE, limit: RESULTS_PER_PAGE });
    const total = found.total;
    if (total === 0) {
      const filtered = date || sectionName;
      throw new UserError(
        "no-match",
        t(ctx.locale, "error.noMatch", { query }),
        filtered ? t(ctx.locale, "error.noMatchFiltered.hint", { query }) : t(ctx.locale, "error.noMatch.hint"),
      );
    }
    const pageCount = Math.max(1, Math.ceil(total / RESULTS_PER_PAGE));
    if (page > pageCount) {
      const last = ["/search", query, sectionName ? `section:${sectionName}` : "", date ?? "", pageCount > 1 ? `page:${pageCount}` : ""];
      throw new UserError(
        "bad-option",
        t(ctx.locale, "error.pagePastEnd", { page, pageCount }),
        t(ctx.locale, "error.pagePastEnd.hint", { command: last.filter(Boolean).join(" ") }),
      );
    }
    const hits = found.hits.map(({ id, date: d, section, title }) => ({ id, date: d, section, title }));
    const filters: { section?: string; date?: string } = {};
    if (sectionTitle) filters.section = sectionTitle;
    if (date) filters.date = date;
    return { type: "results", query, filters, hits, page, pageCount, total };
  },
});
