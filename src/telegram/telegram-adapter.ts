// The Telegram adapter: a grammY bot that routes commands, deep links, search paging and inline queries to the app.
import { createTelegramDm } from "./telegram-dm.js";
import { apiThrottler, type APIThrottlerOptions } from "@grammyjs/transformer-throttler";
import { autoRetry } from "@grammyjs/auto-retry";
import { Bot, GrammyError, HttpError, type Context } from "grammy";
import type { Message } from "grammy/types";
import type { App, InvocationContext } from "../app.js";
import { parseTextCommand } from "../core/command-registry.js";
import { LOCALES, type Config, type Locale } from "../core/config.js";
import { t } from "../core/i18n.js";
import { scrubSecrets, type Logger } from "../core/logger.js";
import { OPERATOR_SCOPE, type AdminScope } from "../core/safety/admin-scope.js";
import { renderWithSearchPages, resolveSearchPage, searchPageOptions } from "../core/paging.js";
import type { Reply } from "../core/reply.js";
import { toTelegramCommands } from "./telegram-commands.js";
import { connectTelegram, TelegramStartError } from "./telegram-startup.js";
import { startTelegramWebhook, type TelegramWebhook, type WebhookHost } from "./telegram-webhook.js";
import { createTelegramDeliveryApi, createTelegramPublisher } from "./telegram-publisher.js";
import { createChatQueues } from "./chat-queue.js";
import { answerInlineQuery } from "./telegram-inline.js";
import { TELEGRAM_PAGE_DATA_LIMIT, toTelegramMessage, type RenderOptions, type TelegramMessage } from "./telegram-render.js";
import { followGroupMigration } from "./telegram-migration.js";
import { chatScope, sameChatTarget, targetOfMessage, topicOf } from "./telegram-targets.js";

/** Long-polling timeout for getUpdates, in seconds. */
export const TELEGRAM_POLL_TIMEOUT_SECONDS = 30;
/** Longest text of a callback query answer (the alert a button click shows). */
export const TELEGRAM_CALLBACK_ALERT_LIMIT = 200;

export interface StartTelegramOptions {
  config: Config;
  logger: Logger;
  app: App;
  /**
   * Pacing of outgoing messages (transformer-throttler options). Default: Telegram's limits (30 messages/s overall,
   * 1 message/s per chat, 20/min per group). Tests pass faster settings.
   */
  throttle?: APIThrottlerOptions;
  /** getUpdates long-poll timeout in seconds; default {@link TELEGRAM_POLL_TIMEOUT_SECONDS}. */
  pollTimeoutSeconds?: number;
  /** Aborts the start (a SIGTERM while Telegram cannot be reached yet). */
  signal?: AbortSignal;
  /** Backoff of getMe at start while the API is unreachable (ms); tests shorten it. */
  connectBackoffMs?: readonly number[];
  /** Webhook mode (TELEGRAM_WEBHOOK_URL set): the HTTP endpoint that serves it. Polling otherwise. */
  webhookHost?: WebhookHost;
  /** Counts messages edited in place (metrics). */
  onEdit?: () => void;
  /** How long after a stop begins queued commands are still started (ms; default {@link TELEGRAM_STOP_ANSWER_BUDGET_MS}). */
  stopAnswerBudgetMs?: number;
}

/**
 * Commands queued behind a slower one in their chat are still answered when they can start within this long of the
 * stop (ms): Telegram already counts them delivered (the batch was confirmed as it was queued), so a command not
 * started is lost for good. Past it they are dropped and counted, so the stop stays within its 3 s.
 */
export const TELEGRAM_STOP_ANSWER_BUDGET_MS = 1500;

/** Updates the bot asks for, polling or webhook. */
export const TELEGRAM_ALLOWED_UPDATES = ["message", "channel_post", "callback_query", "inline_query"] as const;

export interface TelegramAdapter {
  readonly bot: Bot;
  readonly botUsername: string;
  /** Taking updates: polling runs, or the webhook is set. For /readyz. */
  connected(): boolean;
  /**
   * Stops taking updates and resolves once the one in hand is answered, and those queued behind it in its chat that
   * could start within {@link TELEGRAM_STOP_ANSWER_BUDGET_MS} (Telegram already counts them delivered). Updates
   * fetched after the stop began are left unconfirmed, so Telegram hands them to the next start.
   * `bot.api` keeps working (delivery can still post). Idempotent.
   */
  drain(): Promise<void>;
  /** {@link drain}, then logs the stop; idempotent. */
  stop(): Promise<void>;
}

export { TelegramStartError } from "./telegram-startup.js";

/**
 * Starts the Telegram bot: validates the token (getMe), registers the command menu in zh and en, registers the
 * daily-post publisher with the delivery engine, and long-polls for updates.
 *
 * @example
 * const telegram = await startTelegram({ config, logger, app });
 * await app.start();
 * // on SIGTERM:
 * await telegram.stop();
 */
export async function startTelegram(options: StartTelegramOptions): Promise<TelegramAdapter> {
  const { config, app } = options;
  const logger = options.logger.child({ module: "telegram" });
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) throw new TelegramStartError("startTelegram: TELEGRAM_BOT_TOKEN is not set; create a bot with @BotFather and set it");
  const secrets = [token, encodeURIComponent(token)];
  const describe = (err: unknown) => describeTelegramError(err, secrets);
  const locale = config.BOT_LOCALE;
  const adminIds = new Set(config.TELEGRAM_ADMIN_IDS.map(Number));

  const bot = new Bot(token, { client: { apiRoot: config.TELEGRAM_API_ROOT } });
  // Installed later = runs outside: a retried call is paced again by the throttler.
  bot.api.config.use(apiThrottler(options.throttle));
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true }));

  // grammY's own init retries forever without a word; this logs every retry and fails fast on a rejected token.
  await connectTelegram(bot, {
    apiRoot: config.TELEGRAM_API_ROOT,
    logger,
    describe,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.connectBackoffMs ? { backoffMs: options.connectBackoffMs } : {}),
  });
  const botUsername = bot.botInfo.username;

  await registerCommandMenu(bot, app, locale, logger, describe);
  // Daily posts go through their own client: the engine paces and retries them (auto-retry would repeat a 5xx unseen).
  const deliveryApi = createTelegramDeliveryApi(token, config.TELEGRAM_API_ROOT);
  app.delivery.registerPublisher(createTelegramPublisher({ api: deliveryApi, locale, botUsername, secrets }));
  app.delivery.registerAlertPublisher?.(createTelegramDm({ api: deliveryApi, botUsername, secrets })); // Personal alerts (/watch).

  // Page requests too long for callback data live in the state database: any instance (or a restarted one) can
  // turn the page. They are stored before the message carrying their buttons goes out.
  const searchPages = app.storage.searchPages;
  const render = (reply: Reply): Promise<TelegramMessage[]> =>
    renderWithSearchPages(TELEGRAM_PAGE_DATA_LIMIT, searchPages, (searchCallback) =>
      toTelegramMessage(reply, locale, { botUsername, searchCallback } satisfies RenderOptions),
    );

  /** `scope` undefined = not an admin. */
  const invocationOf = (ctx: Context, scope?: AdminScope, targetId?: string): InvocationContext => ({
    platform: "telegram",
    isAdmin: scope !== undefined,
    ...(scope ? { adminScope: scope } : {}),
    locale,
    // A command written in a forum topic acts on that topic (`<chat>:<topic id>`); elsewhere on the chat.
    ...(ctx.chat ? { target: { platform: "telegram" as const, id: targetId ?? (ctx.msg ? targetOfMessage(ctx.msg) : String(ctx.chat.id)) } } : {}),
    // An anonymous admin or a channel post has a bot (or nobody) as sender: no one to alert privately.
    ...(ctx.from && !ctx.from.is_bot ? { user: { platform: "telegram" as const, id: String(ctx.from.id) } } : {}),
  });

  /**
   * Operators: TELEGRAM_ADMIN_IDS, anywhere (global scope). A chat's admins (a group's administrators, an anonymous
   * admin posting as the group, whoever can post in a channel — a channel post carries no `from`) act on that chat
   * only. Undefined: not an admin.
   */
  async function adminScopeOf(ctx: Context, msg: Message): Promise<AdminScope | undefined> {
    const chat = msg.chat;
    if (msg.from && adminIds.has(msg.from.id)) return OPERATOR_SCOPE;
    // The chat's admins manage the chat and every topic in it.
    const own = chatScope(chat.id, "username" in chat ? chat.username : undefined);
    if (chat.type === "channel") return own;
    // Anonymous group admins post as the group itself.
    if (msg.sender_chat && msg.sender_chat.id === chat.id) return own;
    if ((chat.type === "group" || chat.type === "supergroup") && msg.from) {
      try {
        const member = await ctx.api.getChatMember(chat.id, msg.from.id);
        return member.status === "creator" || member.status === "administrator" ? own : undefined;
      } catch (err) {
        logger.warn({ chat: chat.id, error: describe(err) }, "telegram: could not check chat membership; treating as non-admin");
      }
    }
    return undefined;
  }

  async function send(ctx: Context, msg: Message, messages: TelegramMessage[]): Promise<void> {
    for (const [i, m] of messages.entries()) {
      const { text, ...rest } = m;
      await ctx.api.sendMessage(msg.chat.id, text, {
        ...rest,
        // Answers stay in the topic they were asked in (without it Telegram posts to the General topic).
        ...(topicOf(msg) !== undefined ? { message_thread_id: topicOf(msg) } : {}),
        // In groups the answer quotes the question, so it is clear whom it answers.
        ...(i === 0 && msg.chat.type !== "private" && msg.chat.type !== "channel"
          ? { reply_parameters: { message_id: msg.message_id, allow_sending_without_reply: true } }
          : {}),
      });
    }
  }

  async function onText(ctx: Context): Promise<void> {
    const msg = ctx.msg;
    const text = msg?.text;
    // A channel post copied into the channel's discussion group was already handled as the channel post.
    if (!msg || text === undefined || msg.is_automatic_forward) return;
    const start = /^\s*\/start(?:@(\S+))?(?:\s+(\S+))?\s*$/i.exec(text);
    if (start && (!start[1] || start[1].toLowerCase() === botUsername.toLowerCase())) {
      // `/start <story id>` comes from a deep link in a daily post or a search result.
      const payload = start[2];
      const reply = payload
        ? await app.run("story", { query: payload }, invocationOf(ctx))
        : await app.run("help", {}, invocationOf(ctx));
      await send(ctx, msg, await render(reply));
      return;
    }
    const parsed = parseTextCommand(text, app.registry, botUsername);
    if (parsed.kind === "not-command") {
      if (msg.chat.type === "private") await send(ctx, msg, toTelegramMessage({ type: "notice", tone: "info", text: t(locale, "chat.notCommand") }, locale));
      return;
    }
    if (parsed.kind === "other-bot") return;
    const def = app.registry.get(parsed.name);
    // In groups an unknown command is probably another bot's: stay quiet there.
    if (!def && msg.chat.type !== "private") return;
    const scope = def?.adminOnly ? await adminScopeOf(ctx, msg) : msg.from !== undefined && adminIds.has(msg.from.id) ? OPERATOR_SCOPE : undefined;
    logger.debug({ chat: msg.chat.id, command: parsed.name, admin: scope?.kind ?? false }, "telegram command");
    // A public chat may be subscribed as @name: the command acts on that target, not on a second one for the same chat.
    const named = "username" in msg.chat && msg.chat.username ? (await app.storage.subscriptions.list()).filter((s) => s.platform === "telegram").map((s) => s.targetId) : [];
    const reply = await app.runText(text, invocationOf(ctx, scope, sameChatTarget(msg, named)), botUsername);
    if (reply) await send(ctx, msg, await render(reply));
  }

  async function onCallback(ctx: Context): Promise<void> {
    const page = await resolveSearchPage(ctx.callbackQuery?.data ?? "", searchPages);
    if (page.kind !== "page") {
      // Stored past its TTL, or made by an older version of the bot (whose keys lived in one process's memory).
      const text = alertText(`${t(locale, "error.searchExpired")}\n${t(locale, "error.searchExpired.hint")}`);
      await ctx.answerCallbackQuery({ text, show_alert: true });
      return;
    }
    let alert: string | undefined;
    try {
      const reply = await app.run("search", searchPageOptions(page.request), invocationOf(ctx));
      const [first] = await render(reply);
      if (reply.type === "error") {
        // The results stay as they were (e.g. the digests changed and this page is gone); only the clicker is told why.
        alert = alertText(reply.hint ? `${reply.message}\n${reply.hint}` : reply.message);
      } else if (first && ctx.callbackQuery?.message) {
        const { text, ...rest } = first;
        options.onEdit?.();
        await ctx.editMessageText(text, rest).catch((err: unknown) => {
          // Pressing the same button twice asks for the same text; Telegram refuses that edit and nothing is lost.
          if (!(err instanceof GrammyError && /message is not modified/i.test(err.description))) throw err;
        });
      }
    } finally {
      await ctx
        .answerCallbackQuery(alert ? { text: alert, show_alert: true } : undefined)
        .catch((err: unknown) => logger.warn({ error: describe(err) }, "telegram: answerCallbackQuery failed"));
    }
  }

  let draining = false;
  let dropAfter = Number.POSITIVE_INFINITY;
  let dropped = 0;
  // grammY's polling hands updates over one at a time; each is queued by chat and the loop moves on, so one busy
  // chat (40 commands flooded into a group) does not hold another's /help. One chat's updates keep their order.
  const queues = createChatQueues((err) => logger.error({ error: describe(err) }, "telegram: handling an update failed"));
  bot.use((ctx, next) => {
    // Fetched after the stop began: not confirmed, so Telegram hands it to the next start.
    if (draining) return;
    const key = String(ctx.chat?.id ?? ctx.from?.id ?? "");
    queues.push(key, async () => {
      // Queued behind a slow one in its chat when the stop began: already confirmed to Telegram, so it is answered
      // while the stop budget lasts, then dropped (and counted) rather than holding the stop past its 3 s.
      if (draining && Date.now() >= dropAfter) {
        dropped++;
        return;
      }
      await next();
    });
  });
  // A group upgraded to a supergroup: the old id stops taking posts, so the subscription follows the new one.
  bot.on("message:migrate_to_chat_id", async (ctx) => {
    await followGroupMigration(app.storage, ctx.chat.id, ctx.msg.migrate_to_chat_id, app.clock().toISOString(), logger);
  });
  bot.on(["message:text", "channel_post:text"], onText);
  bot.on("callback_query:data", onCallback);
  bot.on("inline_query", (ctx) => answerInlineQuery(ctx, app, locale, botUsername));
  bot.catch((err) => {
    logger.error({ update: err.ctx.update.update_id, error: describe(err.error) }, "telegram: handling an update failed");
  });

  let drained: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  let webhook: TelegramWebhook | undefined;
  const drain = () => {
    drained ??= (async () => {
      if (webhook) await webhook.drain();
      draining = true;
      dropAfter = Date.now() + (options.stopAnswerBudgetMs ?? TELEGRAM_STOP_ANSWER_BUDGET_MS);
      if (bot.isRunning()) await bot.stop();
      await polling;
      await queues.idle();
      if (dropped > 0) logger.warn({ dropped }, "telegram: commands queued behind a slower one in the same chat were dropped at the stop (not started within the stop budget); their senders can send them again");
    })();
    return drained;
  };
  let polling: Promise<void> = Promise.resolve();
  if (config.TELEGRAM_WEBHOOK_URL && config.TELEGRAM_WEBHOOK_SECRET && options.webhookHost) {
    webhook = await startTelegramWebhook({
      bot,
      host: options.webhookHost,
      url: config.TELEGRAM_WEBHOOK_URL,
      secret: config.TELEGRAM_WEBHOOK_SECRET,
      allowedUpdates: TELEGRAM_ALLOWED_UPDATES,
      updates: app.storage.telegramUpdates,
      logger,
    });
  } else {
    // grammY's start() calls deleteWebhook first, so a bot once run with a webhook polls again.
    polling = bot
      .start({
        allowed_updates: [...TELEGRAM_ALLOWED_UPDATES],
        timeout: options.pollTimeoutSeconds ?? TELEGRAM_POLL_TIMEOUT_SECONDS,
        onStart: (info) => logger.info({ bot: info.username, apiRoot: config.TELEGRAM_API_ROOT }, "telegram: polling for updates"),
      })
      .catch((err: unknown) => {
        logger.error({ error: describe(err) }, "telegram: polling stopped with an error");
      });
  }

  return {
    bot,
    botUsername,
    connected: () => (webhook ? true : bot.isRunning()),
    drain,
    stop() {
      stopped ??= (async () => {
        await drain();
        logger.info("telegram: stopped");
      })();
      return stopped;
    },
  };
}

/** setMyCommands for everyone and, with the admin commands, for chat administrators — in zh, en and the default. */
async function registerCommandMenu(bot: Bot, app: App, locale: Locale, logger: Logger, describe: (e: unknown) => string) {
  const defs = app.registry.commands;
  const languages: (Locale | undefined)[] = [...LOCALES, undefined];
  for (const includeAdmin of [false, true]) {
    for (const language of languages) {
      const commands = toTelegramCommands(defs, language ?? locale, { includeAdmin });
      try {
        await bot.api.setMyCommands(commands, {
          ...(language ? { language_code: language } : {}),
          ...(includeAdmin ? { scope: { type: "all_chat_administrators" as const } } : {}),
        });
      } catch (err) {
        logger.warn({ language, includeAdmin, error: describe(err) }, "telegram: setMyCommands failed; the command menu may be stale");
      }
    }
  }
}

/** Text cut to what an alert can show, keeping its line breaks. */
function alertText(text: string): string {
  const chars = Array.from(text);
  return chars.length <= TELEGRAM_CALLBACK_ALERT_LIMIT ? text : `${chars.slice(0, TELEGRAM_CALLBACK_ALERT_LIMIT - 1).join("")}…`;
}

/** A Bot API failure as one log-safe line: method, code and description, or the scrubbed network error. */
export function describeTelegramError(err: unknown, secrets: readonly string[]): string {
  if (err instanceof GrammyError) return scrubSecrets(`${err.method}: ${err.error_code} ${err.description}`, secrets);
  if (err instanceof HttpError) {
    const cause = err.error instanceof Error ? ` (${err.error.message})` : "";
    return scrubSecrets(`${err.message}${cause}`, secrets);
  }
  return scrubSecrets(err instanceof Error ? `${err.name}: ${err.message}` : String(err), secrets);
}
