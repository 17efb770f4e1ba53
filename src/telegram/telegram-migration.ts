// A basic group upgraded to a supergroup gets a new chat id: its /subscribe'd subscription moves to the new id with its settings.
import type { Logger } from "../core/logger.js";
import type { Storage } from "../core/storage/types.js";
import { upgradedTo } from "./telegram-publisher.js";

/**
 * Moves the subscription of a group that Telegram upgraded to a supergroup (the service message in the old group
 * carries `migrate_to_chat_id`) to the new id, keeping its sections, schedule and options; the old id is removed
 * and its unsent messages skipped (Telegram refuses them); its recent posts go along (the day's post is not sent
 * again, and what was left of one to send, or refused as sent to the old id, goes to the new one). A
 * TELEGRAM_CHAT_IDS target is not moved — the setting would bring the old id back — it is left for the first post
 * to disable with the new id in the reason.
 *
 * @example
 * await followGroupMigration(app.storage, -4242, -1009990001, new Date().toISOString(), logger);
 */
export async function followGroupMigration(
  storage: Pick<Storage, "subscriptions">,
  from: number,
  to: number,
  now: string,
  logger: Logger,
): Promise<"moved" | "settings" | "none"> {
  const { subscriptions } = storage;
  const old = await subscriptions.get("telegram", String(from));
  if (!old) return "none";
  if (old.source === "settings") {
    logger.warn({ from, to }, `telegram: group ${from} was upgraded to supergroup ${to}; put ${to} in TELEGRAM_CHAT_IDS in place of ${from}`);
    return "settings";
  }
  const target = String(to);
  // One transaction, with the skipping of the old id's open parts: a delivery planned meanwhile finds the
  // subscription at one id with all its settings, and a sender never finds it moved with parts left at the old id.
  // Messages Telegram refused as sent to the old id before this notice came are sent to the new one, once.
  if (!(await subscriptions.move("telegram", String(from), target, now, `the group was upgraded to supergroup ${to}`, upgradedTo(to)))) return "none";
  logger.info({ from, to }, "telegram: group upgraded to a supergroup; its subscription follows the new id");
  return "moved";
}
