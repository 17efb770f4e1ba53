// Telegram webhook mode: setWebhook at start, and the POST route that checks the secret and handles each update once.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "../core/logger.js";

/** Header Telegram sends the webhook secret in. */
export const TELEGRAM_SECRET_HEADER = "x-telegram-bot-api-secret-token";
/** Update ids remembered to drop a re-delivered update (Telegram re-sends when an answer was slow or lost). */
export const TELEGRAM_WEBHOOK_SEEN_UPDATES = 10_000;

/** What the webhook needs of the HTTP endpoint (src/http/http-server.ts), kept structural so core stays apart. */
export interface WebhookHost {
  addPostRoute(path: string, route: (req: IncomingMessage, body: Buffer) => Promise<{ status: number; body?: unknown }>): void;
}

export interface TelegramWebhook {
  /** Answers 503 from now on, so Telegram re-delivers what arrives during a stop instead of it being dropped. */
  drain(): Promise<void>;
}

function sameSecret(given: string | string[] | undefined, secret: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Serves the webhook at the path of `url` on `host` and tells Telegram about it (secret token, allowed updates).
 * A request without the right `X-Telegram-Bot-Api-Secret-Token` gets 401 and is not handled; an update id seen
 * before is acknowledged and not handled again.
 *
 * @example
 * const webhook = await startTelegramWebhook({ bot, host: http, url, secret, allowedUpdates, logger });
 */
export async function startTelegramWebhook(options: {
  bot: Bot;
  host: WebhookHost;
  url: string;
  secret: string;
  allowedUpdates: readonly string[];
  logger: Logger;
}): Promise<TelegramWebhook> {
  const { bot, logger, secret } = options;
  const path = new URL(options.url).pathname || "/";
  const seen = new Set<number>();
  const inFlight = new Set<Promise<unknown>>();
  let draining = false;

  options.host.addPostRoute(path, async (req, body) => {
    if (!sameSecret(req.headers[TELEGRAM_SECRET_HEADER], secret)) {
      logger.warn({ path, from: req.socket.remoteAddress }, "telegram webhook: wrong or missing secret token; request refused");
      return { status: 401, body: { ok: false, description: "wrong or missing secret token" } };
    }
    if (draining) return { status: 503, body: { ok: false, description: "stopping; retry later" } };
    let update: Update;
    try {
      update = JSON.parse(body.toString("utf8")) as Update;
    } catch {
      return { status: 400, body: { ok: false, description: "body is not JSON" } };
    }
    if (typeof update?.update_id !== "number") return { status: 400, body: { ok: false, description: "no update_id" } };
    if (seen.has(update.update_id)) {
      logger.debug({ update: update.update_id }, "telegram webhook: update delivered again; already handled");
      return { status: 200, body: { ok: true } };
    }
    seen.add(update.update_id);
    if (seen.size > TELEGRAM_WEBHOOK_SEEN_UPDATES) seen.delete(seen.values().next().value!);
    const job = bot.handleUpdate(update);
    inFlight.add(job);
    try {
      await job;
    } finally {
      inFlight.delete(job);
    }
    return { status: 200, body: { ok: true } };
  });

  await bot.api.setWebhook(options.url, {
    secret_token: secret,
    allowed_updates: [...options.allowedUpdates] as never,
  });
  logger.info({ url: options.url, path }, "telegram: webhook set; updates arrive over HTTP");
  return {
    async drain() {
      draining = true;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
