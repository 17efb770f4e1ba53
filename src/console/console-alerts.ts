// The console's personal alerts: a /watch match is printed to the terminal (the console user is the only watcher there).
import type { AlertPublisher } from "../core/delivery/alert-publisher.js";
import { t } from "../core/i18n.js";
import { renderReplyText } from "../core/render-text.js";

/** One printed alert. */
export interface ConsoleAlert {
  text: string;
}

/**
 * Prints each alert under its title line.
 *
 * @example
 * app.delivery.registerAlertPublisher(createConsoleAlerts({ output: process.stdout }));
 */
export function createConsoleAlerts(options: { output: NodeJS.WritableStream }): AlertPublisher<ConsoleAlert> {
  let sent = 0;
  return {
    platform: "console",
    planAlert: ({ story, query, locale }) => ({
      text: `${t(locale, "alert.title", { query })}\n${renderReplyText({ type: "story", story, alsoMatching: [] }, locale)}`,
    }),
    sendDirect(_userId, payload) {
      sent += 1;
      options.output.write(`\n${payload.text}\n`);
      return Promise.resolve({ messageId: `console-alert-${sent}` });
    },
  };
}
