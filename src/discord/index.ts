// The Discord adapter's public surface: start it, or use its pure renderers (preview, tests).
export { startDiscord, DiscordStartError, type DiscordAdapter, type StartDiscordOptions } from "./discord-adapter.js";
export { toDiscordCommandData, DiscordCommandError, DISCORD_ADMIN_PERMISSION } from "./discord-commands.js";
export { planDiscordDailyPost } from "./discord-daily-post.js";
export { createDiscordPublisher, toPublishError } from "./discord-publisher.js";
export { toDiscordPayload, type DiscordMessagePayload } from "./discord-render.js";
