// The console's personal alerts: a /watch match is printed to the terminal (the console user is the only watcher there).
import { alertTitle, type AlertPublisher } from "../core/delivery/alert-publisher.js";
import { renderReplyText } from "../core/render-text.js";

/** One printed alert. */
export interface ConsoleAlert {
  text: string;
  /** The title lines alone (what an edit prints again); absent in alerts planned before edits existed. */
  title?: string;
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
    planAlert: (alert) => ({
      text: `${alertTitle(alert)}\n${renderReplyText({ type: "story", story: alert.story, alsoMatching: [] }, alert.locale)}`,
      title: alertTitle(alert),
    }),
    sendDirect(_userId, payload) {
      sent += 1;
      options.output.write(`\n${payload.text}\n`);
      return Promise.resolve({ messageId: `console-alert-${sent}` });
    },
    // A terminal cannot change what it printed: the alert's new title lines (its "…and N more") are printed again.
    editDirect(_userId, _messageId, payload) {
      options.output.write(`\n↻ ${payload.title ?? payload.text}\n`);
      return Promise.resolve();
    },
  };
}
