// The Telegram adapter's public surface: start the bot, and the pure renderers the CLI preview and tests use.
export { startTelegram, describeTelegramError, TelegramStartError, type StartTelegramOptions, type TelegramAdapter } from "./telegram-adapter.js";
export { planTelegramDailyPost, type DailyPlanOptions } from "./telegram-daily.js";
export { toTelegramCommands } from "./telegram-commands.js";
export { createTelegramPublisher, toPublishError } from "./telegram-publisher.js";
export { toTelegramMessage, type TelegramMessage } from "./telegram-render.js";
export { TELEGRAM_MESSAGE_LIMIT, escapeHtml, markdownToTelegramHtml, splitTelegramHtml } from "./telegram-html.js";
