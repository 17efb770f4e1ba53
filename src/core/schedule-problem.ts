// A cron expression or time zone typed in a command, checked with the reason in the asker's language.
import cron from "node-cron";
import { AMBIGUOUS_ZONES, timeZoneProblem, type Locale } from "./config.js";
import { t } from "./i18n.js";

/**
 * The localized problem with a schedule, or undefined when both parts are fine (createSchedule still has the last word).
 *
 * @example
 * scheduleProblem("zh", "61 8 * * *", undefined); // "“61 8 * * *” 不是有效的 cron 表达式；…"
 */
export function scheduleProblem(locale: Locale, cronExpr: string | undefined, timezone: string | undefined): string | undefined {
  if (cronExpr !== undefined && !cron.validate(cronExpr)) return t(locale, "schedule.badCron", { cron: cronExpr });
  if (timezone !== undefined && timeZoneProblem(timezone)) {
    const zones = AMBIGUOUS_ZONES[timezone.toUpperCase()];
    if (!zones) return t(locale, "schedule.unknownZone", { zone: timezone });
    return t(locale, "schedule.ambiguousZone", { zone: timezone, suggestion: zones.join(locale === "zh" ? " 或 " : " or ") });
  }
  return undefined;
}
