// The console's publisher: scheduled daily posts are printed to the terminal instead of sent to a chat.
import type { Locale } from "../core/config.js";
import type { Publisher } from "../core/delivery/publisher.js";
import { renderDailyPostText } from "../core/render-text.js";
import type { DailyPost } from "../core/summaries.js";
import { t } from "../core/i18n.js";

/** The one delivery target of the console. */
export const CONSOLE_TARGET = { platform: "console", id: "local" } as const;

/** Pure: the plain-text messages of a daily post on the console (header, then one per section). */
export function planConsoleDailyPost(post: DailyPost, locale: Locale): ConsolePostPart[] {
  const texts = renderDailyPostText(post, locale);
  return texts.map((text, i) => ({ date: post.date, part: `${i + 1}/${texts.length}`, text }));
}

/** One printed message of a daily post. */
export interface ConsolePostPart {
  date: string;
  /** `2/8`: this part and how many the post has. */
  part: string;
  text: string;
}

/**
 * A publisher that writes each part to `output` under a banner line.
 *
 * @example
 * app.delivery.registerPublisher(createConsolePublisher({ output: process.stdout, locale: "zh" }));
 */
export function createConsolePublisher(options: {
  output: NodeJS.WritableStream;
  locale: Locale;
}): Publisher<ConsolePostPart> {
  let sent = 0;
  return {
    platform: "console",
    planDailyPost: (post) => planConsoleDailyPost(post, options.locale),
    send(targetId, payload) {
      sent += 1;
      const banner = t(options.locale, "console.post", { target: `console:${targetId}`, date: payload.date, part: payload.part });
      options.output.write(`\n${banner}\n${payload.text}\n`);
      return Promise.resolve({ messageId: `console-${sent}` });
    },
  };
}
