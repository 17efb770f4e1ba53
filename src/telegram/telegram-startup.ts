// Telegram start-up: getMe with a logged backoff (never a silent hang), a clear line for a rejected token.
import { GrammyError, HttpError, type Bot } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { Logger } from "../core/logger.js";

/** Backoff between getMe attempts at start while the Bot API cannot be reached (ms); the last one repeats. */
export const TELEGRAM_CONNECT_BACKOFF_MS = [1000, 2000, 4000, 8000, 16_000, 30_000, 60_000];

/** A failure at start: says what to check. Never contains the token. */
export class TelegramStartError extends Error {
  override name = "TelegramStartError";
}

/** The network reason of a failed request (ECONNREFUSED, ENOTFOUND, …), else its scrubbed description. */
export function networkReason(err: unknown, describe: (e: unknown) => string): string {
  if (err instanceof HttpError) {
    let cause: unknown = err.error;
    for (let depth = 0; cause && depth < 4; depth++) {
      const code = (cause as { code?: unknown }).code;
      if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) return code;
      cause = (cause as { cause?: unknown }).cause;
    }
  }
  return describe(err);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new TelegramStartError("telegram: start cancelled (stopping)"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
  });
}

/**
 * Asks getMe until it answers, logging a warning at once and at each backoff step
 * (`cannot reach Telegram at http://…: ECONNREFUSED; retrying in 8 s`), and sets `bot.botInfo`.
 * A rejected token (401/404) fails at once with the setting to fix. Rejects when `signal` aborts.
 *
 * @example
 * await connectTelegram(bot, { apiRoot: config.TELEGRAM_API_ROOT, logger, describe, signal });
 */
export async function connectTelegram(
  bot: Bot,
  options: { apiRoot: string; logger: Logger; describe: (e: unknown) => string; signal?: AbortSignal; backoffMs?: readonly number[] },
): Promise<UserFromGetMe> {
  const backoff = options.backoffMs ?? TELEGRAM_CONNECT_BACKOFF_MS;
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw new TelegramStartError("telegram: start cancelled (stopping)");
    try {
      const me = await bot.api.getMe(options.signal as Parameters<Bot["api"]["getMe"]>[0]);
      bot.botInfo = me;
      if (attempt > 0) options.logger.info({ apiRoot: options.apiRoot }, "telegram: reached the Bot API");
      return me;
    } catch (err) {
      if (options.signal?.aborted) throw new TelegramStartError("telegram: start cancelled (stopping)");
      if (err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404)) {
        throw new TelegramStartError(
          `Telegram rejected TELEGRAM_BOT_TOKEN (${err.error_code} ${err.error_code === 401 ? "Unauthorized" : "Not Found"}); copy the token again from @BotFather`,
        );
      }
      const delay = backoff[Math.min(attempt, backoff.length - 1)]!;
      const seconds = delay >= 1000 ? `${Math.round(delay / 1000)} s` : `${delay} ms`;
      options.logger.warn(
        { apiRoot: options.apiRoot, attempt: attempt + 1 },
        `cannot reach Telegram at ${options.apiRoot}: ${networkReason(err, options.describe)}; retrying in ${seconds}`,
      );
      await sleep(delay, options.signal);
    }
  }
}
