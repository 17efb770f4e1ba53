// Telegram webhook mode: setWebhook at start, and the POST route that checks the secret and handles each update once.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "../core/logger.js";
import type { TelegramUpdateStore } from "../core/storage/telegram-updates-store.js";

/** Header Telegram sends the webhook secret in. */
export const TELEGRAM_SECRET_HEADER = "x-telegram-bot-api-secret-token";

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
 * A request without the right `X-Telegram-Bot-Api-Secret-Token` gets 401 and is not handled. Each update id is
 * claimed in the database before it is handled (`updates`, shared by every instance on it), so an update Telegram
 * re-delivers — to this instance or another — is acknowledged and not handled again; one another instance is still
 * handling gets 503 (Telegram retries it later, by then acknowledged).
 *
 * @example
 * const webhook = await startTelegramWebhook({ bot, host: http, url, secret, allowedUpdates, updates: storage.telegramUpdates, logger });
 */
export async function startTelegramWebhook(options: {
  bot: Bot;
  host: WebhookHost;
  url: string;
  secret: string;
  allowedUpdates: readonly string[];
  updates: TelegramUpdateStore;
  logger: Logger;
}): Promise<TelegramWebhook> {
  const { bot, logger, secret, updates } = options;
  const path = new URL(options.url).pathname || "/";
  const botId = String(bot.botInfo.id);
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
    const updateId = update.update_id;
    const job = (async () => {
      let claim: Awaited<ReturnType<TelegramUpdateStore["claim"]>>;
      try {
        claim = await updates.claim(botId, updateId);
      } catch (err) {
        // Not handled and not acknowledged: Telegram re-sends it, to this or another instance.
        logger.warn({ update: updateId, error: err instanceof Error ? err.message : String(err) }, "telegram webhook: could not claim the update in the state database; Telegram will re-send it");
        return { status: 503, body: { ok: false, description: "state database unavailable; retry later" } };
      }
      if (claim === "done") {
        logger.debug({ update: updateId }, "telegram webhook: update delivered again; already handled");
        return { status: 200, body: { ok: true } };
      }
      if (claim === "busy") {
        logger.debug({ update: updateId }, "telegram webhook: update delivered again while another instance handles it; retry later");
        return { status: 503, body: { ok: false, description: "being handled; retry later" } };
      }
      try {
        await bot.handleUpdate(update);
      } finally {
        await updates.markDone(botId, updateId).catch((err: unknown) => {
          logger.warn({ update: updateId, error: err instanceof Error ? err.message : String(err) }, "telegram webhook: could not mark the update handled; a re-delivery waits until its claim is stale");
        });
      }
      return { status: 200, body: { ok: true } };
    })();
    inFlight.add(job);
    try {
      return await job;
    } finally {
      inFlight.delete(job);
    }
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
